namespace XxExporter.Postgres;

/// <summary>How to reach one of the two databases. The password never comes from the command line.</summary>
/// <param name="IsGateway">The gateway's database (cmix_gateway): its tables get the xx_gateway_* series.</param>
/// <param name="RootCertificate">CA file verify-ca and verify-full check the server's certificate against.</param>
public sealed record PostgresTarget(
    bool IsGateway, string Host, int Port, string User, string Database, string? Password, string SslMode, string? RootCertificate)
{
    /// <summary>The connection string; contains the password, so it is never logged or shown.</summary>
    public string ConnectionString(PostgresSettings settings)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = User,
            Database = Database,
            Password = Password,
            SslMode = Enum.Parse<Npgsql.SslMode>(SslMode.Replace("-", ""), ignoreCase: true),
            // Unset, Npgsql takes PGSSLROOTCERT, then ~/.postgresql/root.crt, then the system's CAs.
            RootCertificate = RootCertificate,
            ApplicationName = "xx-exporter",
            Timeout = Math.Max(1, (int)Math.Ceiling(settings.Timeout.TotalSeconds)),
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(settings.Timeout.TotalSeconds)),
            CancellationTimeout = 500,
            MaxPoolSize = settings.MaxConnections,
            MinPoolSize = 0,
            ConnectionIdleLifetime = 60,
            // The server gives up too, so a slow query holds no backend after the scrape has moved on.
            Options = $"-c statement_timeout={(int)settings.Timeout.TotalMilliseconds}",
        };
        return builder.ConnectionString;
    }

    /// <summary>Where, for log lines and errors: no password.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}/{Database}";

    /// <summary>The collector's name in xx_exporter_collector_*.</summary>
    public string CollectorName => $"postgres_{Database}";
}

public sealed record PostgresSettings(IReadOnlyList<PostgresTarget> Targets, TimeSpan Timeout, int MaxConnections, int OtherTables);

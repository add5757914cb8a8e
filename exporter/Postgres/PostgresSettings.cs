using XxExporter.Settings;

namespace XxExporter.Postgres;

/// <summary>How to reach one of the two databases. The password never comes from the command line.</summary>
public sealed record PostgresTarget
{
    /// <summary>The gateway's database (cmix_gateway): its tables get the xx_gateway_* series.</summary>
    public required bool IsGateway { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    public required string Database { get; init; }
    public required string? Password { get; init; }
    public required string SslMode { get; init; }
    /// <summary>CA file verify-ca and verify-full check the server's certificate against.</summary>
    public required string? RootCertificate { get; init; }

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

public sealed record PostgresSettings
{
    public required IReadOnlyList<PostgresTarget> Targets { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int MaxConnections { get; init; }
    public required int OtherTables { get; init; }

    public static class Table
    {
        public static readonly PostgresDatabaseSettings Node = new("node", isGateway: false);
        public static readonly PostgresDatabaseSettings Gateway = new("gateway", isGateway: true);

        public static readonly Setting<TimeSpan> Timeout = new("postgres.timeout", "Postgres:Timeout", "5s",
            "Per-database collection timeout (also the server-side statement_timeout).", Parsers.Duration("100ms", "1m"));

        public static readonly Setting<int> MaxConnections = new("postgres.max-connections", "Postgres:MaxConnections", "2",
            "Most connections the exporter opens to each database.", Parsers.Int(1, 20));

        public static readonly Setting<int> OtherTables = new("postgres.other-tables", "Postgres:OtherTables", "10",
            "Tables outside the xx schemas exported per database (the largest).", Parsers.Int(0, 1000));

        public static IReadOnlyList<Setting> All { get; } = [.. Node.All, .. Gateway.All, Timeout, MaxConnections, OtherTables];
    }

    public static PostgresSettings Read(SettingValues values) => new()
    {
        Targets = new[] { Table.Node.Read(values), Table.Gateway.Read(values) }.OfType<PostgresTarget>().ToList(),
        Timeout = values.Get(Table.Timeout), MaxConnections = values.Get(Table.MaxConnections), OtherTables = values.Get(Table.OtherTables),
    };
}

/// <summary>The settings of one database, <c>--postgres.node.*</c> or <c>--postgres.gateway.*</c>.</summary>
/// <param name="name">node or gateway; the database is cmix_ + this by default.</param>
public sealed class PostgresDatabaseSettings(string name, bool isGateway)
{
    private static readonly string[] SslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

    public Setting<string> Host { get; } = new(Flag(name, "host"), Key(name, "Host"), "",
        $"Host or socket folder of the cmix_{name} server (empty: not collected).", Parsers.Text);

    public Setting<int> Port { get; } = new(Flag(name, "port"), Key(name, "Port"), "5432", "Port.", Parsers.Int(1, 65535));

    public Setting<string> User { get; } = new(Flag(name, "user"), Key(name, "User"), "cmix",
        "User (a role with pg_monitor is enough, see docs/configuration.md).", Parsers.Text);

    public Setting<string> Database { get; } = new(Flag(name, "database"), Key(name, "Database"), $"cmix_{name}", "Database name.", Parsers.Text);

    /// <summary>Never a flag: <c>ps</c> shows flags to every user of the host.</summary>
    public Setting<string?> Password { get; } = new(null, Key(name, "Password"), "",
        $"Password for the cmix_{name} database (or use --{Flag(name, "password-file")}).", Parsers.Optional);

    public Setting<string?> PasswordFile { get; } = new(Flag(name, "password-file"), Key(name, "PasswordFile"), "",
        "File holding the password (a Docker or systemd secret).", text => text.Length > 0 ? Parsers.ReadFile(text).TrimEnd('\r', '\n') : null)
        { Kind = SettingKind.Path };

    public Setting<string> SslMode { get; } = new(Flag(name, "sslmode"), Key(name, "SslMode"), "prefer", $"{Parsers.Choices(SslModes)}.", Parsers.OneOf(SslModes));

    // Npgsql reads the CA file at each connection; read once here so a wrong path stops the start, not every scrape.
    public Setting<string?> SslRootCert { get; } = new(Flag(name, "sslrootcert"), Key(name, "SslRootCert"), "",
        "CA certificates (PEM) verify-ca and verify-full trust (default: PGSSLROOTCERT, ~/.postgresql/root.crt, else the system's CAs).",
        text =>
        {
            if (text.Length == 0) return null;
            Parsers.ReadFile(text);
            return text;
        }) { Kind = SettingKind.Path };

    public IReadOnlyList<Setting> All => [Host, Port, User, Database, Password, PasswordFile, SslMode, SslRootCert];

    /// <summary>The database to read, or null when no host is given.</summary>
    public PostgresTarget? Read(SettingValues values)
    {
        string host = values.Get(Host);
        if (host.Length == 0) return null;
        string sslMode = values.Get(SslMode);
        // libpq would verify with require too; Npgsql does not, so say so rather than pretend to check.
        if (values.Text(SslRootCert).Length > 0 && sslMode is not ("verify-ca" or "verify-full"))
            throw values.Invalid(SslRootCert, $"is only used with {SslMode.Name} verify-ca or verify-full");
        return new PostgresTarget
        {
            IsGateway = isGateway, Host = host, Port = values.Get(Port), User = values.Get(User), Database = values.Get(Database),
            Password = values.Get(PasswordFile) ?? values.Get(Password), SslMode = sslMode, RootCertificate = values.Get(SslRootCert),
        };
    }

    private static string Flag(string name, string setting) => $"postgres.{name}.{setting}";

    private static string Key(string name, string setting) => $"Postgres:{char.ToUpperInvariant(name[0])}{name[1..]}:{setting}";
}

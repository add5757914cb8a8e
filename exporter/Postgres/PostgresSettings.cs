using XxExporter.Settings;

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

public sealed record PostgresSettings(IReadOnlyList<PostgresTarget> Targets, TimeSpan Timeout, int MaxConnections, int OtherTables)
{
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

    public static PostgresSettings Read(SettingValues values) =>
        new(new[] { Table.Node.Read(values), Table.Gateway.Read(values) }.OfType<PostgresTarget>().ToList(),
            values.Get(Table.Timeout), values.Get(Table.MaxConnections), values.Get(Table.OtherTables));
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
        "User (a role with pg_monitor is enough, see README).", Parsers.Text);

    public Setting<string> Database { get; } = new(Flag(name, "database"), Key(name, "Database"), $"cmix_{name}", "Database name.", Parsers.Text);

    /// <summary>Never a flag: <c>ps</c> shows flags to every user of the host.</summary>
    public Setting<string?> Password { get; } = new(null, Key(name, "Password"), "",
        $"Password for the cmix_{name} database (or use --{Flag(name, "password-file")}).", Parsers.Optional);

    public Setting<string?> PasswordFile { get; } = new(Flag(name, "password-file"), Key(name, "PasswordFile"), "",
        "File holding the password (a Docker or systemd secret).", text => text.Length > 0 ? Parsers.ReadFile(text).TrimEnd('\r', '\n') : null);

    public Setting<string> SslMode { get; } = new(Flag(name, "sslmode"), Key(name, "SslMode"), "prefer", $"{Parsers.Choices(SslModes)}.", Parsers.OneOf(SslModes));

    // Npgsql reads the CA file at each connection; read once here so a wrong path stops the start, not every scrape.
    public Setting<string?> SslRootCert { get; } = new(Flag(name, "sslrootcert"), Key(name, "SslRootCert"), "",
        "CA certificates (PEM) verify-ca and verify-full trust (default: PGSSLROOTCERT, ~/.postgresql/root.crt, else the system's CAs).",
        text =>
        {
            if (text.Length == 0) return null;
            Parsers.ReadFile(text);
            return text;
        });

    public IReadOnlyList<Setting> All => [Host, Port, User, Database, Password, PasswordFile, SslMode, SslRootCert];

    /// <summary>The database to read, or null when no host is given.</summary>
    public PostgresTarget? Read(SettingValues values)
    {
        string host = values.Get(Host);
        if (host.Length == 0) return null;
        string sslMode = values.Get(SslMode);
        // libpq would verify with require too; Npgsql does not, so say so rather than pretend to check.
        if (values.Text(SslRootCert) is { Length: > 0 } rootCert && sslMode is not ("verify-ca" or "verify-full"))
            throw SslRootCert.Invalid(rootCert, $"is only used with {SslMode.Name} verify-ca or verify-full");
        return new PostgresTarget(isGateway, host, values.Get(Port), values.Get(User), values.Get(Database),
            values.Get(PasswordFile) ?? values.Get(Password), sslMode, values.Get(SslRootCert));
    }

    private static string Flag(string name, string setting) => $"postgres.{name}.{setting}";

    private static string Key(string name, string setting) => $"Postgres:{char.ToUpperInvariant(name[0])}{name[1..]}:{setting}";
}

using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using XxExporter.Logs;
using XxExporter.Logs.Rules;
using XxExporter.Chain;
using XxExporter.Checks;
using XxExporter.Files;
using XxExporter.Postgres;
using XxExporter.Web.Security;

namespace XxExporter.Hosting;

/// <summary>Where to listen: an IP address (null = all interfaces) and a port (0 = any free port).</summary>
public sealed record ListenAddress(IPAddress? Host, int Port)
{
    public override string ToString() => Host is null ? $":{Port}" : new IPEndPoint(Host, Port).ToString();
}

/// <summary>A log file to follow.</summary>
public sealed record LogFile(LogKind Kind, string Path);

public sealed record LogSettings(
    IReadOnlyList<LogFile> Files, bool FromStart, TimeZoneInfo TimeZone, int MaxLineBytes, TimeSpan PollInterval, string? PositionsFile);

/// <summary>Every setting, parsed and validated at start.</summary>
public sealed record ExporterSettings(
    ListenAddress ListenAddress, string TelemetryPath, Microsoft.Extensions.Logging.LogLevel LogLevel, LogSettings Logs,
    PostgresSettings Postgres, ChainSettings Chain, ChecksSettings Checks, WebConfig? WebConfig, bool Once)
{
    public const string EnvironmentPrefix = "XX_EXPORTER_";

    /// <summary>
    /// Builds the configuration (flag defaults &lt; appsettings.json or --config.file &lt; environment &lt; flags)
    /// and reads the settings from it. Throws <see cref="SettingsException"/> with a one-line message.
    /// </summary>
    public static ExporterSettings Load(CommandLineRequest request)
    {
        var builder = new ConfigurationBuilder()
            .AddInMemoryCollection(CommandLine.Flags.Where(f => f.Key is not null).Select(f => KeyValuePair.Create(f.Key!, (string?)f.Default)));
        if (request.ConfigFile is { } file)
        {
            string full = System.IO.Path.GetFullPath(file);
            if (!File.Exists(full)) throw new SettingsException($"--config.file {file}: no such file");
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(System.IO.Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(request.Settings);
        IConfiguration configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"cannot read settings file: {ex.GetBaseException().Message}");
        }
        return FromConfiguration(configuration, request.Once);
    }

    public static ExporterSettings FromConfiguration(IConfiguration configuration, bool once)
    {
        string Get(string key) => configuration[key] ?? "";

        var listen = ParseListenAddress(Get("Web:ListenAddress"));
        string telemetryPath = Get("Web:TelemetryPath");
        if (!telemetryPath.StartsWith('/') || telemetryPath.Length < 2)
            throw Invalid("web.telemetry-path", telemetryPath, "must start with / and name a path other than /");
        var logLevel = Get("Log:Level").ToLowerInvariant() switch
        {
            "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
            "info" => Microsoft.Extensions.Logging.LogLevel.Information,
            "warn" => Microsoft.Extensions.Logging.LogLevel.Warning,
            "error" => Microsoft.Extensions.Logging.LogLevel.Error,
            var other => throw Invalid("log.level", other, "must be debug, info, warn or error"),
        };
        return new ExporterSettings(listen, telemetryPath, logLevel, ReadLogSettings(Get), ReadPostgresSettings(Get), ReadChainSettings(Get), ReadChecksSettings(Get),
            Get("Web:ConfigFile") is { Length: > 0 } webConfig ? WebConfigLoader.Load(webConfig) : null, once);
    }

    private static LogSettings ReadLogSettings(Func<string, string> get)
    {
        string dir = get("Logs:Dir");
        var enabled = new HashSet<LogKind>();
        foreach (string name in get("Logs:Enabled").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kind = Array.Find(LogKinds.All, k => k.Label() == name);
            if (kind.Label() != name) throw Invalid("logs.enabled", name, "is not one of cmix, gateway, cmix_wrapper, gateway_wrapper");
            enabled.Add(kind);
        }
        var files = LogKinds.All.Where(enabled.Contains).Select(kind =>
        {
            string configured = get($"Logs:{kind}:Path");
            return new LogFile(kind, configured.Length > 0 ? configured : System.IO.Path.Combine(dir, kind.DefaultFileName()));
        }).ToList();

        if (!bool.TryParse(get("Logs:FromStart"), out bool fromStart)) throw Invalid("logs.from-start", get("Logs:FromStart"), "must be true or false");

        string zoneName = get("Logs:TimeZone");
        TimeZoneInfo zone;
        try
        {
            zone = zoneName.Length == 0 ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw Invalid("logs.timezone", zoneName, "is not a time zone known to this host (try an IANA name such as Europe/Berlin or UTC)");
        }

        int maxLineBytes = ParseInt("logs.max-line-bytes", get("Logs:MaxLineBytes"), 1024, 64 << 20);

        string poll = get("Logs:PollInterval");
        var pollInterval = ParseDuration("logs.poll-interval", poll);
        if (pollInterval < TimeSpan.FromMilliseconds(10) || pollInterval > TimeSpan.FromSeconds(10))
            throw Invalid("logs.poll-interval", poll, "must be from 10ms to 10s");

        string positions = get("Logs:PositionsFile");
        if (positions.Length > 0)
        {
            string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(positions));
            if (folder is null || !Directory.Exists(folder)) throw Invalid("logs.positions-file", positions, "is in a folder that does not exist");
        }
        return new LogSettings(files, fromStart, zone, maxLineBytes, pollInterval, positions.Length > 0 ? positions : null);
    }

    private static PostgresSettings ReadPostgresSettings(Func<string, string> get)
    {
        var timeout = ParseDuration("postgres.timeout", get("Postgres:Timeout"));
        if (timeout < TimeSpan.FromMilliseconds(100) || timeout > TimeSpan.FromMinutes(1))
            throw Invalid("postgres.timeout", get("Postgres:Timeout"), "must be from 100ms to 1m");
        int maxConnections = ParseInt("postgres.max-connections", get("Postgres:MaxConnections"), 1, 20);
        int otherTables = ParseInt("postgres.other-tables", get("Postgres:OtherTables"), 0, 1000);
        var targets = new List<PostgresTarget>();
        foreach (var (name, key, isGateway) in new[] { ("node", "Node", false), ("gateway", "Gateway", true) })
        {
            string host = get($"Postgres:{key}:Host");
            if (host.Length == 0) continue;
            int port = ParseInt($"postgres.{name}.port", get($"Postgres:{key}:Port"), 1, 65535);
            string sslMode = get($"Postgres:{key}:SslMode");
            if (sslMode is not ("disable" or "allow" or "prefer" or "require" or "verify-ca" or "verify-full"))
                throw Invalid($"postgres.{name}.sslmode", sslMode, "must be disable, allow, prefer, require, verify-ca or verify-full");
            string? password = get($"Postgres:{key}:Password") is { Length: > 0 } given ? given : null;
            string passwordFile = get($"Postgres:{key}:PasswordFile");
            if (passwordFile.Length > 0) password = ReadFile($"postgres.{name}.password-file", passwordFile).TrimEnd('\r', '\n');
            // Npgsql reads the CA file at each connection; read once here so a wrong path stops the start, not every scrape.
            string rootCert = get($"Postgres:{key}:SslRootCert");
            if (rootCert.Length > 0)
            {
                // libpq would verify with require too; Npgsql does not, so say so rather than pretend to check.
                if (sslMode is not ("verify-ca" or "verify-full"))
                    throw Invalid($"postgres.{name}.sslrootcert", rootCert, $"is only used with --postgres.{name}.sslmode verify-ca or verify-full");
                ReadFile($"postgres.{name}.sslrootcert", rootCert);
            }
            targets.Add(new PostgresTarget(isGateway, host, port, get($"Postgres:{key}:User"), get($"Postgres:{key}:Database"), password, sslMode,
                rootCert.Length > 0 ? rootCert : null));
        }
        return new PostgresSettings(targets, timeout, maxConnections, otherTables);
    }

    private static ChainSettings ReadChainSettings(Func<string, string> get)
    {
        var endpoints = new List<Uri>();
        foreach (string url in get("Chain:RpcUrl").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss" or "http" or "https"))
                throw Invalid("chain.rpc-url", url, "must be a ws://, wss://, http:// or https:// URL");
            endpoints.Add(uri);
        }
        byte[]? stash = null;
        string address = get("Chain:Stash");
        if (address.Length > 0)
        {
            try { stash = Ss58.Decode(address); }
            catch (FormatException ex) { throw Invalid("chain.stash", address, ex.Message); }
        }
        var timeout = ParseDuration("chain.timeout", get("Chain:Timeout"));
        if (timeout < TimeSpan.FromMilliseconds(100) || timeout > TimeSpan.FromMinutes(1))
            throw Invalid("chain.timeout", get("Chain:Timeout"), "must be from 100ms to 1m");
        int window = ParseInt("chain.missed-eras-window", get("Chain:MissedErasWindow"), 1, 84);
        return new ChainSettings(endpoints, stash, get("Chain:IdfPath"), timeout, window);
    }

    private static ChecksSettings ReadChecksSettings(Func<string, string> get)
    {
        var backups = Pairs("checks.backups", get("Checks:Backups")).Select(p => new BackupTarget(p.Name, p.Value)).ToList();
        var probes = Pairs("checks.probes", get("Checks:Probes")).Select(p =>
        {
            int colon = p.Value.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(p.Value[(colon + 1)..], out int port))
                throw Invalid("checks.probes", p.Value, "must be name=host:port");
            return new ProbeTarget(p.Name, p.Value[..colon].Trim('[', ']'), port);
        }).ToList();
        var settings = new ChecksSettings(backups, get("Checks:Certificates"), get("Chain:IdfPath"), probes,
            ParseDuration("checks.probe-timeout", get("Checks:ProbeTimeout")));
        try
        {
            settings.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new SettingsException($"invalid checks: {ex.Message}");
        }
        return settings;
    }

    /// <summary>The file's text, or one clear line saying why it cannot be read.</summary>
    private static string ReadFile(string flag, string path)
    {
        try
        {
            // Through SmallFile: a FIFO here would block the start. File.ReadAllText would drop a BOM too.
            return Encoding.UTF8.GetString(SmallFile.ReadAllBytes(path)).TrimStart('\uFEFF');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid(flag, path, ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "does not exist",
                UnauthorizedAccessException => "is not readable by this user",
                _ => "cannot be read",
            });
        }
    }

    /// <summary>"name=value,name=value" (values may not contain commas).</summary>
    private static IEnumerable<(string Name, string Value)> Pairs(string flag, string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item =>
        {
            int equals = item.IndexOf('=');
            return equals > 0 ? (item[..equals].Trim(), item[(equals + 1)..].Trim()) : throw Invalid(flag, item, "must be name=value");
        });

    private static int ParseInt(string flag, string text, int min, int max) =>
        int.TryParse(text, out int value) && value >= min && value <= max
            ? value
            : throw Invalid(flag, text, $"must be a whole number from {min} to {max}");

    public static ListenAddress ParseListenAddress(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon < 0) throw Invalid("web.listen-address", text, "must be host:port or :port");
        string host = text[..colon];
        string portText = text[(colon + 1)..];
        if (!int.TryParse(portText, out int port) || port is < 0 or > 65535)
            throw Invalid("web.listen-address", text, "port must be a number from 0 to 65535");
        if (host.Length == 0) return new ListenAddress(null, port);
        if (host == "localhost") return new ListenAddress(IPAddress.Loopback, port);
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (!IPAddress.TryParse(host, out var address))
            throw Invalid("web.listen-address", text, "host must be an IP address, localhost, or empty for all interfaces");
        return new ListenAddress(address, port);
    }

    /// <summary>Go-style durations, as Prometheus tools write them: 250ms, 1s, 1m30s.</summary>
    public static TimeSpan ParseDuration(string flag, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (!MessageText.TryReadGoDuration(bytes, out double seconds, out int used) || used != bytes.Length)
            throw Invalid(flag, text, "must be a duration such as 250ms, 1s or 1m30s");
        if (seconds >= TimeSpan.MaxValue.TotalSeconds) throw Invalid(flag, text, "is longer than any time span");
        return TimeSpan.FromSeconds(seconds);
    }

    private static SettingsException Invalid(string flag, string value, string problem) =>
        new($"invalid --{flag} \"{value}\": {problem}");
}

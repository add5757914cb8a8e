namespace XxExporter.Hosting;

/// <summary>One command-line flag: its name, the configuration key it sets, its default and help.</summary>
public sealed record Flag(string Name, string? Key, string Default, string Help, bool IsSwitch = false);

/// <summary>What the command line asked for.</summary>
public sealed record CommandLineRequest(
    IReadOnlyDictionary<string, string?> Settings, string? ConfigFile, bool Once, bool ShowHelp, bool ShowVersion);

/// <summary>
/// Flags in the style of Prometheus exporters (<c>--web.listen-address=:19420</c> or <c>--web.listen-address :19420</c>;
/// switches as <c>--once</c> or <c>--once=false</c>). Each flag sets a configuration key, so appsettings.json,
/// environment variables (<c>XX_EXPORTER_</c> + key with <c>__</c> for <c>:</c>) and flags share one set of names.
/// </summary>
public static class CommandLine
{
    public const string ConfigFileFlag = "config.file";
    public const string OnceFlag = "once";

    public static readonly Flag[] Flags =
    [
        new(ConfigFileFlag, null, "", "JSON settings file (same keys as appsettings.json)."),
        new("web.listen-address", "Web:ListenAddress", ":19420", "Address to serve /metrics on: host:port, :port for all interfaces, [v6]:port."),
        new("web.telemetry-path", "Web:TelemetryPath", "/metrics", "Path the metrics are served under."),
        new("web.config.file", "Web:ConfigFile", "", "Exporter-toolkit web config (YAML): TLS and basic authentication for every endpoint."),
        new("log.level", "Log:Level", "info", "Exporter's own log level: debug, info, warn, error."),
        new("logs.dir", "Logs:Dir", "/opt/xxnetwork/log", "Folder holding cmix.log, cmix-wrapper.log, gateway.log and gateway-wrapper.log."),
        new("logs.cmix.path", "Logs:Cmix:Path", "", "cMix node log (default: <logs.dir>/cmix.log)."),
        new("logs.gateway.path", "Logs:Gateway:Path", "", "Gateway log (default: <logs.dir>/gateway.log)."),
        new("logs.cmix-wrapper.path", "Logs:CmixWrapper:Path", "", "cMix wrapper log (default: <logs.dir>/cmix-wrapper.log)."),
        new("logs.gateway-wrapper.path", "Logs:GatewayWrapper:Path", "", "Gateway wrapper log (default: <logs.dir>/gateway-wrapper.log)."),
        new("logs.enabled", "Logs:Enabled", "cmix,gateway,cmix_wrapper,gateway_wrapper", "Comma-separated logs to follow."),
        new("logs.from-start", "Logs:FromStart", "false", "Read files that exist at start from their beginning instead of their end.", IsSwitch: true),
        new("logs.timezone", "Logs:TimeZone", "", "IANA zone the logs' local timestamps are in (default: the host's)."),
        new("logs.max-line-bytes", "Logs:MaxLineBytes", "1048576", "Lines longer than this are skipped and counted."),
        new("logs.poll-interval", "Logs:PollInterval", "250ms", "How often files are checked for new lines and rotation."),
        new("logs.positions-file", "Logs:PositionsFile", "", "Keep read positions in this file across restarts (default: off; see README)."),
        .. PostgresFlags("node", "Node", "cmix_node"),
        .. PostgresFlags("gateway", "Gateway", "cmix_gateway"),
        new("postgres.timeout", "Postgres:Timeout", "5s", "Per-database collection timeout (also the server-side statement_timeout)."),
        new("postgres.max-connections", "Postgres:MaxConnections", "2", "Most connections the exporter opens to each database."),
        new("postgres.other-tables", "Postgres:OtherTables", "10", "Tables outside the xx schemas exported per database (the largest)."),
        new("chain.rpc-url", "Chain:RpcUrl", "ws://127.0.0.1:9944,ws://127.0.0.1:63007",
            "Chain node JSON-RPC (ws://, wss://, http://, https://); a comma-separated list is tried in order; empty: not collected."),
        new("chain.stash", "Chain:Stash", "", "The validator's stash address (SS58, prefix 55); empty: found on chain from the IDF."),
        new("chain.idf-path", "Chain:IdfPath", "/opt/xxnetwork/cred/cmix-IDF.json",
            "The node's IDF: its hexNodeID finds the stash, is compared with the cMix ID on chain, and is exported as the node ID."),
        new("chain.timeout", "Chain:Timeout", "5s", "Per-scrape timeout of the chain collection (and of each JSON-RPC call)."),
        new("chain.missed-eras-window", "Chain:MissedErasWindow", "28", "Finished eras xx_validator_missed_eras looks back over (1-84)."),
        new("checks.backups", "Checks:Backups", "cmix_node=/opt/xxnetwork/backup/cmix_node,cmix_gateway=/opt/xxnetwork/backup/cmix_gateway,chain=/opt/xxnetwork/backup/chain",
            "Backups to watch, name=path (a dump file, a folder whose newest file counts, a glob, or a marker file); empty: none."),
        new("checks.certificates", "Checks:Certificates", "/opt/xxnetwork/cred/*.crt", "PEM certificates whose expiry is exported; empty: none."),
        new("checks.probes", "Checks:Probes", "node=127.0.0.1:11420,gateway=127.0.0.1:22840,chain_p2p=127.0.0.1:15974",
            "TCP endpoints probed at each scrape, name=host:port; empty: none."),
        new("checks.probe-timeout", "Checks:ProbeTimeout", "1s", "How long a probe waits for the connection."),
        new(OnceFlag, null, "false", "Read the log files from their start, print the metrics to stdout and exit.", IsSwitch: true),
    ];

    private static Flag[] PostgresFlags(string name, string key, string database) =>
    [
        new($"postgres.{name}.host", $"Postgres:{key}:Host", "", $"Host or socket folder of the {database} server (empty: not collected)."),
        new($"postgres.{name}.port", $"Postgres:{key}:Port", "5432", "Port."),
        new($"postgres.{name}.user", $"Postgres:{key}:User", "cmix", "User (a role with pg_monitor is enough, see README)."),
        new($"postgres.{name}.database", $"Postgres:{key}:Database", database, "Database name."),
        new($"postgres.{name}.password-file", $"Postgres:{key}:PasswordFile", "",
            $"File holding the password; or set XX_EXPORTER_POSTGRES__{key.ToUpperInvariant()}__PASSWORD (never a flag)."),
        new($"postgres.{name}.sslmode", $"Postgres:{key}:SslMode", "prefer", "disable, allow, prefer, require, verify-ca or verify-full."),
        new($"postgres.{name}.sslrootcert", $"Postgres:{key}:SslRootCert", "",
            "CA certificates (PEM) verify-ca and verify-full trust (default: PGSSLROOTCERT, ~/.postgresql/root.crt, else the system's CAs)."),
    ];

    /// <summary>Parses <paramref name="args"/>; throws <see cref="SettingsException"/> with a one-line message.</summary>
    public static CommandLineRequest Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string? configFile = null;
        bool once = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help") return new(settings, null, false, ShowHelp: true, ShowVersion: false);
            if (arg is "--version") return new(settings, null, false, ShowHelp: false, ShowVersion: true);
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new SettingsException($"unexpected argument \"{arg}\" (flags look like --name=value; see --help)");
            string name = arg[2..];
            string? value = null;
            int equals = name.IndexOf('=');
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            var flag = Array.Find(Flags, f => f.Name == name)
                ?? throw new SettingsException(name.EndsWith(".password", StringComparison.Ordinal)
                    ? $"passwords are not taken on the command line (it shows in ps): use --{name}-file or the environment (see --help)"
                    : $"unknown flag --{name} (see --help)");
            if (flag.IsSwitch)
            {
                value ??= "true";
                if (!bool.TryParse(value, out _)) throw new SettingsException($"--{name} takes true or false, not \"{value}\"");
            }
            else if (value is null)
            {
                if (i + 1 >= args.Count) throw new SettingsException($"--{name} needs a value");
                value = args[++i];
            }
            if (flag.Name == ConfigFileFlag) configFile = value;
            else if (flag.Name == OnceFlag) once = bool.Parse(value);
            else settings[flag.Key!] = value;
        }
        return new(settings, configFile, once, ShowHelp: false, ShowVersion: false);
    }

    public static string Usage()
    {
        var text = new System.Text.StringBuilder("usage: xx-exporter [flags]\n\nflags:\n");
        foreach (var flag in Flags)
        {
            string shown = flag.IsSwitch ? $"--{flag.Name}" : $"--{flag.Name}=VALUE";
            text.Append($"  {shown,-34} {flag.Help}");
            if (flag.Default.Length > 0 && !flag.IsSwitch) text.Append($" (default \"{flag.Default}\")");
            if (flag.Key is not null) text.Append($" [{flag.Key}]");
            text.Append('\n');
        }
        text.Append("\nEvery [Key] can also be set in the --config.file JSON or as environment variable XX_EXPORTER_<KEY> with __ for ':'.\n");
        return text.ToString();
    }
}

/// <summary>Invalid settings: the message is the one line the user sees.</summary>
public sealed class SettingsException(string message) : Exception(message);

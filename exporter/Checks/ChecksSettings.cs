using XxExporter.Chain;
using XxExporter.Settings;

namespace XxExporter.Checks;

/// <summary>
/// A backup whose age and size are watched. <paramref name="PathOrGlob"/> is a dump file, a folder (its newest file
/// counts; subfolders and dot files do not), a glob with <c>*</c> and <c>?</c> in the file name only, such as
/// <c>/var/backups/cmix_gateway-*.sql.gz</c> (the newest match counts), or a marker file a remote-backup script
/// touches when it is done. The newest file's modification time is taken as the time of the last successful
/// backup, so a dump should be written under a name that does not count (a dot file, or one the glob does not
/// match) and renamed when complete.
/// </summary>
/// <param name="Name">The <c>target</c> label.</param>
/// <param name="Source">What the backup is a copy of (a file, folder or glob): its newest file's modification time is
/// exported, so a backup older than the last change of what it copies is stale however old it is; null: none.</param>
public sealed record BackupTarget(string Name, string PathOrGlob, string? Source = null);

/// <summary>A TCP endpoint that should accept connections.</summary>
/// <param name="Name">The <c>target</c> label.</param>
public sealed record ProbeTarget(string Name, string Host, int Port);

/// <summary>What runs on this host, which the default probes follow (<c>--host.role</c>).</summary>
public enum HostRole { Node, Gateway, Both }

/// <summary>The scrape-time host checks. An empty list or path turns that check off (its series do not exist).</summary>
public sealed record ChecksSettings
{
    /// <summary>Backups to watch.</summary>
    public required IReadOnlyList<BackupTarget> Backups { get; init; }
    /// <summary>A newest backup file smaller than this counts as a failed backup.</summary>
    public required int BackupMinBytes { get; init; }
    /// <summary>Certificate files (PEM or DER): each a file, a folder or a glob with <c>*</c> and <c>?</c> in the file name only.</summary>
    public required IReadOnlyList<string> CertificatePatterns { get; init; }
    /// <summary>The node's cmix-IDF.json; a host without one (a gateway host) exports no node ID.</summary>
    public required string IdfPath { get; init; }
    /// <summary>TCP endpoints to connect to.</summary>
    public required IReadOnlyList<ProbeTarget> Probes { get; init; }
    /// <summary>How long a probe waits for the connection.</summary>
    public required TimeSpan ProbeTimeout { get; init; }
    /// <summary>The gateway's YAML config, whose node address is probed; empty: off.</summary>
    public required string GatewayConfig { get; init; }
    /// <summary>Names resolved at each scrape; empty: off.</summary>
    public required IReadOnlyList<string> DnsNames { get; init; }
    /// <summary>How long a name may take to resolve (also the node's name in the gateway probe).</summary>
    public required TimeSpan DnsTimeout { get; init; }
    /// <summary>The host's role and how it was found: set, or what it was detected from (for the start-up report).</summary>
    public (HostRole Role, string How) Role { get; init; } = (HostRole.Both, "the default");
    /// <summary>Names in --checks.backup-sources that are no backup target, so left out (the start-up report names them).</summary>
    public IReadOnlyList<string> UnusedBackupSources { get; init; } = [];

    public static class Table
    {
        /// <summary>
        /// The one irreplaceable thing on an xx host is its credentials folder (IDF, keys, certificates: xx does not
        /// reissue them), so the default watches a folder its copies go to, beside the handbook's <c>cred/</c>, <c>log/</c> and
        /// <c>config/</c>; <see cref="BackupSources"/> makes such a backup stale when the credentials change after it,
        /// not after a day. The node database has no tables, the gateway's holds replicated round data and the chain can
        /// be resynced, so none of them is a default (add them, such as <c>cmix_gateway=/opt/xxnetwork/backup/cmix_gateway</c>).
        /// A folder rather than a glob, because any naming and rotation scheme then works unchanged and a remote-backup
        /// script can touch a marker file in the same folder.
        /// </summary>
        public static readonly Setting<IReadOnlyList<BackupTarget>> Backups = new("checks.backups", "Checks:Backups",
            "cred=/opt/xxnetwork/backup/cred",
            "Backups to watch, name=path (a dump file, a folder whose newest file counts, a glob, or a marker file); the default is a folder for copies of /opt/xxnetwork/cred (such as tar czf /opt/xxnetwork/backup/cred/$(date +%F).tgz -C /opt/xxnetwork cred, or a marker a script copying it off the host touches); empty: none.",
            Parsers.NamedList((name, path) => FileMatch.IsValid(path) ? new BackupTarget(name, path) : throw new FormatException($"{name}: {FileMatch.Rule}")))
        { Kind = SettingKind.NamedPaths };

        public static readonly Setting<IReadOnlyList<(string Target, string Path)>> BackupSources = new("checks.backup-sources", "Checks:BackupSources",
            "cred=/opt/xxnetwork/cred",
            "What backups copy, name=path (a file, folder or glob), for backups whose age says nothing (credentials change rarely): such a backup is stale only when it is older than the newest file here; a name that is no backup target is logged and left out; empty: none.",
            Parsers.NamedList((name, path) => FileMatch.IsValid(path) ? (name, path) : throw new FormatException($"{name}: {FileMatch.Rule}")))
        { Kind = SettingKind.NamedPaths };

        public static readonly Setting<int> BackupMinBytes = new("checks.backup-min-bytes", "Checks:BackupMinBytes", "1",
            "A newest backup file smaller than this counts as failed (a dump that wrote nothing); 0 accepts empty marker files.",
            Parsers.Int(0, int.MaxValue));

        public static readonly Setting<IReadOnlyList<string>> Certificates = new("checks.certificates", "Checks:Certificates", "/opt/xxnetwork/cred/*.crt",
            "Certificate files (PEM or DER), comma-separated: each a file, a folder or a glob; old.* ones are reported as retired, new.* as pending; a pattern that matches nothing is reported; empty: none.",
            CertificatePatterns) { Kind = SettingKind.Paths };

        /// <summary>
        /// Detected by default from what the host holds, so that a new host gets the probes of what it runs without a
        /// setting, and read once at start: a host is not re-roled while the exporter runs.
        /// </summary>
        public static readonly Setting<HostRole?> Role = new("host.role", "Host:Role", "auto",
            "What this host runs, which the default --checks.probes follow: node (cMix, chain), gateway (gateway, chain), both, or auto: node if --chain.idf-path exists, gateway if --checks.gateway-config exists (both if both or neither), looked at once at start.",
            text => text == "auto" ? null : Enum.TryParse<HostRole>(text, ignoreCase: true, out var role) && !int.TryParse(text, out _) ? role
                : throw new FormatException("must be auto, node, gateway or both"));

        /// <summary>A probe list as --checks.probes gives it.</summary>
        internal static readonly Func<string, IReadOnlyList<ProbeTarget>> ProbeList = Parsers.NamedList(Probe);

        /// <summary>The handbook's ports on this host: cMix node 11420, gateway 22840, chain p2p 15974; "role": those of --host.role.</summary>
        public static readonly Setting<IReadOnlyList<ProbeTarget>?> Probes = new("checks.probes", "Checks:Probes", "role",
            $"TCP endpoints probed at each scrape, name=host:port; role: those of --host.role (node: {ProbesOf(HostRole.Node)}; gateway: {ProbesOf(HostRole.Gateway)}; both: all three); empty: none.",
            text => text == "role" ? null : ProbeList(text));

        public static readonly Setting<TimeSpan> ProbeTimeout = new("checks.probe-timeout", "Checks:ProbeTimeout", "1s",
            "How long a probe waits for the connection.", Parsers.Duration("10ms", "1m"));

        /// <summary>Where the wrapper's service starts the gateway with <c>--config</c> (docs/xx-node-facts.md, section 5).</summary>
        public static readonly Setting<string> GatewayConfig = new("checks.gateway-config", "Checks:GatewayConfig", "/opt/xxnetwork/config/gateway.yaml",
            "The gateway's YAML config: the node address it names (cmixAddress) is resolved and connected to at each scrape; a missing file is normal on a node host; empty: off.",
            Parsers.Text) { Kind = SettingKind.Path };

        /// <summary>The scheduling and authorizer names of mainnet, which cMix and the gateway need (docs/xx-node-facts.md, section 5).</summary>
        public static readonly Setting<IReadOnlyList<string>> DnsNames = new("checks.dns-names", "Checks:DnsNames",
            "scheduling.mainnet.cmix.rip,auth.mainnet.cmix.rip",
            "Host names resolved at each scrape, comma-separated; empty: none.", DnsNameList);

        public static readonly Setting<TimeSpan> DnsTimeout = new("checks.dns-timeout", "Checks:DnsTimeout", "5s",
            "How long a name may take to resolve, for --checks.dns-names, the gateway's node address and probes given by name.", Parsers.Duration("10ms", "1m"));

        public static IReadOnlyList<Setting> All { get; } =
            [Role, Backups, BackupSources, BackupMinBytes, Certificates, Probes, ProbeTimeout, GatewayConfig, DnsNames, DnsTimeout];

        /// <summary>The probes of what a role runs, as --checks.probes would name them.</summary>
        public static string ProbesOf(HostRole role) => role switch
        {
            HostRole.Node => "node=127.0.0.1:11420,chain_p2p=127.0.0.1:15974",
            HostRole.Gateway => "gateway=127.0.0.1:22840,chain_p2p=127.0.0.1:15974",
            _ => "node=127.0.0.1:11420,gateway=127.0.0.1:22840,chain_p2p=127.0.0.1:15974",
        };

        private static IReadOnlyList<string> CertificatePatterns(string text)
        {
            string[] patterns = Parsers.List(text);
            foreach (string pattern in patterns)
            {
                string which = patterns.Length > 1 ? $"\"{pattern}\": " : "";
                if (pattern.AsSpan().IndexOfAny('{', '}') >= 0) throw new FormatException($"{which}braces are not expanded; give each pattern, separated by commas");
                if (!FileMatch.IsValid(pattern)) throw new FormatException($"{which}{FileMatch.Rule}");
            }
            return patterns.Distinct(StringComparer.Ordinal).Count() == patterns.Length ? patterns : throw new FormatException("a pattern is given twice");
        }

        private static IReadOnlyList<string> DnsNameList(string text)
        {
            string[] names = Parsers.List(text);
            foreach (string name in names)
            {
                // RFC 1123 host names: letters, digits, hyphens and dots, at most 253 characters; also used as a label value.
                if (name.Length > 253 || name.Split('.').Any(part => part.Length is 0 or > 63) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
                    throw new FormatException($"\"{name}\" is not a host name");
            }
            return names.Distinct(StringComparer.OrdinalIgnoreCase).Count() == names.Length ? names
                : throw new FormatException("a name is given twice");
        }

        private static ProbeTarget Probe(string name, string address)
        {
            int colon = address.LastIndexOf(':');
            string host = colon > 0 ? address[..colon].Trim('[', ']') : "";
            if (host.Length == 0 || !int.TryParse(address[(colon + 1)..], out int port))
                throw new FormatException($"{name}: \"{address}\" is not host:port");
            return port is >= 1 and <= 65535 ? new ProbeTarget(name, host, port) : throw new FormatException($"{name}: port {port} is not from 1 to 65535");
        }
    }

    /// <summary>The checks' settings; the node's IDF is the one the chain's settings name.</summary>
    public static ChecksSettings Read(SettingValues values)
    {
        string idfPath = values.Get(ChainSettings.Table.IdfPath), gatewayConfig = values.Get(Table.GatewayConfig);
        var role = values.Get(Table.Role) is { } set ? (Role: set, How: $"set by {Table.Role.Name}") : Detect(idfPath, gatewayConfig);
        var sources = values.Get(Table.BackupSources).ToDictionary(source => source.Target, source => source.Path);
        var backups = values.Get(Table.Backups).Select(target => target with { Source = sources.GetValueOrDefault(target.Name) }).ToList();
        return new()
        {
            Backups = backups, BackupMinBytes = values.Get(Table.BackupMinBytes), CertificatePatterns = values.Get(Table.Certificates),
            IdfPath = idfPath, Probes = values.Get(Table.Probes) ?? Table.ProbeList(Table.ProbesOf(role.Role)), ProbeTimeout = values.Get(Table.ProbeTimeout),
            GatewayConfig = gatewayConfig, DnsNames = values.Get(Table.DnsNames), DnsTimeout = values.Get(Table.DnsTimeout),
            Role = role, UnusedBackupSources = [.. sources.Keys.Except(backups.Select(target => target.Name))],
        };
    }

    /// <summary>The node's IDF makes a node host, the gateway's config a gateway host; neither found means both are watched.</summary>
    private static (HostRole Role, string How) Detect(string idfPath, string gatewayConfig)
    {
        bool node = idfPath.Length > 0 && File.Exists(idfPath), gateway = gatewayConfig.Length > 0 && File.Exists(gatewayConfig);
        return (node, gateway) switch
        {
            (true, false) => (HostRole.Node, $"detected: {idfPath} exists, {(gatewayConfig.Length > 0 ? gatewayConfig : "no gateway config")} does not"),
            (false, true) => (HostRole.Gateway, $"detected: {gatewayConfig} exists, {(idfPath.Length > 0 ? idfPath : "no IDF")} does not"),
            (true, true) => (HostRole.Both, $"detected: {idfPath} and {gatewayConfig} exist"),
            _ => (HostRole.Both, $"neither {(idfPath.Length > 0 ? idfPath : "an IDF")} nor {(gatewayConfig.Length > 0 ? gatewayConfig : "a gateway config")} exists; set --host.role"),
        };
    }
}

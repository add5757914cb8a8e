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
public sealed record BackupTarget(string Name, string PathOrGlob);

/// <summary>A TCP endpoint that should accept connections.</summary>
/// <param name="Name">The <c>target</c> label.</param>
public sealed record ProbeTarget(string Name, string Host, int Port);

/// <summary>The scrape-time host checks. An empty list or path turns that check off (its series do not exist).</summary>
public sealed record ChecksSettings
{
    /// <summary>Backups to watch.</summary>
    public required IReadOnlyList<BackupTarget> Backups { get; init; }
    /// <summary>A newest backup file smaller than this counts as a failed backup.</summary>
    public required int BackupMinBytes { get; init; }
    /// <summary>PEM (or DER) certificate files, <c>*</c> and <c>?</c> in the file name only.</summary>
    public required string CertificateGlob { get; init; }
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

    public static class Table
    {
        /// <summary>
        /// One folder per database under <c>/opt/xxnetwork/backup/</c>, beside the handbook's <c>cred/</c>, <c>log/</c>
        /// and <c>config/</c>: <c>cmix_node</c> and <c>cmix_gateway</c> (the two Postgres databases, named as they are) and
        /// <c>chain</c> (a snapshot of the chain node's database, which spares a long resync). A folder rather than a
        /// glob, because any naming and rotation scheme then works unchanged (<c>pg_dump -Fc cmix_gateway &gt;
        /// .../cmix_gateway/$(date +%F).dump</c>, <c>find -mtime +7 -delete</c>) and a remote-backup script can touch a
        /// marker file in the same folder. Not all three exist on one host: the node host has <c>cmix_node</c>, the
        /// gateway host <c>cmix_gateway</c>, so the others show <c>xx_backup_present 0</c> unless left out.
        /// </summary>
        public static readonly Setting<IReadOnlyList<BackupTarget>> Backups = new("checks.backups", "Checks:Backups",
            "cmix_node=/opt/xxnetwork/backup/cmix_node,cmix_gateway=/opt/xxnetwork/backup/cmix_gateway,chain=/opt/xxnetwork/backup/chain",
            "Backups to watch, name=path (a dump file, a folder whose newest file counts, a glob, or a marker file); empty: none.",
            Parsers.NamedList((name, path) => FileMatch.IsValid(path) ? new BackupTarget(name, path) : throw new FormatException($"{name}: {FileMatch.Rule}")))
        { Kind = SettingKind.NamedPaths };

        public static readonly Setting<int> BackupMinBytes = new("checks.backup-min-bytes", "Checks:BackupMinBytes", "1",
            "A newest backup file smaller than this counts as failed (a dump that wrote nothing); 0 accepts empty marker files.",
            Parsers.Int(0, int.MaxValue));

        public static readonly Setting<string> Certificates = new("checks.certificates", "Checks:Certificates", "/opt/xxnetwork/cred/*.crt",
            "PEM certificates whose expiry is exported; empty: none.",
            text => text.Length == 0 || FileMatch.IsValid(text) ? text : throw new FormatException(FileMatch.Rule)) { Kind = SettingKind.Path };

        /// <summary>The handbook's ports on this host: cMix node 11420, gateway 22840, chain p2p 15974.</summary>
        public static readonly Setting<IReadOnlyList<ProbeTarget>> Probes = new("checks.probes", "Checks:Probes",
            "node=127.0.0.1:11420,gateway=127.0.0.1:22840,chain_p2p=127.0.0.1:15974",
            "TCP endpoints probed at each scrape, name=host:port; empty: none.", Parsers.NamedList(Probe));

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
            "How long a name may take to resolve, for --checks.dns-names and the gateway's node address.", Parsers.Duration("10ms", "1m"));

        public static IReadOnlyList<Setting> All { get; } = [Backups, BackupMinBytes, Certificates, Probes, ProbeTimeout, GatewayConfig, DnsNames, DnsTimeout];

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
    public static ChecksSettings Read(SettingValues values) => new()
    {
        Backups = values.Get(Table.Backups), BackupMinBytes = values.Get(Table.BackupMinBytes), CertificateGlob = values.Get(Table.Certificates),
        IdfPath = values.Get(ChainSettings.Table.IdfPath), Probes = values.Get(Table.Probes), ProbeTimeout = values.Get(Table.ProbeTimeout),
        GatewayConfig = values.Get(Table.GatewayConfig), DnsNames = values.Get(Table.DnsNames), DnsTimeout = values.Get(Table.DnsTimeout),
    };
}

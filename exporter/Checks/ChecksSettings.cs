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
/// <param name="Backups">Backups to watch; see <see cref="DefaultBackups"/>.</param>
/// <param name="CertificateGlob">PEM (or DER) certificate files, <c>*</c> and <c>?</c> in the file name only.</param>
/// <param name="IdfPath">The node's cmix-IDF.json; a host without one (a gateway host) exports no node ID.</param>
/// <param name="Probes">TCP endpoints to connect to; see <see cref="DefaultProbes"/>.</param>
/// <param name="ProbeTimeout">How long a probe waits for the connection.</param>
public sealed record ChecksSettings(
    IReadOnlyList<BackupTarget> Backups, string CertificateGlob, string IdfPath, IReadOnlyList<ProbeTarget> Probes, TimeSpan ProbeTimeout)
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
    public static IReadOnlyList<BackupTarget> DefaultBackups { get; } =
    [
        new("cmix_node", "/opt/xxnetwork/backup/cmix_node"),
        new("cmix_gateway", "/opt/xxnetwork/backup/cmix_gateway"),
        new("chain", "/opt/xxnetwork/backup/chain"),
    ];

    /// <summary>The handbook's ports on this host: cMix node 11420, gateway 22840, chain p2p 15974.</summary>
    public static IReadOnlyList<ProbeTarget> DefaultProbes { get; } =
    [
        new("node", "127.0.0.1", 11420),
        new("gateway", "127.0.0.1", 22840),
        new("chain_p2p", "127.0.0.1", 15974),
    ];

    public static ChecksSettings Default { get; } =
        new(DefaultBackups, "/opt/xxnetwork/cred/*.crt", "/opt/xxnetwork/cred/cmix-IDF.json", DefaultProbes, TimeSpan.FromSeconds(1));

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message for settings that cannot work.</summary>
    public void Validate()
    {
        foreach (var target in Backups)
        {
            if (target.Name.Length == 0) throw new ArgumentException($"backup target for {target.PathOrGlob} has no name");
            if (!FileMatch.IsValid(target.PathOrGlob)) throw new ArgumentException($"backup target {target.Name}: {FileMatch.Rule}");
        }
        if (CertificateGlob.Length > 0 && !FileMatch.IsValid(CertificateGlob)) throw new ArgumentException($"certificate glob: {FileMatch.Rule}");
        foreach (var probe in Probes)
        {
            if (probe.Name.Length == 0 || probe.Host.Length == 0) throw new ArgumentException($"probe {probe.Name} {probe.Host}:{probe.Port} needs a name and a host");
            if (probe.Port is < 1 or > 65535) throw new ArgumentException($"probe {probe.Name}: port {probe.Port} is not 1-65535");
        }
        if (Duplicate(Backups.Select(b => b.Name)) is { } backup) throw new ArgumentException($"backup target {backup} is given twice");
        if (Duplicate(Probes.Select(p => p.Name)) is { } name) throw new ArgumentException($"probe {name} is given twice");
        if (ProbeTimeout <= TimeSpan.Zero) throw new ArgumentException("the probe timeout must be positive");
    }

    private static string? Duplicate(IEnumerable<string> names) => names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
}

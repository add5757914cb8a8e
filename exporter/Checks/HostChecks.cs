using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// The host checks - backups, certificates, the node's identity, TCP reachability, the gateway's node, DNS - each a scrape-time source
/// (<see cref="IScrapeSource"/>) with its health in
/// <c>xx_exporter_collector_success{collector="backups|certificates|identity|probes|gateway_node|dns"}</c>. A check turned off in
/// <see cref="ChecksSettings"/> is no source, so it has no series at all.
/// </summary>
public static class HostChecks
{
    /// <summary>Files are local and read in milliseconds; this only bounds a hung mount (NFS) holding scrapes.</summary>
    internal static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The checks <paramref name="settings"/> turn on; names are looked up by <paramref name="resolver"/> (tests) or the system.</summary>
    internal static IReadOnlyList<IScrapeSource> Sources(ChecksSettings settings, IMetricFactory factory, NameResolver? resolver = null)
    {
        var sources = new List<IScrapeSource>();
        if (settings.Backups.Count > 0) sources.Add(new BackupCheck(settings.Backups, settings.BackupMinBytes, factory));
        if (settings.CertificatePatterns.Count > 0) sources.Add(new CertificateCheck(settings.CertificatePatterns, factory));
        if (settings.IdfPath.Length > 0) sources.Add(new IdentityCheck(settings.IdfPath, factory));
        if (settings.Probes.Count > 0) sources.Add(new ProbeCheck(settings.Probes, settings.ProbeTimeout, factory));
        if (settings.GatewayConfig.Length > 0)
            sources.Add(new GatewayNodeCheck(settings.GatewayConfig, settings.DnsTimeout, settings.ProbeTimeout, resolver ?? NameResolver.System, factory));
        if (settings.DnsNames.Count > 0) sources.Add(new DnsCheck(settings.DnsNames, settings.DnsTimeout, resolver ?? NameResolver.System, factory));
        return sources;
    }
}

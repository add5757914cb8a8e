using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// The host checks - backups, certificates, the node's identity, TCP reachability - each a scrape-time source
/// (<see cref="IScrapeSource"/>) with its health in
/// <c>xx_exporter_collector_success{collector="backups|certificates|identity|probes"}</c>. A check turned off in
/// <see cref="ChecksSettings"/> is no source, so it has no series at all.
/// </summary>
public static class HostChecks
{
    /// <summary>Files are local and read in milliseconds; this only bounds a hung mount (NFS) holding scrapes.</summary>
    internal static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The checks <paramref name="settings"/> turn on.</summary>
    public static IReadOnlyList<IScrapeSource> Sources(ChecksSettings settings, IMetricFactory factory)
    {
        var sources = new List<IScrapeSource>();
        if (settings.Backups.Count > 0) sources.Add(new BackupCheck(settings.Backups, settings.BackupMinBytes, factory));
        if (settings.CertificateGlob.Length > 0) sources.Add(new CertificateCheck(settings.CertificateGlob, factory));
        if (settings.IdfPath.Length > 0) sources.Add(new IdentityCheck(settings.IdfPath, factory));
        if (settings.Probes.Count > 0) sources.Add(new ProbeCheck(settings.Probes, settings.ProbeTimeout, factory));
        return sources;
    }
}

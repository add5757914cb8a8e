using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// The host checks - backups, certificates, the node's identity, TCP reachability - run when Prometheus scrapes,
/// concurrently, each under a timeout and shared by concurrent scrapes (<see cref="ScrapeTimeCollection"/>), with
/// its health in <c>xx_exporter_collector_success{collector="backups|certificates|identity|probes"}</c>. A check
/// turned off in <see cref="ChecksSettings"/> has no series at all.
/// </summary>
public sealed class HostChecks
{
    /// <summary>Files are local and read in milliseconds; this only bounds a hung mount (NFS) holding scrapes.</summary>
    internal static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(5);

    private readonly BackupCheck? _backups;
    private readonly CertificateCheck? _certificates;
    private readonly IdentityCheck? _identity;
    private readonly ProbeCheck? _probes;
    private readonly Dictionary<string, ScrapeTimeCollection> _collections = new();
    private readonly ILogger _logger;

    public HostChecks(ChecksSettings settings, IMetricFactory factory, ExporterMetrics exporter, ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger("XxExporter.Checks");
        if (settings.Backups.Count > 0)
            Add("backups", _backups = new BackupCheck(settings.Backups, factory, _logger), FileTimeout, exporter);
        if (settings.CertificateGlob.Length > 0)
            Add("certificates", _certificates = new CertificateCheck(settings.CertificateGlob, factory, _logger), FileTimeout, exporter);
        if (settings.IdfPath.Length > 0)
            Add("identity", _identity = new IdentityCheck(settings.IdfPath, factory, _logger), FileTimeout, exporter);
        if (settings.Probes.Count > 0)
            Add("probes", _probes = new ProbeCheck(settings.Probes, settings.ProbeTimeout, factory, _logger), settings.ProbeTimeout, exporter);
    }

    /// <summary>Makes every scrape of <paramref name="registry"/> run the checks first.</summary>
    public void CollectBeforeEachScrape(CollectorRegistry registry)
    {
        if (_collections.Count > 0) registry.AddBeforeCollectCallback(CollectAsync);
    }

    /// <summary>Runs the checks (or joins the runs in flight); returns within the longest timeout plus a second.</summary>
    public Task CollectAsync(CancellationToken scrapeAborted) =>
        Task.WhenAll(_collections.Values.Select(collection => collection.CollectAsync(scrapeAborted)));

    /// <summary>What the last runs found (call <see cref="CollectAsync"/> first for fresh values).</summary>
    public ChecksSnapshot Snapshot() =>
        new(_backups?.Status ?? [], _certificates?.Status ?? [], _identity?.Node, _probes?.Status ?? []);

    /// <summary>Runs started so far per collector (tests check that concurrent scrapes share one).</summary>
    internal int Runs(string collector) => _collections[collector].Runs;

    private void Add(string collector, IHostCheck check, TimeSpan timeout, ExporterMetrics exporter)
    {
        _collections[collector] = new ScrapeTimeCollection(async token =>
        {
            if (!await check.ReadAsync(token)) throw new CollectionFailedException();
        }, timeout, exporter.Collector(collector), check.Overdue, _logger);
    }
}

using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Postgres;

/// <summary>The configured databases, collected concurrently before each scrape.</summary>
public sealed class PostgresCollectors : IAsyncDisposable
{
    private readonly IReadOnlyList<PostgresCollector> _collectors;

    public PostgresCollectors(PostgresSettings settings, IMetricFactory factory, ExporterMetrics exporter, ILoggerFactory loggers)
    {
        // No families at all on a host without databases (an unlabelled family would show a misleading 0).
        var metrics = settings.Targets.Count > 0 ? new PostgresMetrics(factory) : null;
        _collectors = settings.Targets.Select(target => new PostgresCollector(target, settings,
            new PostgresSeries(metrics!, target.Database, target.IsGateway), exporter.Collector(target.CollectorName),
            loggers.CreateLogger($"XxExporter.Postgres.{target.Database}"))).ToList();
    }

    public IReadOnlyList<PostgresCollector> All => _collectors;

    /// <summary>Makes every scrape of <paramref name="registry"/> read the databases first.</summary>
    public void CollectBeforeEachScrape(CollectorRegistry registry)
    {
        if (_collectors.Count > 0) registry.AddBeforeCollectCallback(CollectAllAsync);
    }

    public Task CollectAllAsync(CancellationToken scrapeAborted) =>
        Task.WhenAll(_collectors.Select(collector => collector.CollectAsync(scrapeAborted)));

    public async ValueTask DisposeAsync()
    {
        foreach (var collector in _collectors) await collector.DisposeAsync();
    }
}

using Prometheus;
using XxExporter.Checks;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

/// <summary>Host checks with a registry of their own, scraped as Prometheus would; every check off unless given.</summary>
internal sealed class ChecksHarness
{
    public static readonly ChecksSettings Off = new([], [], "", [], TimeSpan.FromSeconds(1), 1, "", [], TimeSpan.FromSeconds(1));

    /// <param name="resolver">Looks names up instead of the system (a resolver that never answers).</param>
    public ChecksHarness(ChecksSettings settings, NameResolver? resolver = null)
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        new ScrapeSources(HostChecks.Sources(settings, factory, resolver), new ExporterMetrics(factory), Logs.Factory).CollectBeforeEachScrape(Registry);
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public CapturedLogs Logs { get; } = new();

    public Task<Exposition> Scrape() => Exposition.Of(Registry);

    public static long Unix(DateTime utc) => new DateTimeOffset(utc).ToUnixTimeSeconds();
}

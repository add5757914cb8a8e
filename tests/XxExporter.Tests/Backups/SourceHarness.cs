using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using XxExporter.Settings;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Backups;

/// <summary>
/// One source built from its registration as the exporter builds it, from settings given as the flags' text (the
/// rest at their defaults), with a registry of its own scraped as Prometheus would.
/// </summary>
internal sealed class SourceHarness
{
    public SourceHarness(SourceRegistration registration, Dictionary<Setting, string> flags)
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        var context = new SourceContext(new SettingValues(flags, new Dictionary<string, string>(), new Dictionary<string, string>()),
            factory, new ServiceCollection().BuildServiceProvider());
        var sources = registration.Create(context).ToList();
        Built = sources.Count > 0;
        new ScrapeSources(sources, new ExporterMetrics(factory), Logs.Factory, new Web.ManualClock()).CollectBeforeEachScrape(Registry);
    }

    /// <summary>Whether the settings gave a source at all.</summary>
    public bool Built { get; }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public CapturedLogs Logs { get; } = new();

    public Task<Exposition> Scrape() => Exposition.Of(Registry);

    /// <summary>Scrapes until <paramref name="series"/> shows: the sources work in the background and a later scrape reports it.</summary>
    public async Task<Exposition> ScrapeUntil(string series)
    {
        var metrics = await Exposition.Until(Registry, m => m.Has(series), TimeSpan.FromSeconds(60));
        Assert.True(metrics.Has(series), $"{series} did not show within 60 s:\n{metrics.Text}");
        return metrics;
    }
}

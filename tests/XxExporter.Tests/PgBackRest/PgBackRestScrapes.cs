using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using XxExporter.Hosting;
using XxExporter.PgBackRest;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.PgBackRest;

/// <summary>
/// The pgbackrest source built from its registration as the exporter builds it from <c>flags</c>, read through
/// <see cref="ScrapeSources"/> before each scrape of a registry of its own.
/// </summary>
internal sealed class PgBackRestScrapes : IAsyncDisposable
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly ScrapeSources _sources;

    public PgBackRestScrapes(params string[] flags)
    {
        var settings = ExporterSettings.Load(CommandLine.Parse(flags));
        var factory = Metrics.WithCustomRegistry(_registry);
        var context = new SourceContext(settings.Values, factory, new ServiceCollection().BuildServiceProvider());
        Sources = [.. PgBackRestSource.Registration.Create(context)];
        _sources = new ScrapeSources(Sources, new ExporterMetrics(factory), Logs.Factory);
        _sources.CollectBeforeEachScrape(_registry);
    }

    public IReadOnlyList<IScrapeSource> Sources { get; }

    public CapturedLogs Logs { get; } = new();

    public Task<Exposition> Scrape() => Exposition.Of(_registry);

    /// <summary>Scrapes until <paramref name="done"/> holds: the commands run in the background, a later scrape reports them.</summary>
    public async Task<Exposition> Until(Func<Exposition, bool> done, string what)
    {
        var metrics = await Exposition.Until(_registry, done, TimeSpan.FromSeconds(60));
        Assert.True(done(metrics), $"not seen within 60 s: {what}\n{metrics.Text}\nlog:\n{Logs.All}");
        return metrics;
    }

    public ValueTask DisposeAsync() => _sources.DisposeAsync();
}

using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Hosting;
using XxExporter.Postgres;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Postgres;

/// <summary>
/// The Postgres sources an exporter started with <c>flags</c> has (the password in the environment, as docs/configuration.md says),
/// read through <see cref="ScrapeSources"/> before each scrape of a registry of their own.
/// </summary>
public sealed class PostgresScrapes : IAsyncDisposable
{
    private static readonly string[] PasswordVariables = ["XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD", "XX_EXPORTER_POSTGRES__NODE__PASSWORD"];
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly ScrapeSources _sources;

    /// <param name="password">The password of both databases.</param>
    public PostgresScrapes(ILoggerFactory logs, string password, params string[] flags)
    {
        foreach (string variable in PasswordVariables) Environment.SetEnvironmentVariable(variable, password);
        ExporterSettings settings;
        try
        {
            settings = ExporterSettings.Load(CommandLine.Parse(flags));
        }
        finally
        {
            foreach (string variable in PasswordVariables) Environment.SetEnvironmentVariable(variable, null);
        }
        var factory = Metrics.WithCustomRegistry(_registry);
        _sources = new ScrapeSources(PostgresSource.For(settings.Postgres, factory), new ExporterMetrics(factory), logs, Clock);
        _sources.CollectBeforeEachScrape(_registry);
    }

    /// <summary>The clock of the log's once-a-minute rule: a test moves it past the minute to see a recovery logged.</summary>
    internal Web.ManualClock Clock { get; } = new();

    public Task<Exposition> Scrape() => Exposition.Of(_registry);

    public Task<Exposition> Until(Func<Exposition, bool> done, TimeSpan limit) => Exposition.Until(_registry, done, limit);

    public ValueTask DisposeAsync() => _sources.DisposeAsync();
}

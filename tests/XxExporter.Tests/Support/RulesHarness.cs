using System.Text;
using Prometheus;
using XxExporter.Logs.Rules;
using XxExporter.Logs;
using XxExporter.Logs.Grammar;

namespace XxExporter.Tests.Support;

/// <summary>Feeds lines of one log kind through the real pipeline and rules, with a registry of its own.</summary>
public sealed class RulesHarness
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly LogPipeline _pipeline;

    /// <param name="installed">Where a wrapper log's installed hashes go.</param>
    public RulesHarness(LogKind kind, InstalledHashes? installed = null)
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        var series = new LogMetrics(factory).For(kind);
        _pipeline = new LogPipeline(kind, series, LogSource.CreateRules(kind, factory, installed), new LocalTimeConverter(TimeZoneInfo.Utc));
    }

    public async Task<Exposition> Feed(params string[] lines)
    {
        foreach (string line in lines) _pipeline.OnLine(Encoding.UTF8.GetBytes(line));
        _pipeline.Publish();
        return await Exposition.Of(_registry);
    }
}

using System.Text;
using Prometheus;
using XxExporter.Logs;
using XxExporter.Logs.Grammar;

namespace XxExporter.Tests.Support;

/// <summary>Feeds lines of one log kind through the real pipeline and rules, with a registry of its own.</summary>
public sealed class RulesHarness
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly LogPipeline _pipeline;

    public RulesHarness(LogKind kind)
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        var series = new LogMetrics(factory).For(kind);
        _pipeline = new LogPipeline(kind, series, LogSource.CreateRules(kind, factory), new LocalTimeConverter(TimeZoneInfo.Utc));
    }

    public async Task<Exposition> Feed(params string[] lines)
    {
        foreach (string line in lines) _pipeline.OnLine(Encoding.UTF8.GetBytes(line));
        _pipeline.Publish();
        return await Exposition.Of(_registry);
    }
}

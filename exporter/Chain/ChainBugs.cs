using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// A bug of the exporter met while reading the chain: anything thrown that is not a fault of the node
/// (<see cref="ChainNodeFault.Is"/>). It is logged at error level with its stack once per distinct bug (the one place
/// a stack trace belongs: it is for whoever fixes it), counted in <c>xx_exporter_internal_errors_total{collector}</c>,
/// and fails the collector with a line that says it is a bug - never as the node not answering.
/// </summary>
public sealed class ChainBugs(IMetricFactory factory, ILogger logger)
{
    private readonly Counter _count = Families.Counter(factory, "xx_exporter_internal_errors_total",
        "Bugs of the exporter met by the collector (an exception that is no fault of what it reads), each logged once with its stack; 0 in a healthy exporter.",
        "collector");
    private readonly ConcurrentDictionary<string, bool> _logged = new();

    /// <summary>Publishes the collector's count at 0, so that <c>increase()</c> sees its first bug.</summary>
    public void Watch(string collector) => _count.WithLabels(collector).Publish();

    public void Report(Readings readings, string collector, Exception bug)
    {
        _count.WithLabels(collector).Inc();
        string distinct = $"{collector}|{bug.GetType().FullName}|{bug.Message}|{bug.StackTrace?.Split('\n', 2)[0]}";
        if (_logged.TryAdd(distinct, true))
            logger.LogError(bug, "A bug of xx-exporter in the {Collector} collector (not a fault of the chain node; please report it): {Error}", collector, bug.Message);
        readings.Fail($"a bug of xx-exporter, not a fault of the chain node ({bug.GetType().Name}: {bug.Message}; logged with its stack)");
    }
}

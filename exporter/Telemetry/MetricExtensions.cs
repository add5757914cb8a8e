using Prometheus;

namespace XxExporter.Telemetry;

public static class MetricExtensions
{
    /// <summary>Creates (and so publishes at 0) one child per label value, in the given order.</summary>
    public static Counter.Child[] ChildrenFor(this Counter counter, IReadOnlyList<string> labelValues) =>
        labelValues.Select(value => counter.WithLabels(value)).ToArray();

    /// <inheritdoc cref="ChildrenFor(Counter, IReadOnlyList{string})"/>
    public static Gauge.Child[] ChildrenFor(this Gauge gauge, IReadOnlyList<string> labelValues) =>
        labelValues.Select(value => gauge.WithLabels(value)).ToArray();
}

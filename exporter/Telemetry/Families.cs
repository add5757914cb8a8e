using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>
/// Metric families whose series exist only once something sets them (an unlabelled series would otherwise show a
/// misleading 0 before the first read). Asking again for a family by the same name gives the same family, so the
/// node and gateway databases can both declare the <c>database</c>-labelled ones.
/// </summary>
public static class Families
{
    public static Gauge Gauge(IMetricFactory factory, string name, string help, params string[] labels) =>
        factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels, SuppressInitialValue = true });

    public static Counter Counter(IMetricFactory factory, string name, string help, params string[] labels) =>
        factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = labels, SuppressInitialValue = true });
}

using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>
/// Metric families whose series exist only once something sets them (an unlabelled series would otherwise show a
/// misleading 0 before the first read). Asking again for a family by the same name gives the same family, so the
/// node and gateway databases can both declare the <c>database</c>-labelled ones. The logs' series are the exception,
/// published at 0 from the start (<see cref="Published{TChild}(TChild)"/>).
/// </summary>
public static class Families
{
    public static Gauge Gauge(IMetricFactory factory, string name, string help, params string[] labels) =>
        factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels, SuppressInitialValue = true });

    public static Counter Counter(IMetricFactory factory, string name, string help, params string[] labels) =>
        factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = labels, SuppressInitialValue = true });

    public static Histogram Histogram(IMetricFactory factory, string name, string help, double[] buckets, params string[] labels) =>
        factory.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = labels, Buckets = buckets, SuppressInitialValue = true });

    /// <summary>
    /// Publishes <paramref name="series"/> now, at 0 if it is new, for the series a log updates as it is read: a count
    /// of events exists before the first one, so <c>increase()</c> sees it. Returns it to keep.
    /// </summary>
    public static TChild Published<TChild>(this TChild series) where TChild : ChildBase
    {
        series.Publish();
        return series;
    }

    /// <inheritdoc cref="Published{TChild}(TChild)"/>
    public static Counter Published(this Counter family)
    {
        family.Publish();
        return family;
    }

    /// <inheritdoc cref="Published{TChild}(TChild)"/>
    public static Gauge Published(this Gauge family)
    {
        family.Publish();
        return family;
    }

    /// <inheritdoc cref="Published{TChild}(TChild)"/>
    public static Histogram Published(this Histogram family)
    {
        family.Publish();
        return family;
    }
}

using System.Reflection;
using System.Runtime.InteropServices;
using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>The exporter's own health: build info and, per collector, whether its last run worked and how long it took.</summary>
public sealed class ExporterMetrics
{
    private readonly Gauge _success;
    private readonly Gauge _duration;

    public ExporterMetrics(IMetricFactory factory)
    {
        factory.CreateGauge("xx_exporter_build_info", "Version of xx-exporter and of the .NET runtime it runs on; value 1.", ["version", "runtime"])
            .WithLabels(Version, RuntimeInformation.FrameworkDescription).Set(1);
        _success = factory.CreateGauge("xx_exporter_collector_success", "1 if the collector's last run succeeded, else 0.", ["collector"]);
        _duration = factory.CreateGauge("xx_exporter_collector_duration_seconds", "How long the collector's last run took.", ["collector"]);
    }

    public static string Version { get; } =
        typeof(ExporterMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>The success and duration series of one collector, published at once (success 0 until its first run).</summary>
    public CollectorSeries Collector(string name) => new(name, _success.WithLabels(name), _duration.WithLabels(name));
}

public sealed record CollectorSeries(string Name, Gauge.Child Success, Gauge.Child Duration)
{
    public void Report(bool success, TimeSpan duration)
    {
        Success.Set(success ? 1 : 0);
        Duration.Set(duration.TotalSeconds);
    }
}

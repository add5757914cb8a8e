using System.Diagnostics;
using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>
/// The few process metrics that matter for the exporter's own budget, under the standard names. prometheus-net's
/// defaults are not used: they add .NET event counters that fail <c>promtool check metrics</c>.
/// </summary>
public static class ProcessMetrics
{
    public static void Register(CollectorRegistry registry, IMetricFactory factory)
    {
        var resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        var cpu = factory.CreateCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
        var started = factory.CreateGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.");
        using (var self = Process.GetCurrentProcess()) started.Set(new DateTimeOffset(self.StartTime).ToUnixTimeMilliseconds() / 1000.0);
        // Environment's readers are cheap; Process.GetCurrentProcess() re-reads all of /proc/self at every scrape.
        registry.AddBeforeCollectCallback(() =>
        {
            resident.Set(Environment.WorkingSet);
            cpu.IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
        });
    }
}

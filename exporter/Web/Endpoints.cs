using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XxExporter.Logs;
using XxExporter.Telemetry;
using Prometheus;
using XxExporter.Web.Status;

namespace XxExporter.Web;

public static class Endpoints
{
    private const string StatusPagePath = "/", StatusJsonPath = "/status.json", HealthyPath = "/-/healthy", ReadyPath = "/-/ready";

    /// <summary>The paths served besides the metrics, which the telemetry path therefore cannot be.</summary>
    public static readonly IReadOnlyList<string> ReservedPaths = [StatusPagePath, StatusJsonPath, HealthyPath, ReadyPath];

    public static void MapExporterEndpoints(this IEndpointRouteBuilder app, string telemetryPath, CollectorRegistry registry, IReadOnlyList<IStatusNote> notes,
        StatusSettings status)
    {
        app.MapMetrics(telemetryPath, registry);
        var alerts = new AlertmanagerAlerts(status, TimeProvider.System,
            app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("XxExporter.Web.Status"));
        app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(alerts.Dispose);
        var reports = new StatusReports(registry, notes, alerts, telemetryPath, TimeProvider.System);
        app.MapGet(StatusPagePath, async (CancellationToken cancel) =>
            Results.Bytes((await reports.CurrentAsync(cancel)).Html, "text/html; charset=utf-8"));
        app.MapGet(StatusJsonPath, async (CancellationToken cancel) =>
            Results.Bytes((await reports.CurrentAsync(cancel)).Json, "application/json; charset=utf-8"));
        // Liveness: the process serves HTTP. Readiness: every log follower has looked at its file once.
        app.MapGet(HealthyPath, () => Results.Text("xx-exporter is healthy\n"));
        // Read straight from the followers' health: a probe every few seconds must not trigger database or chain reads.
        var logs = app.ServiceProvider.GetRequiredService<IReadOnlyList<LogSource>>();
        app.MapGet(ReadyPath, () => logs.All(log => log.Health.Duration.Value > 0)
            ? Results.Text("xx-exporter is ready\n")
            : Results.Text("xx-exporter is starting\n", statusCode: 503));
    }
}

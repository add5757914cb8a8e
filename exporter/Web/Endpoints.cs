using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using XxExporter.Logs;
using Prometheus;
using XxExporter.Web.Status;

namespace XxExporter.Web;

public static class Endpoints
{
    private const string StatusPagePath = "/", StatusJsonPath = "/status.json", HealthyPath = "/-/healthy", ReadyPath = "/-/ready";

    /// <summary>The paths served besides the metrics, which the telemetry path therefore cannot be.</summary>
    public static readonly IReadOnlyList<string> ReservedPaths = [StatusPagePath, StatusJsonPath, HealthyPath, ReadyPath];

    public static void MapExporterEndpoints(this IEndpointRouteBuilder app, string telemetryPath, CollectorRegistry registry)
    {
        app.MapMetrics(telemetryPath, registry);
        app.MapGet(StatusPagePath, async (CancellationToken cancel) =>
            Results.Content(StatusPage.Render(await ReportAsync(registry, cancel), telemetryPath), "text/html; charset=utf-8"));
        app.MapGet(StatusJsonPath, async (CancellationToken cancel) =>
            Results.Json(await ReportAsync(registry, cancel), StatusJson.Default.StatusReport));
        // Liveness: the process serves HTTP. Readiness: every log follower has looked at its file once.
        app.MapGet(HealthyPath, () => Results.Text("xx-exporter is healthy\n"));
        // Read straight from the followers' health: a probe every few seconds must not trigger database or chain reads.
        var logs = app.ServiceProvider.GetRequiredService<IReadOnlyList<LogSource>>();
        app.MapGet(ReadyPath, () => logs.All(log => log.Health.Duration.Value > 0)
            ? Results.Text("xx-exporter is ready\n")
            : Results.Text("xx-exporter is starting\n", statusCode: 503));
    }

    private static Task<StatusReport> ReportAsync(CollectorRegistry registry, CancellationToken cancel) =>
        StatusBuilder.BuildAsync(registry, DateTimeOffset.UtcNow, cancel);
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using XxExporter.Logs;
using Prometheus;
using XxExporter.Hosting;
using XxExporter.Web.Status;

namespace XxExporter.Web;

public static class Endpoints
{
    public static void MapExporterEndpoints(this IEndpointRouteBuilder app, ExporterSettings settings, CollectorRegistry registry)
    {
        app.MapMetrics(settings.TelemetryPath, registry);
        app.MapGet("/", async (CancellationToken cancel) =>
            Results.Content(StatusPage.Render(await ReportAsync(registry, cancel), settings.TelemetryPath), "text/html; charset=utf-8"));
        app.MapGet("/status.json", async (CancellationToken cancel) =>
            Results.Json(await ReportAsync(registry, cancel), StatusJson.Default.StatusReport));
        // Liveness: the process serves HTTP. Readiness: every log follower has looked at its file once.
        app.MapGet("/-/healthy", () => Results.Text("xx-exporter is healthy\n"));
        // Read straight from the followers' health: a probe every few seconds must not trigger database or chain reads.
        var logs = app.ServiceProvider.GetRequiredService<IReadOnlyList<LogSource>>();
        app.MapGet("/-/ready", () => logs.All(log => log.Health.Duration.Value > 0)
            ? Results.Text("xx-exporter is ready\n")
            : Results.Text("xx-exporter is starting\n", statusCode: 503));
    }

    private static Task<StatusReport> ReportAsync(CollectorRegistry registry, CancellationToken cancel) =>
        StatusBuilder.BuildAsync(registry, DateTimeOffset.UtcNow, cancel);
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;
using XxExporter.Hosting;

namespace XxExporter.Web;

public static class Endpoints
{
    public static void MapExporterEndpoints(this IEndpointRouteBuilder app, ExporterSettings settings, CollectorRegistry registry)
    {
        app.MapMetrics(settings.TelemetryPath, registry);
        // A minimal landing page, as every Prometheus exporter has; the status page replaces it later.
        app.MapGet("/", () => Results.Content(
            $"<!doctype html><html><head><title>xx-exporter</title></head><body><h1>xx-exporter</h1>" +
            $"<p><a href=\"{System.Net.WebUtility.HtmlEncode(settings.TelemetryPath)}\">Metrics</a></p></body></html>",
            "text/html; charset=utf-8"));
    }
}

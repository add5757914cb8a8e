using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Checks;
using XxExporter.Logs;
using XxExporter.Logs.Tailing;
using XxExporter.Postgres;
using XxExporter.Telemetry;
using XxExporter.Web;
using XxExporter.Web.Security;

namespace XxExporter.Hosting;

/// <summary>Wires the running exporter: one metric registry, the log followers, and the web endpoints.</summary>
public static class ExporterHost
{
    public static WebApplication Build(ExporterSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffK ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        // Kestrel and the host say a lot at Information; keep them to warnings unless debugging.
        builder.Logging.AddFilter("Microsoft", settings.LogLevel <= LogLevel.Debug ? LogLevel.Debug : LogLevel.Warning);
        // Only when started by systemd (Type=notify): READY=1 once listening, STOPPING=1 on stop, and log lines
        // with journald's <priority> prefix instead of our timestamps. Must follow AddSimpleConsole to replace
        // its formatter. Elsewhere this adds nothing.
        builder.Services.AddSystemd();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(settings.ListenAddress, settings.WebConfig));

        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var exporterMetrics = new ExporterMetrics(factory);
        ProcessMetrics.Register(registry, factory);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(registry);

        PositionStore? positions = null;
        if (settings.Logs.PositionsFile is { } positionsFile)
        {
            positions = new PositionStore(positionsFile);
            try { positions.Load(); }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new SettingsException($"invalid --logs.positions-file: {ex.Message}");
            }
            builder.Services.AddHostedService(services =>
                new PositionSaverService(positions, services.GetRequiredService<ILogger<PositionSaverService>>()));
        }
        builder.Services.AddSingleton(services =>
            LogSource.CreateAll(settings.Logs, factory, exporterMetrics, services.GetRequiredService<ILoggerFactory>(), positions, startAtEnd: true));
        foreach (var index in Enumerable.Range(0, settings.Logs.Files.Count))
        {
            builder.Services.AddSingleton<IHostedService>(services => new LogFollowerService(
                services.GetRequiredService<IReadOnlyList<LogSource>>()[index], settings.Logs.PollInterval, positions,
                services.GetRequiredService<ILogger<LogFollowerService>>()));
        }

        builder.Services.AddSingleton(services =>
            new PostgresCollectors(settings.Postgres, factory, exporterMetrics, services.GetRequiredService<ILoggerFactory>()));

        builder.Services.AddSingleton(services => new HostChecks(settings.Checks, factory, exporterMetrics, services.GetRequiredService<ILoggerFactory>()));

        // The sources read when Prometheus scrapes (IScrapeSource): one entry per source.
        var sources = new List<IScrapeSource>();
        builder.Services.AddSingleton(services => new ScrapeSources(sources, exporterMetrics, services.GetRequiredService<ILoggerFactory>()));

        var app = builder.Build();
        if (settings.Chain.Enabled) // here, once the host's loggers exist
            sources.AddRange(ChainSources.Create(settings.Chain, factory, app.Services.GetRequiredService<ILoggerFactory>(), app.Lifetime.ApplicationStopped));
        app.Services.GetRequiredService<ScrapeSources>().CollectBeforeEachScrape(registry);
        app.Services.GetRequiredService<HostChecks>().CollectBeforeEachScrape(registry);
        app.Services.GetRequiredService<PostgresCollectors>().CollectBeforeEachScrape(registry);
        app.UseBasicAuth(settings.WebConfig);
        app.MapExporterEndpoints(settings, registry);
        return app;
    }
}

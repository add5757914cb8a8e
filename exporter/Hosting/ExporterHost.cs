using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Binaries;
using XxExporter.Logs;
using XxExporter.Logs.Rules;
using XxExporter.Logs.Tailing;
using XxExporter.Settings;
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
        // The host logs a failed start with its stack trace; Program.cs says it in one line instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", settings.LogLevel <= LogLevel.Debug ? LogLevel.Debug : LogLevel.Critical);
        // Kestrel warns once per connection refused over its limit: a flood of connections must not flood the log.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.Connections", settings.LogLevel <= LogLevel.Debug ? LogLevel.Debug : LogLevel.Error);
        // Only when started by systemd (Type=notify): READY=1 once listening, STOPPING=1 on stop, and log lines
        // with journald's <priority> prefix instead of our timestamps. Must follow AddSimpleConsole to replace
        // its formatter. Elsewhere this adds nothing.
        builder.Services.AddSystemd();
        builder.Services.AddHostedService<MemoryReturn>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(settings.ListenAddress, settings.WebConfig));

        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var exporterMetrics = new ExporterMetrics(factory);
        ProcessMetrics.Register(registry, factory);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(registry);

        PositionStore? positions = null;
        string? corruptPositions = null;
        if (settings.Logs.PositionsFile is { } positionsFile)
        {
            positions = new PositionStore(positionsFile);
            try { corruptPositions = positions.Load(); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SettingsException($"{LogSettings.Table.PositionsFile.Name}: {ex.Message}");
            }
            builder.Services.AddHostedService(services =>
                new PositionSaverService(positions, services.GetRequiredService<ILogger<PositionSaverService>>()));
        }
        var installed = new InstalledHashes(); // written by the wrapper logs' rules only; the binaries source gets its read-only view
        builder.Services.AddSingleton<IReportedInstalls>(installed);
        builder.Services.AddSingleton(services =>
            LogSource.CreateAll(settings.Logs, factory, exporterMetrics, services.GetRequiredService<ILoggerFactory>(), positions, startAtEnd: true, installed));
        foreach (var index in Enumerable.Range(0, settings.Logs.Files.Count))
        {
            builder.Services.AddSingleton<IHostedService>(services => new LogFollowerService(
                services.GetRequiredService<IReadOnlyList<LogSource>>()[index], settings.Logs.PollInterval, positions,
                services.GetRequiredService<ILogger<LogFollowerService>>()));
        }

        // The sources read when Prometheus scrapes (IScrapeSource), built below once the host's services exist.
        var sources = new List<IScrapeSource>();
        builder.Services.AddSingleton(services => new ScrapeSources(sources, exporterMetrics, services.GetRequiredService<ILoggerFactory>()));

        var app = builder.Build();
        if (corruptPositions is not null) app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("XxExporter.Logs").LogWarning("{Problem}", corruptPositions);
        var context = new SourceContext(settings.Values, factory, app.Services);
        sources.AddRange(SourceRegistry.All.Where(source => settings.Values.Get(source.Switch)).SelectMany(source => source.Create(context)));
        app.Services.GetRequiredService<ScrapeSources>().CollectBeforeEachScrape(registry);
        StartupReport.LogWhenStarted(app, settings, app.Services.GetRequiredService<ScrapeSources>().Names);
        app.UseBasicAuth(settings.WebConfig);
        app.MapExporterEndpoints(settings.TelemetryPath, registry, sources.OfType<IStatusNote>().ToList(), settings.Status);
        return app;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Hosting;
using XxExporter.Telemetry;

namespace XxExporter.Tests.Support;

/// <summary>Starting the pieces of the exporter the way operators configure them: from command-line flags.</summary>
public static class ExporterTesting
{
    /// <summary>The whole exporter on 127.0.0.1 (the flags should include a loopback --web.listen-address).</summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(params string[] flags)
    {
        var app = ExporterHost.Build(ExporterSettings.Load(CommandLine.Parse(flags)));
        await app.StartAsync();
        return (app, AddressOf(app));
    }

    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    /// <summary>Only the chain collector, on a registry of its own.</summary>
    public static (ChainCollector Collector, CollectorRegistry Registry) ChainCollector(ILoggerFactory logs, params string[] flags)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var collector = new ChainCollector(ExporterSettings.Load(CommandLine.Parse(flags)).Chain, new ChainMetrics(factory),
            new ExporterMetrics(factory), logs);
        collector.CollectBeforeEachScrape(registry);
        return (collector, registry);
    }
}

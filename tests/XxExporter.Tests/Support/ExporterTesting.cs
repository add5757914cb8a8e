using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Binaries;
using XxExporter.Chain;
using XxExporter.Hosting;
using XxExporter.Logs.Rules;
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

    /// <summary>
    /// Only the chain, staking and binaries sources (the wrapper logs' installed hashes in <paramref name="installed"/>), on a registry of their own, read through <see cref="ScrapeSources"/> as in
    /// the exporter. Cancelling the returned source closes their connection.
    /// </summary>
    public static (CancellationTokenSource Stop, CollectorRegistry Registry) Chain(ILoggerFactory logs, params string[] flags) =>
        Chain(logs, new InstalledHashes(), flags);

    public static (CancellationTokenSource Stop, CollectorRegistry Registry) Chain(ILoggerFactory logs, InstalledHashes installed, params string[] flags)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var stop = new CancellationTokenSource();
        var settings = ExporterSettings.Load(CommandLine.Parse(flags));
        var chain = ChainSources.Create(settings.Chain, factory, logs, stop.Token);
        new ScrapeSources([.. chain.Sources, .. BinariesSource.For(settings.Binaries, chain, installed, factory)], new ExporterMetrics(factory), logs)
            .CollectBeforeEachScrape(registry);
        return (stop, registry);
    }
}

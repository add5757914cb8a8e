using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Binaries;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

public static class ChainSources
{
    public static readonly SourceRegistration Registration = new("chain",
        "The chain node of --chain.rpc-url (xx_chain_*), and over the same connection the validator's staking (staking: xx_staking_*, xx_validator_*) and the installed binaries (binaries: xx_binary_*).",
        context => ChainSettings.Read(context.Settings) is { Enabled: true } settings
            ? Create(settings, BinariesSettings.Read(context.Settings), context.Services.GetRequiredService<InstalledHashes>(), context.Factory,
                context.Services.GetRequiredService<ILoggerFactory>(), context.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped)
            : []);

    /// <summary>
    /// The <c>chain</c>, <c>staking</c> and <c>binaries</c> sources over one connection to the node, which closes when
    /// <paramref name="stopped"/> fires (the host's ApplicationStopped).
    /// </summary>
    public static IScrapeSource[] Create(ChainSettings settings, BinariesSettings binaries, InstalledHashes installed, IMetricFactory factory,
        ILoggerFactory loggers, CancellationToken stopped)
    {
        var connection = new ChainConnection(settings.Endpoints, settings.Timeout, factory, loggers.CreateLogger("XxExporter.Chain.Rpc"));
        stopped.Register(() => connection.DisposeAsync().AsTask().GetAwaiter().GetResult());
        var chain = new ChainSource(connection, new ChainReader(connection, loggers.CreateLogger("XxExporter.Chain")), new ChainSeries(factory), settings.Timeout);
        IScrapeSource[] readers =
        [
            new StakingSource(chain, new StakingReader(settings.MissedErasWindow, new SafetyReader(new SafetySeries(factory)),
                new RewardsReader(new RewardsSeries(factory)), new ControllerReader(factory), new SessionKeysReader(connection, new SessionKeysSeries(factory))), new StakingSeries(factory), settings),
            .. binaries.Files.Count > 0 ? [new BinariesSource(chain, binaries, installed, factory, settings.Timeout, TimeProvider.System)] : Array.Empty<IScrapeSource>(),
        ];
        foreach (var reader in readers) chain.AddConsumer(reader.Name);
        return [chain, .. readers];
    }
}

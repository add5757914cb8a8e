using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Binaries;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

public static class ChainSources
{
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

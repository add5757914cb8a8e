using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

public static class ChainSources
{
    /// <summary>
    /// The <c>chain</c> and <c>staking</c> sources over one connection to the node, which closes when
    /// <paramref name="stopped"/> fires (the host's ApplicationStopped).
    /// </summary>
    public static IScrapeSource[] Create(ChainSettings settings, IMetricFactory factory, ILoggerFactory loggers, CancellationToken stopped)
    {
        var connection = new ChainConnection(settings.Endpoints, settings.Timeout, factory, loggers.CreateLogger("XxExporter.Chain.Rpc"));
        stopped.Register(() => connection.DisposeAsync().AsTask().GetAwaiter().GetResult());
        var chain = new ChainSource(connection, new ChainReader(connection, loggers.CreateLogger("XxExporter.Chain")), new ChainSeries(factory), settings.Timeout);
        var reader = new StakingReader(settings.MissedErasWindow, new RewardsReader(new RewardsSeries(factory)), new ControllerReader(factory),
            new SessionKeysReader(connection, new SessionKeysSeries(factory)));
        return [chain, new StakingSource(chain, reader, new StakingSeries(factory), settings)];
    }
}

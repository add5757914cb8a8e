using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// The <c>chain</c> and <c>staking</c> sources over one connection to the node, and what a source reading storage at
/// the chain's head needs to join them (the <c>binaries</c> source, <c>BinariesSource.For</c>): the published chain
/// reads, the bug counter and the chain's timeout.
/// </summary>
public sealed record ChainSources(IReadOnlyList<IScrapeSource> Sources, ChainSnapshots Snapshots, ChainBugs Bugs, TimeSpan Timeout)
{
    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly SourceRegistration Registration = new("chain",
        "The chain node of --chain.rpc-url (xx_chain_*) and, over the same connection, the validator's staking (collector staking: xx_staking_*, xx_validator_*).",
        context => Of(context)?.Sources ?? []);

    /// <summary>This host's chain sources, made once (the binaries source joins them); null when no endpoint is given.</summary>
    public static ChainSources? Of(SourceContext context) => context.Shared(_ =>
        ChainSettings.Read(context.Settings) is { Enabled: true } settings
            ? Create(settings, context.Factory, context.Services.GetRequiredService<ILoggerFactory>(),
                context.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped)
            : null);

    /// <summary>The sources over a connection that closes when <paramref name="stopped"/> fires (the host's ApplicationStopped).</summary>
    public static ChainSources Create(ChainSettings settings, IMetricFactory factory, ILoggerFactory loggers, CancellationToken stopped)
    {
        var connection = new ChainConnection(settings.Endpoints, settings.Timeout, factory, loggers.CreateLogger("XxExporter.Chain.Rpc"));
        stopped.Register(() => connection.DisposeAsync().AsTask().GetAwaiter().GetResult());
        var snapshots = new ChainSnapshots();
        var bugs = new ChainBugs(factory, loggers.CreateLogger("XxExporter.Chain"));
        var reader = new ChainReader(connection, loggers.CreateLogger("XxExporter.Chain"));
        IScrapeSource[] sources =
        [
            new ChainSource(connection, reader.ReadAsync, new ChainSeries(factory), snapshots, bugs, settings.Timeout),
            new StakingSource(snapshots.Follow(), new StakingReader(settings.MissedErasWindow, new SafetyReader(new SafetySeries(factory)),
                new RewardsReader(new RewardsSeries(factory)), new ControllerReader(factory), new PayeeReader(factory), new SessionKeysReader(connection, new SessionKeysSeries(factory)),
                new CmixVariablesReader(factory)),
                new StakingSeries(factory), settings, bugs),
        ];
        foreach (var source in sources) bugs.Watch(source.Name);
        return new ChainSources(sources, snapshots, bugs, settings.Timeout);
    }
}

using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>The controller bonded to the stash, as its SS58 address.</summary>
public sealed record BondedController(string Address) : IStakingFacts;

/// <summary>
/// The controller bonded to the stash (Staking.Bonded, read by the staking read itself), as a label: a new value is
/// a new series, so a change shows in Prometheus whatever the exporter remembers (docs/metrics.md, "Chain and staking").
/// </summary>
public sealed class ControllerReader(IMetricFactory factory) : IStakingAddOn
{
    private readonly Gauge _controller = Families.Gauge(factory, "xx_validator_controller_info",
        "The controller account bonded to the stash (Staking.Bonded), SS58; value 1. A change means the stash key signed set_controller.", "controller");

    public Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token) =>
        Task.FromResult<Func<CancellationToken, Task<IStakingFacts>>>(_ => Task.FromResult<IStakingFacts>(new BondedController(Ss58.Encode(context.Controller))));

    public void Write(Readings readings, IStakingFacts facts) => readings.Set(_controller, 1, ((BondedController)facts).Address);
}

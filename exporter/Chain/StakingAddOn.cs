using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// What an add-on of the staking read knows when it adds its items: the block's storage, the validator's stash and
/// controller, the active era and the planned one (null before the first election).
/// </summary>
public sealed record StakingContext(ChainState State, byte[] Stash, byte[] Controller, uint ActiveEra, uint? CurrentEra);

/// <summary>
/// Facts read along with the validator's staking state: their items go into the same state_queryStorageAt as the
/// active era's, so each add-on costs no request of its own in steady state (bench/chain/README.md).
/// </summary>
public interface IStakingAddOn
{
    /// <summary>Adds the items read at every collection to <paramref name="batch"/>; the task returned writes the series once the batch is read.</summary>
    Func<Readings, CancellationToken, Task> Add(StakingContext context, StorageBatch batch);
}

using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// What an add-on of the staking read knows when it adds its items: the block's storage, the validator's stash and
/// controller, the active era (with its start, Unix seconds, null when unknown) and the planned one (null before the
/// first election), the current session and the active set.
/// </summary>
public sealed record StakingContext(ChainState State, byte[] Stash, byte[] Controller, uint ActiveEra, uint? CurrentEra, double? ActiveEraStartUnix,
    uint Session, IReadOnlyList<byte[]> ActiveSet)
{
    /// <summary>The stash's place in the active set (its authority index this session), or null when it is not in it.</summary>
    public int? AuthorityIndex => ActiveSet.Select((v, i) => (v, i)).FirstOrDefault(p => p.v.AsSpan().SequenceEqual(Stash)) is { v: not null } found ? found.i : null;
}

/// <summary>
/// Facts read along with the validator's staking state: their items go into the same state_queryStorageAt as the
/// active era's, so an add-on costs no request of its own in steady state unless it says so (README "Adding a
/// source or a metric", bench/chain/README.md).
/// </summary>
public interface IStakingAddOn
{
    /// <summary>
    /// Adds the items read at every collection to <paramref name="batch"/> (listing keys first where the items are
    /// known only by them); the task returned writes the series once the batch is read.
    /// </summary>
    Task<Func<Readings, CancellationToken, Task>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token);
}

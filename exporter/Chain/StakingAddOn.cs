using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>What the staking read found before its era batch: the state, the stash, the active era and session, and the active set.</summary>
public sealed record StakingContext(ChainState State, byte[] Stash, uint ActiveEra, double? ActiveEraStartUnix, uint Session, IReadOnlyList<byte[]> ActiveSet)
{
    /// <summary>The stash's place in the active set (its authority index this session), or null when it is not in it.</summary>
    public int? AuthorityIndex => ActiveSet.Select((v, i) => (v, i)).FirstOrDefault(p => p.v.AsSpan().SequenceEqual(Stash)) is { v: not null } found ? found.i : null;
}

/// <summary>
/// More staking facts whose storage items join the staking read's era batch, so they cost no request of their own
/// (README "Adding a source or a metric").
/// </summary>
public interface IStakingAddOn
{
    /// <summary>Adds its items to <paramref name="batch"/>; the returned action sets its series once the batch is read.</summary>
    Task<Action<Readings>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token);
}

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

/// <summary>What an add-on read: a plain record of facts, which its series only set.</summary>
public interface IStakingFacts { }

/// <summary>
/// Facts read along with the validator's staking state: their items go into the same state_queryStorageAt as the
/// active era's, so an add-on costs no request of its own in steady state unless it says so (CONTRIBUTING.md "Adding a
/// source, a metric or an alert", bench/chain/README.md). Reading and writing are apart: every request is made in
/// <see cref="AddAsync"/> and the read it returns; <see cref="Write"/> only sets values.
/// </summary>
public interface IStakingAddOn
{
    /// <summary>
    /// Adds the items read at every collection to <paramref name="batch"/> (listing keys first where the items are
    /// known only by them). The function returned finishes the read once the batch is read - still in the read
    /// phase, with the requests of its own the add-on documents - and gives its facts.
    /// </summary>
    Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token);

    /// <summary>Sets the add-on's series from <paramref name="facts"/>, which it read; asks nothing.</summary>
    void Write(Readings readings, IStakingFacts facts);
}

/// <summary>The facts one add-on read in a collection, and the add-on that writes them.</summary>
public sealed record AddOnFacts(IStakingAddOn From, IStakingFacts Facts)
{
    public void Write(Readings readings) => From.Write(readings, Facts);
}

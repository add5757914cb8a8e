using XxExporter.Chain.Scale;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>What a finished era left the validator to claim: payable (elected and earned points), the xx at stake, its exposure pages.</summary>
public readonly record struct PayableEra(bool Payable, double AtStakeXx, int Pages);

/// <summary>
/// The validator's rewards still to claim in the history window: how many finished eras are unpaid, the oldest one
/// (null if none) and how many eras are left before it expires, and the xx they hold.
/// </summary>
public sealed record UnpaidRewards(uint HistoryDepth, int Unpaid, uint? OldestEra, uint? OldestErasLeft, double AtStakeXx) : IStakingFacts;

/// <summary>
/// Reads which finished eras of the history window the validator has not been paid for (docs/xx-node-facts.md §4.4).
/// What a finished era paid out cannot change, so it is read once (the whole window in the first collection, in
/// requests of <see cref="ColdErasPerRequest"/> eras, then one era at each era change); whether it has been claimed
/// can change, so that is read at every collection in the staking read's batch: the ledger's claimed eras on legacy
/// runtimes, and on paged ones (207) Staking.ClaimedRewards of each unpaid era as well.
/// </summary>
public sealed class RewardsReader(RewardsSeries series) : IStakingAddOn
{
    /// <summary>ErasRewardPoints holds an entry per validator of the era: this many eras keep an answer far below <see cref="Rpc.RpcBounds.MaxMessageBytes"/>.</summary>
    internal const int ColdErasPerRequest = 12;
    /// <summary>xx's HistoryDepth (docs/xx-node-facts.md §4.4), where the runtime neither stores it nor names it a constant.</summary>
    private const uint DefaultHistoryDepth = 84;
    private readonly Dictionary<uint, PayableEra> _eras = new();
    private readonly HashSet<uint> _paid = new(); // paged runtimes: eras seen fully claimed (a claim is never undone)

    public Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token)
    {
        var state = context.State;
        var depth = state.Has("Staking", "HistoryDepth") ? batch.Item("Staking", "HistoryDepth") : null;
        var ledger = batch.Item("Staking", "Ledger", context.Controller);
        var claims = new Dictionary<uint, StorageItem>();
        if (Paged(state))
        {
            foreach (var (era, _) in _eras.Where(e => e.Value.Payable && !_paid.Contains(e.Key)))
                claims[era] = ClaimedItem(batch, era, context.Stash);
        }
        return Task.FromResult<Func<CancellationToken, Task<IStakingFacts>>>(async cancel => await ReadAsync(context, depth, ledger, claims, cancel));
    }

    public void Write(Readings readings, IStakingFacts facts) => series.Write(readings, (UnpaidRewards)facts);

    private async Task<UnpaidRewards> ReadAsync(StakingContext context, StorageItem? depthItem, StorageItem ledger,
        Dictionary<uint, StorageItem> claims, CancellationToken token)
    {
        var state = context.State;
        uint depth = ChainCounts.EraWindow("Staking.HistoryDepth",
            (depthItem?.Value ?? state.Metadata.Constant("Staking", "HistoryDepth"))?.ToUInt32() ?? DefaultHistoryDepth);
        // payout_stakers takes an era while it is no older than the planned era minus the history depth; the planned
        // era is the active one or the next (ChainCounts.CheckEras), so the window is at most the history depth.
        uint planned = context.CurrentEra ?? context.ActiveEra;
        uint first = planned > depth ? planned - depth : 0;
        var window = ChainCounts.Eras(first, context.ActiveEra);
        foreach (uint old in _eras.Keys.Where(e => e < first).ToList()) _eras.Remove(old);
        _paid.RemoveWhere(e => e < first);

        foreach (var chunk in window.Where(e => !_eras.ContainsKey(e)).Chunk(ColdErasPerRequest))
            await ReadFinishedAsync(state, context.Stash, chunk, token);

        // Eras that became known in this collection: their claims in one more request (at an era change only).
        var late = window.Where(e => Paged(state) && _eras[e].Payable && !_paid.Contains(e) && !claims.ContainsKey(e)).ToList();
        if (late.Count > 0)
        {
            var batch = state.Batch();
            foreach (uint era in late) claims[era] = ClaimedItem(batch, era, context.Stash);
            await batch.ReadAsync(token);
        }

        var claimedInLedger = ClaimedEras(ledger.Value);
        foreach (var (era, claim) in claims)
        {
            if (_eras.TryGetValue(era, out var payable) && AllPagesClaimed(claim.Value, payable.Pages)) _paid.Add(era);
        }
        var unpaid = window.Where(e => _eras[e].Payable && !claimedInLedger.Contains(e) && !_paid.Contains(e)).ToList();
        uint? oldest = unpaid.Count > 0 ? unpaid[0] : null;
        return new UnpaidRewards(depth, unpaid.Count, oldest, oldest + depth - planned, unpaid.Sum(e => _eras[e].AtStakeXx));
    }

    /// <summary>Reads what <paramref name="eras"/> paid out, in one request.</summary>
    private async Task ReadFinishedAsync(ChainState state, byte[] stash, uint[] eras, CancellationToken token)
    {
        var batch = state.Batch();
        var items = eras.Select(era => (Era: era, Exposure: StakingReader.ExposureItem(state, batch, era, stash), Points: StakingReader.PointsOf(state, batch, era),
            Reward: batch.Item("Staking", "ErasValidatorReward", StorageKeys.U32(era)))).ToList();
        await batch.ReadAsync(token);
        foreach (var (era, exposure, points, reward) in items)
        {
            double own = points.Net().GetValueOrDefault(StakingReader.Key(stash)), total = points.NetTotal();
            bool payable = StakingReader.Elected(exposure.Value) && own > 0;
            // The validator's part of the era's payout, shared with its nominators: payout x own points / all points.
            double atStake = payable && total > 0 && reward.Value is { } payout ? StakingReader.Xx(payout.Number) * own / total : 0;
            int pages = exposure.Value is { } e && e.HasField("page_count") ? Math.Max(1, e.Field("page_count").ToInt32()) : 1;
            _eras[era] = new PayableEra(payable, atStake, pages);
        }
    }

    /// <summary>Runtime 207 keeps claims per era and exposure page in Staking.ClaimedRewards; older ones in the ledger only.</summary>
    private static bool Paged(ChainState state) => state.Has("Staking", "ClaimedRewards");

    private static StorageItem ClaimedItem(StorageBatch batch, uint era, byte[] stash) => batch.Item("Staking", "ClaimedRewards", StorageKeys.U32(era), stash);

    /// <summary>The eras the ledger lists as paid: claimed_rewards (legacy), legacy_claimed_rewards (207, eras paid before the upgrade).</summary>
    private static HashSet<uint> ClaimedEras(ScaleValue? ledger)
    {
        var eras = new HashSet<uint>();
        if (ledger is null) return eras;
        string? field = ledger.HasField("claimed_rewards") ? "claimed_rewards" : ledger.HasField("legacy_claimed_rewards") ? "legacy_claimed_rewards" : null;
        if (field is not null)
        {
            foreach (var era in ledger.Field(field).Items) eras.Add(era.ToUInt32());
        }
        return eras;
    }

    private static bool AllPagesClaimed(ScaleValue? claimedPages, int pages)
    {
        if (claimedPages is null) return false;
        var claimed = claimedPages.Items.Select(p => p.ToInt32()).ToHashSet();
        return Enumerable.Range(0, pages).All(claimed.Contains);
    }
}

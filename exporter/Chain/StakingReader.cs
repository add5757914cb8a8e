using System.Numerics;
using XxExporter.Chain.Scale;

namespace XxExporter.Chain;

/// <summary>What one finished era was for the validator. Finished eras never change, so each is read once.</summary>
public readonly record struct FinishedEra(bool Elected, double Points)
{
    public bool Missed => Elected && Points == 0;
}

/// <summary>The staking picture of one validator at one block.</summary>
public sealed record StakingSnapshot(
    uint ActiveEra, double? EraStartUnix, uint Session, int ActiveSetSize,
    bool Active, bool Intends, bool? ElectedNext, double EraPoints, double MedianPoints,
    FinishedEra? LastEra, int MissedEras, int Window, double? Commission, double? OwnStake, double? TotalStake, double? Nominators,
    byte[]? OnChainCmixId);

/// <summary>
/// Reads a validator's staking state by storage item and field name, for both the legacy xx staking fork (≤206:
/// cmix_id in the ledger, exposures in ErasStakers) and runtime 207 (XXStakingExtension.CmixIds and
/// ErasDeductionPoints, paged exposures with ErasStakersOverview); which one is decided by the metadata.
/// </summary>
public sealed class StakingReader(ChainState state, int window)
{
    private const double Planck = 1e9; // xx has 9 decimals
    private readonly Dictionary<uint, FinishedEra> _finished = new();

    public int CachedEras => _finished.Count;

    /// <summary>
    /// Two requests in steady state: the era-independent items, then everything of the active era (and of the next
    /// one, and of finished eras not yet cached) in one state_queryStorageAt each.
    /// </summary>
    public async Task<StakingSnapshot> ReadAsync(byte[] stash, CancellationToken token)
    {
        bool v207 = state.Has("XXStakingExtension", "CmixIds");
        var firstReads = new List<ChainState.StorageRead>
        {
            state.Item("Staking", "ActiveEra"), state.Item("Staking", "CurrentEra"), state.Item("Session", "CurrentIndex"),
            state.Item("Session", "Validators"), state.Item("Staking", "Bonded", stash), state.Item("Staking", "Validators", stash),
        };
        if (v207) firstReads.Add(state.Item("XXStakingExtension", "CmixIds", stash));
        var first = await state.ReadManyAsync(firstReads, token);
        // ActiveEra and CurrentEra are OptionQuery items: absent means None, a stored value is the inner type.
        var active = first[0] ?? throw new ScaleDecodeException("Staking.ActiveEra is not set");
        var controller = first[4] ?? throw new KeyNotFoundException($"{Ss58.Encode(stash)} is not a bonded stash on this chain");
        uint activeIndex = (uint)active.Field("index").Number;
        double? start = active.Field("start").Some is { } ms ? (double)ms.Number / 1000 : null;
        uint? current = first[1]?.Number is { } c ? (uint)c : null;
        uint session = (uint)(first[2]?.Number ?? 0);
        var validators = first[3]?.Items.Select(v => v.Bytes).ToList() ?? [];
        var prefs = first[5];

        uint windowStart = activeIndex > (uint)window ? activeIndex - (uint)window : 0;
        var unknownEras = Enumerable.Range((int)windowStart, (int)(activeIndex - windowStart)).Select(e => (uint)e).Where(e => !_finished.ContainsKey(e)).ToList();
        bool electionKnown = current is { } next && next > activeIndex;
        var reads = new List<ChainState.StorageRead> { Exposure(activeIndex, stash) };
        reads.AddRange(PointsItems(activeIndex));
        if (electionKnown) reads.Add(Exposure(current!.Value, stash));
        if (!v207) reads.Add(state.Item("Staking", "Ledger", controller.Bytes));
        foreach (uint era in unknownEras)
        {
            reads.Add(Exposure(era, stash));
            reads.AddRange(PointsItems(era));
        }
        var second = new Queue<ScaleValue?>(await state.ReadManyAsync(reads, token));

        var exposure = second.Dequeue();
        var points = NetPoints(second);
        bool? electedNext = electionKnown ? Elected(second.Dequeue()) : null;
        byte[]? cmixId = v207 ? first[6]?.Bytes : second.Dequeue() is { } ledger && ledger.HasField("cmix_id") ? ledger.Field("cmix_id").Some?.Bytes : null;
        foreach (uint era in unknownEras)
        {
            bool elected = Elected(second.Dequeue());
            _finished[era] = new FinishedEra(elected, NetPoints(second).GetValueOrDefault(Key(stash)));
        }
        foreach (uint old in _finished.Keys.Where(k => k < windowStart).ToList()) _finished.Remove(old);

        var finished = Enumerable.Range((int)windowStart, (int)(activeIndex - windowStart)).Select(e => _finished[(uint)e]).ToList();
        double myPoints = points.GetValueOrDefault(Key(stash));
        double median = Median(validators.Select(v => points.GetValueOrDefault(Key(v))).ToList());
        var (own, total, nominators) = exposure is null ? ((double?)null, (double?)null, (double?)null)
            : (Xx(exposure.Field("own").Number), Xx(exposure.Field("total").Number),
               exposure.HasField("nominator_count") ? (double)exposure.Field("nominator_count").Number : exposure.Field("others").Items.Count);
        double? commission = prefs?.Field("commission").Number is { } perbill ? (double)perbill / 1e9 : null;
        return new StakingSnapshot(activeIndex, start, session, validators.Count, validators.Any(v => v.AsSpan().SequenceEqual(stash)),
            prefs is not null, electedNext, myPoints, median, finished.Count > 0 ? finished[^1] : null, finished.Count(f => f.Missed),
            finished.Count, commission, own, total, nominators, cmixId);
    }

    /// <summary>The exposure of a stash in an era: ErasStakersOverview (207, paged exposures) or ErasStakers (legacy).</summary>
    private ChainState.StorageRead Exposure(uint era, byte[] stash) =>
        state.Item("Staking", state.Has("Staking", "ErasStakersOverview") ? "ErasStakersOverview" : "ErasStakers", StorageKeys.U32(era), stash);

    /// <summary>The era's reward points, and its deductions where the runtime keeps them apart (207).</summary>
    private IEnumerable<ChainState.StorageRead> PointsItems(uint era)
    {
        yield return state.Item("Staking", "ErasRewardPoints", StorageKeys.U32(era));
        if (state.Has("XXStakingExtension", "ErasDeductionPoints")) yield return state.Item("XXStakingExtension", "ErasDeductionPoints", StorageKeys.U32(era));
    }

    /// <summary>Net points per account from the values <see cref="PointsItems"/> asked for, taken off the queue.</summary>
    private Dictionary<string, double> NetPoints(Queue<ScaleValue?> values)
    {
        var points = new Dictionary<string, double>();
        if (values.Dequeue() is { } rewards)
        {
            foreach (var (account, value) in rewards.Field("individual").MapEntries) points[Key(account.Bytes)] = (double)value.Number;
        }
        if (state.Has("XXStakingExtension", "ErasDeductionPoints") && values.Dequeue() is { } deductions)
        {
            foreach (var (account, value) in deductions.Field("individual").MapEntries)
                points[Key(account.Bytes)] = Math.Max(0, points.GetValueOrDefault(Key(account.Bytes)) - (double)value.Number);
        }
        return points;
    }

    /// <summary>Elected: an exposure is stored for the stash (presence on the raw key, not a decoded default) with stake behind it.</summary>
    private static bool Elected(ScaleValue? exposure) => exposure is not null && exposure.Field("total").Number > 0;

    /// <summary>Finds the stash whose bonded cMix ID is <paramref name="cmixId"/> (scans the map once; the caller keeps the answer).</summary>
    public async Task<byte[]?> FindStashAsync(byte[] cmixId, CancellationToken token)
    {
        if (state.Has("XXStakingExtension", "CmixIds"))
        {
            await foreach (var (key, value) in state.EntriesAsync("XXStakingExtension", "CmixIds", token))
                if (value.Bytes.AsSpan().SequenceEqual(cmixId)) return key[^32..];
            return null;
        }
        await foreach (var (_, ledger) in state.EntriesAsync("Staking", "Ledger", token))
        {
            if (ledger.HasField("cmix_id") && ledger.Field("cmix_id").Some?.Bytes is { } id && id.AsSpan().SequenceEqual(cmixId))
                return ledger.Field("stash").Bytes;
        }
        return null;
    }

    private static double Xx(BigInteger planck) => (double)planck / Planck;

    private static string Key(byte[] account) => Convert.ToHexString(account);

    internal static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        values.Sort();
        int middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}

using System.Numerics;
using XxExporter.Chain.Rpc;
using XxExporter.Chain.Scale;

namespace XxExporter.Chain;

/// <summary>The active era: its index, start (Unix seconds, if known), the current session and the active set's size.</summary>
public sealed record ActiveEra(uint Index, double? StartUnix, uint Session, int ActiveSetSize);

/// <summary>
/// The validator's standing: in the active set, a candidate (Staking.Validators), elected for the next era (null
/// until that election is known), its commission (null for a non-candidate) and the cMix ID bonded on chain.
/// </summary>
public sealed record Standing(bool Active, bool Intends, bool? ElectedNext, double? Commission, byte[]? CmixId);

/// <summary>
/// Era points so far in the active era: the validator's and the active set's median, net of deductions; and the era's
/// totals as the chain keeps them, all rewards (blocks and cMix rounds) and, where the runtime keeps them apart (207), all deductions.
/// </summary>
public sealed record EraPoints(double Own, double Median, double TotalRewards, double? TotalDeductions);

/// <summary>The validator's exposure in the active era, in xx.</summary>
public sealed record Exposure(double Own, double Total, double Nominators);

/// <summary>What one finished era was for the validator. Finished eras never change, so each is read once.</summary>
public readonly record struct FinishedEra(bool Elected, double Points)
{
    public bool Missed => Elected && Points == 0;
}

/// <summary>The finished eras of the window: the last one (null if none finished yet), how many were missed, and how many there are.</summary>
public sealed record MissedEras(FinishedEra? Last, int Missed, int Window);

/// <summary>A validator's staking state at one block; <paramref name="Exposure"/> is null when it has none in the active era.</summary>
public sealed record ValidatorStaking(ActiveEra Era, Standing Standing, EraPoints Points, Exposure? Exposure, MissedEras Missed)
{
    /// <summary>What each <see cref="IStakingAddOn"/> read along with it.</summary>
    public IReadOnlyList<AddOnFacts> AddOns { get; init; } = [];
}

/// <summary>
/// Reads a validator's staking state by storage item and field name, for both the legacy xx staking fork (≤206:
/// cmix_id in the ledger, exposures in ErasStakers) and runtime 207 (XXStakingExtension.CmixIds and
/// ErasDeductionPoints, paged exposures with ErasStakersOverview); which one is decided by the metadata.
/// </summary>
public sealed class StakingReader(int window, params IStakingAddOn[] addOns)
{
    private const double Planck = 1e9; // xx has 9 decimals
    private readonly Dictionary<uint, FinishedEra> _finished = new();

    /// <summary>
    /// Two requests in steady state: the era-independent items, then everything of the active era (and of the next
    /// one, and of finished eras not yet cached) in one state_queryStorageAt each.
    /// </summary>
    public async Task<ValidatorStaking> ReadAsync(ChainState state, byte[] stash, CancellationToken token)
    {
        var first = state.Batch();
        // ActiveEra and CurrentEra are OptionQuery items: absent means None, a stored value is the inner type.
        var activeEra = first.Item("Staking", "ActiveEra");
        var currentEra = first.Item("Staking", "CurrentEra");
        var session = first.Item("Session", "CurrentIndex");
        var activeSet = first.Item("Session", "Validators");
        var bonded = first.Item("Staking", "Bonded", stash);
        var prefs = first.Item("Staking", "Validators", stash);
        var cmixIds = state.Has("XXStakingExtension", "CmixIds") ? first.Item("XXStakingExtension", "CmixIds", stash) : null;
        await first.ReadAsync(token);

        var active = activeEra.Value ?? throw new ScaleDecodeException("Staking.ActiveEra is not set");
        var controller = bonded.Value ?? throw new ChainNodeFault($"{Ss58.Encode(stash)} is not a bonded stash on this chain");
        uint era = active.Field("index").ToUInt32();
        uint? current = currentEra.Value?.ToUInt32();
        ChainCounts.CheckEras(era, current);
        bool electionKnown = current > era;
        uint windowStart = era > (uint)window ? era - (uint)window : 0;
        var windowEras = ChainCounts.Eras(windowStart, era);

        var second = state.Batch();
        var exposure = ExposureItem(state, second, era, stash);
        var points = PointsOf(state, second, era);
        var nextExposure = electionKnown ? ExposureItem(state, second, current!.Value, stash) : null;
        var ledger = cmixIds is null ? second.Item("Staking", "Ledger", controller.Bytes) : null;
        var unknownEras = windowEras.Where(e => !_finished.ContainsKey(e))
            .Select(e => (Era: e, Exposure: ExposureItem(state, second, e, stash), Points: PointsOf(state, second, e))).ToList();
        var activeSetAccounts = activeSet.Value?.Items.Select(v => v.Bytes).ToList() ?? [];
        double? eraStart = active.Field("start").Some is { } ms ? (double)ms.Number / 1000 : null;
        var context = new StakingContext(state, stash, controller.Bytes, era, current, eraStart, session.Value?.ToUInt32() ?? 0, activeSetAccounts);
        var addOnReads = new List<(IStakingAddOn AddOn, Func<CancellationToken, Task<IStakingFacts>> Finish)>();
        foreach (var addOn in addOns) addOnReads.Add((addOn, await addOn.AddAsync(context, second, token)));
        await second.ReadAsync(token);
        var addOnFacts = new List<AddOnFacts>();
        foreach (var (addOn, finish) in addOnReads) addOnFacts.Add(new AddOnFacts(addOn, await finish(token)));

        foreach (var unknown in unknownEras)
            _finished[unknown.Era] = new FinishedEra(Elected(unknown.Exposure.Value), unknown.Points.Net().GetValueOrDefault(Key(stash)));
        foreach (uint old in _finished.Keys.Where(k => k < windowStart).ToList()) _finished.Remove(old);
        var finished = windowEras.Select(e => _finished[e]).ToList();

        var netPoints = points.Net();
        var standing = new Standing(
            Active: activeSetAccounts.Any(v => v.AsSpan().SequenceEqual(stash)),
            Intends: prefs.Value is not null,
            ElectedNext: electionKnown ? Elected(nextExposure!.Value) : null,
            Commission: prefs.Value?.Field("commission").Number is { } perbill ? (double)perbill / 1e9 : null,
            CmixId: cmixIds is not null ? cmixIds.Value?.Bytes : ledger!.Value is { } l && l.HasField("cmix_id") ? l.Field("cmix_id").Some?.Bytes : null);
        return new ValidatorStaking(
            new ActiveEra(era, eraStart, context.Session, activeSetAccounts.Count),
            standing,
            new EraPoints(netPoints.GetValueOrDefault(Key(stash)), Median(activeSetAccounts.Select(v => netPoints.GetValueOrDefault(Key(v))).ToList()),
                points.TotalRewards(), points.TotalDeductions()),
            ExposureOf(exposure.Value),
            new MissedEras(finished.Count > 0 ? finished[^1] : null, finished.Count(f => f.Missed), finished.Count)) { AddOns = addOnFacts };
    }

    private static Exposure? ExposureOf(ScaleValue? exposure) => exposure is null ? null
        : new Exposure(Xx(exposure.Field("own").Number), Xx(exposure.Field("total").Number),
            exposure.HasField("nominator_count") ? (double)exposure.Field("nominator_count").Number : exposure.Field("others").Items.Count);

    /// <summary>The exposure of a stash in an era: ErasStakersOverview (207, paged exposures) or ErasStakers (legacy).</summary>
    internal static StorageItem ExposureItem(ChainState state, StorageBatch batch, uint era, byte[] stash) =>
        batch.Item("Staking", state.Has("Staking", "ErasStakersOverview") ? "ErasStakersOverview" : "ErasStakers", StorageKeys.U32(era), stash);

    /// <summary>The era's reward points, and its deductions where the runtime keeps them apart (207).</summary>
    internal static PointsItems PointsOf(ChainState state, StorageBatch batch, uint era) =>
        new(batch.Item("Staking", "ErasRewardPoints", StorageKeys.U32(era)),
            state.Has("XXStakingExtension", "ErasDeductionPoints") ? batch.Item("XXStakingExtension", "ErasDeductionPoints", StorageKeys.U32(era)) : null);

    internal sealed record PointsItems(StorageItem Rewards, StorageItem? Deductions)
    {
        /// <summary>The era's total points, net of its total deductions (never below 0).</summary>
        public double NetTotal() => Math.Max(0, TotalRewards() - (TotalDeductions() ?? 0));

        /// <summary>All reward points of the era (0 before any is stored).</summary>
        public double TotalRewards() => (double)(Rewards.Value?.Field("total").Number ?? 0);

        /// <summary>All deduction points of the era (0 before any is stored); null where the runtime has no ErasDeductionPoints.</summary>
        public double? TotalDeductions() => Deductions is null ? null : (double)(Deductions.Value?.Field("total").Number ?? 0);

        /// <summary>Points per account, net of deductions (never below 0).</summary>
        public Dictionary<string, double> Net()
        {
            var points = new Dictionary<string, double>();
            if (Rewards.Value is { } rewards)
            {
                foreach (var (account, value) in rewards.Field("individual").MapEntries) points[Key(account.Bytes)] = (double)value.Number;
            }
            if (Deductions?.Value is { } deductions)
            {
                foreach (var (account, value) in deductions.Field("individual").MapEntries)
                    points[Key(account.Bytes)] = Math.Max(0, points.GetValueOrDefault(Key(account.Bytes)) - (double)value.Number);
            }
            return points;
        }
    }

    /// <summary>Elected: an exposure is stored for the stash (presence on the raw key, not a decoded default) with stake behind it.</summary>
    internal static bool Elected(ScaleValue? exposure) => exposure is not null && exposure.Field("total").Number > 0;

    /// <summary>Finds the stash whose bonded cMix ID is <paramref name="cmixId"/> (scans the map once; the caller keeps the answer).</summary>
    public static async Task<byte[]?> FindStashAsync(ChainState state, byte[] cmixId, CancellationToken token)
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

    internal static double Xx(BigInteger planck) => (double)planck / Planck;

    internal static string Key(byte[] account) => Convert.ToHexString(account);

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        values.Sort();
        int middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}

using System.Numerics;
using XxExporter.Chain.Scale;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// Slashes of the stash waiting to be applied: how many, its own stake they take (xx), and the earliest era one
/// applies in with when that era is expected to start (Unix seconds; null when the era length is unknown).
/// </summary>
public sealed record QueuedSlashes(int Count, double OwnXx, uint? ApplyEra, double? ApplyUnix);

/// <summary>Slashes recorded against the stash in the eras the chain keeps them: eras with one, the stake taken, the latest such era.</summary>
public sealed record RecordedSlashes(int Eras, double Xx, uint? LastEra, int Window);

/// <summary>How far the current session has run (0 to 1) and the seconds left in it.</summary>
public sealed record SessionProgress(double Ratio, double RemainingSeconds, long Slots);

/// <summary>
/// The validator's safety now: slashes queued and recorded, disabled or offending in the active set, and this
/// session's heartbeat and authored blocks. A null part is one the runtime does not keep (or, for the heartbeat
/// and blocks, a validator not in the active set).
/// </summary>
public sealed record ValidatorSafety(QueuedSlashes? Queued, RecordedSlashes? Recorded, bool? Disabled, bool? Offending, bool? Heartbeat,
    long? AuthoredBlocks, SessionProgress? Session) : IStakingFacts;

/// <summary>
/// Reads <see cref="ValidatorSafety"/> in the staking read's era batch (docs/xx-node-facts.md §4.3). Nothing is
/// cached: every slash era the chain keeps can still gain a late-reported offence, so all of them are asked each
/// time, a fixed number of keys (BondingDuration + SlashDeferDuration + a few) in the one request. A runtime whose
/// queued slashes are keyed by the slash itself (207) costs one state_getKeysPaged more.
/// </summary>
public sealed class SafetyReader(SafetySeries series) : IStakingAddOn
{
    private const double Planck = 1e9;
    /// <summary>Queued slashes listed at most (the whole chain's: normally none or a handful).</summary>
    private const int QueuedKeysRead = 1000;

    public async Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token)
    {
        var state = context.State;
        var metadata = state.Metadata;
        uint? defer = EraConstant(metadata, "SlashDeferDuration");
        uint? bonding = EraConstant(metadata, "BondingDuration");
        var queued = await QueuedItemsAsync(context, batch, defer, token);
        var recorded = bonding is { } b && state.Has("Staking", "ValidatorSlashInEra")
            ? ChainCounts.ErasBack(context.ActiveEra, b)
                .Select(e => (Era: e, Item: batch.Item("Staking", "ValidatorSlashInEra", StorageKeys.U32(e), context.Stash))).ToList()
            : null;
        var disabled = state.Has("Session", "DisabledValidators") ? batch.Item("Session", "DisabledValidators") : null;
        var offending = state.Has("Staking", "OffendingValidators") ? batch.Item("Staking", "OffendingValidators") : null;
        int? index = context.AuthorityIndex;
        var heartbeat = index is { } i && state.Has("ImOnline", "ReceivedHeartbeats")
            ? batch.Item("ImOnline", "ReceivedHeartbeats", StorageKeys.U32(context.Session), StorageKeys.U32((uint)i)) : null;
        var authored = index is not null && state.Has("ImOnline", "AuthoredBlocks")
            ? batch.Item("ImOnline", "AuthoredBlocks", StorageKeys.U32(context.Session), context.Stash) : null;
        var slots = state.Has("Babe", "CurrentSlot")
            ? (Current: batch.Item("Babe", "CurrentSlot"), Genesis: batch.Item("Babe", "GenesisSlot"), Epoch: batch.Item("Babe", "EpochIndex"))
            : default;
        double? eraSeconds = EraSeconds(metadata);

        return _ => Task.FromResult<IStakingFacts>(new ValidatorSafety(
            queued is null ? null : Queued(queued, context, eraSeconds),
            recorded is null ? null : Recorded(recorded),
            disabled is null ? null : index is { } at && (disabled.Value?.Items ?? []).Any(d => IndexOf(d) == at),
            offending is null ? null : index is { } on && (offending.Value?.Items ?? []).Any(o => IndexOf(o) == on),
            heartbeat is null ? null : heartbeat.Value is not null,
            authored is null ? null : authored.Value?.ToInt64() ?? 0, // a ValueQuery: absent means none authored
            slots.Current is null ? null : Progress(metadata, slots.Current, slots.Genesis, slots.Epoch)));
    }

    public void Write(Readings readings, IStakingFacts facts) => series.Write(readings, (ValidatorSafety)facts);

    /// <summary>
    /// The queued-slash items that may hold the stash's: legacy runtimes keep one list per era the offence was
    /// reported in, applied SlashDeferDuration + 1 eras later, so the lists of the last SlashDeferDuration + 1 eras
    /// are the ones not yet applied; 207 keys each slash by the era it applies in and (stash, fraction, page), so
    /// the keys are listed and the stash's ones read.
    /// </summary>
    private static async Task<List<(uint ApplyEra, StorageItem Item)>?> QueuedItemsAsync(StakingContext context, StorageBatch batch, uint? defer,
        CancellationToken token)
    {
        var entry = context.State.Metadata.FindStorage("Staking", "UnappliedSlashes");
        if (entry is null || defer is not { } d) return null;
        if (entry.Hashers.Count == 1)
        {
            return ChainCounts.ErasBack(context.ActiveEra, d)
                .Select(reported => (reported + d + 1, batch.Item("Staking", "UnappliedSlashes", StorageKeys.U32(reported)))).ToList();
        }
        if (entry.Hashers is not [StorageHasher.Twox64Concat, StorageHasher.Twox64Concat]) return null;
        // prefix (32) | twox64 (8) | era (4) | twox64 (8) | stash (32) | fraction (4) | page (4)
        var items = new List<(uint, StorageItem)>();
        foreach (byte[] key in await context.State.KeysAsync("Staking", "UnappliedSlashes", QueuedKeysRead, token))
        {
            if (key.Length != 92 || !key.AsSpan(52, 32).SequenceEqual(context.Stash)) continue;
            uint era = BitConverter.ToUInt32(key, 40);
            items.Add((era, batch.Item("Staking", "UnappliedSlashes", key[40..44], key[52..])));
        }
        return items;
    }

    private static QueuedSlashes Queued(List<(uint ApplyEra, StorageItem Item)> items, StakingContext context, double? eraSeconds)
    {
        var mine = items.SelectMany(q => SlashesIn(q.Item.Value).Where(s => s.Field("validator").Bytes.AsSpan().SequenceEqual(context.Stash))
            .Select(s => (q.ApplyEra, Own: s.Field("own").Number))).ToList();
        uint? first = mine.Count > 0 ? mine.Min(s => s.ApplyEra) : null;
        double? at = first is { } era && context.ActiveEraStartUnix is { } start && eraSeconds is { } length ? start + (era - context.ActiveEra) * length : null;
        return new QueuedSlashes(mine.Count, Xx(mine.Aggregate(BigInteger.Zero, (sum, s) => sum + s.Own)), first, at);
    }

    /// <summary>A legacy era's list of slashes, or a 207 slash on its own.</summary>
    private static IEnumerable<ScaleValue> SlashesIn(ScaleValue? value) =>
        value is null ? [] : value.HasField("validator") ? [value] : value.Items;

    private static RecordedSlashes Recorded(List<(uint Era, StorageItem Item)> eras)
    {
        var slashed = eras.Where(e => e.Item.Value is not null).ToList();
        // The value is (fraction of the exposure, amount): the amount is what the validator's own stake lost.
        var amount = slashed.Aggregate(BigInteger.Zero, (sum, e) => sum + e.Item.Value!.Item(1).Number);
        return new RecordedSlashes(slashed.Count, Xx(amount), slashed.Count > 0 ? slashed.Max(e => e.Era) : null, eras.Count);
    }

    /// <summary>
    /// BABE ends a session when its epoch ends: the epoch began at slot GenesisSlot + EpochIndex × EpochDuration and
    /// lasts EpochDuration slots of ExpectedBlockTime each (docs/xx-node-facts.md §4.3).
    /// </summary>
    private static SessionProgress? Progress(RuntimeMetadata metadata, StorageItem current, StorageItem genesis, StorageItem epoch)
    {
        if (metadata.Constant("Babe", "EpochDuration")?.Number is not { } duration || duration <= 0
            || metadata.Constant("Babe", "ExpectedBlockTime")?.Number is not { } slotMs
            || current.Value?.Number is not { } slot || genesis.Value?.Number is not { } first || epoch.Value?.Number is not { } index) return null;
        var elapsed = BigInteger.Clamp(slot - (first + index * duration) + 1, 0, duration);
        return new SessionProgress((double)elapsed / (double)duration, (double)(duration - elapsed) * (double)slotMs / 1000, (long)duration);
    }

    private static double? EraSeconds(RuntimeMetadata metadata) =>
        U32(metadata.Constant("Staking", "SessionsPerEra")) is { } sessions && metadata.Constant("Babe", "EpochDuration")?.Number is { } slots
            && metadata.Constant("Babe", "ExpectedBlockTime")?.Number is { } slotMs
            ? sessions * (double)slots * (double)slotMs / 1000 : null;

    /// <summary>A DisabledValidators or OffendingValidators entry: the index alone (legacy) or the index with more (207, legacy offending).</summary>
    private static long IndexOf(ScaleValue entry) => entry is ScaleNumber ? entry.ToInt64() : entry.Item(0).ToInt64();

    /// <summary>A Staking constant counted in eras, within <see cref="ChainCounts.MaxEraWindow"/>; null where the runtime has none.</summary>
    private static uint? EraConstant(RuntimeMetadata metadata, string name) =>
        U32(metadata.Constant("Staking", name)) is { } eras ? ChainCounts.EraWindow($"Staking.{name}", eras) : null;

    private static uint? U32(ScaleValue? value) => value?.Number is { } n && n >= 0 && n <= uint.MaxValue ? (uint)n : null;

    private static double Xx(BigInteger planck) => (double)planck / Planck;
}

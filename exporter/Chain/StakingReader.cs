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

    public async Task<StakingSnapshot> ReadAsync(byte[] stash, CancellationToken token)
    {
        // ActiveEra and CurrentEra are OptionQuery items: absent means None, a stored value is the inner type.
        var active = await state.ReadAsync("Staking", "ActiveEra", token) ?? throw new ScaleDecodeException("Staking.ActiveEra is not set");
        uint activeIndex = (uint)active.Field("index").Number;
        double? start = active.Field("start").Some is { } ms ? (double)ms.Number / 1000 : null;
        uint? current = (await state.ReadAsync("Staking", "CurrentEra", token))?.Number is { } c ? (uint)c : null;
        uint session = (uint)((await state.ReadAsync("Session", "CurrentIndex", token))?.Number ?? 0);
        var validators = (await state.ReadAsync("Session", "Validators", token))?.Items.Select(v => v.Bytes).ToList() ?? [];

        if (await state.RawAsync(StorageKeys.For(state.Metadata.Storage("Staking", "Bonded"), stash), token) is null)
            throw new KeyNotFoundException($"{Ss58.Encode(stash)} is not a bonded stash on this chain");
        bool isActive = validators.Any(v => v.AsSpan().SequenceEqual(stash));
        var prefs = await state.ReadAsync("Staking", "Validators", token, stash);
        var points = await PointsAsync(activeIndex, token);
        double myPoints = points.GetValueOrDefault(Key(stash));
        double median = Median(validators.Select(v => points.GetValueOrDefault(Key(v))).ToList());
        bool? electedNext = current is { } next && next > activeIndex ? await ElectedAsync(next, stash, token) : null;

        var (own, total, nominators) = await ExposureAsync(activeIndex, stash, token);
        var commission = prefs?.Field("commission").Number is { } perbill ? (double)perbill / 1e9 : (double?)null;

        int missed = 0;
        FinishedEra? last = null;
        uint first = activeIndex > (uint)window ? activeIndex - (uint)window : 0;
        for (uint e = activeIndex; e-- > first;)
        {
            var finished = await FinishedAsync(e, stash, token);
            last ??= finished;
            if (finished.Missed) missed++;
        }
        foreach (uint old in _finished.Keys.Where(k => k < first).ToList()) _finished.Remove(old);

        return new StakingSnapshot(activeIndex, start, session, validators.Count, isActive, prefs is not null, electedNext, myPoints, median,
            last, missed, (int)(activeIndex - first), commission, own, total, nominators, await CmixIdAsync(stash, token));
    }

    private async Task<FinishedEra> FinishedAsync(uint era, byte[] stash, CancellationToken token)
    {
        if (_finished.TryGetValue(era, out var known)) return known;
        var finished = new FinishedEra(await ElectedAsync(era, stash, token), (await PointsAsync(era, token)).GetValueOrDefault(Key(stash)));
        _finished[era] = finished;
        return finished;
    }

    /// <summary>Net points per account in an era: ErasRewardPoints minus ErasDeductionPoints where the runtime keeps them apart.</summary>
    private async Task<Dictionary<string, double>> PointsAsync(uint era, CancellationToken token)
    {
        var points = new Dictionary<string, double>();
        if (await state.ReadAsync("Staking", "ErasRewardPoints", token, StorageKeys.U32(era)) is { } rewards)
        {
            foreach (var (account, value) in rewards.Field("individual").MapEntries) points[Key(account.Bytes)] = (double)value.Number;
        }
        if (state.Has("XXStakingExtension", "ErasDeductionPoints")
            && await state.ReadAsync("XXStakingExtension", "ErasDeductionPoints", token, StorageKeys.U32(era)) is { } deductions)
        {
            foreach (var (account, value) in deductions.Field("individual").MapEntries)
                points[Key(account.Bytes)] = Math.Max(0, points.GetValueOrDefault(Key(account.Bytes)) - (double)value.Number);
        }
        return points;
    }

    /// <summary>Elected in an era: an exposure exists for the stash (presence on the raw key, not a decoded default).</summary>
    private async Task<bool> ElectedAsync(uint era, byte[] stash, CancellationToken token)
    {
        string item = state.Has("Staking", "ErasStakersOverview") ? "ErasStakersOverview" : "ErasStakers";
        var entry = state.Metadata.Storage("Staking", item);
        var raw = await state.RawAsync(StorageKeys.For(entry, StorageKeys.U32(era), stash), token);
        if (raw is null) return false;
        return ScaleDecoder.Decode(state.Metadata, entry.ValueType, raw).Field("total").Number > 0;
    }

    private async Task<(double? Own, double? Total, double? Nominators)> ExposureAsync(uint era, byte[] stash, CancellationToken token)
    {
        if (state.Has("Staking", "ErasStakersOverview"))
        {
            var overview = await state.ReadAsync("Staking", "ErasStakersOverview", token, StorageKeys.U32(era), stash);
            return overview is null ? (null, null, null)
                : (Xx(overview.Field("own").Number), Xx(overview.Field("total").Number), (double)overview.Field("nominator_count").Number);
        }
        var exposure = await state.ReadAsync("Staking", "ErasStakers", token, StorageKeys.U32(era), stash);
        return exposure is null ? (null, null, null)
            : (Xx(exposure.Field("own").Number), Xx(exposure.Field("total").Number), exposure.Field("others").Items.Count);
    }

    /// <summary>The cMix ID bonded for the stash: XXStakingExtension.CmixIds (207+) or the ledger's cmix_id (legacy).</summary>
    private async Task<byte[]?> CmixIdAsync(byte[] stash, CancellationToken token)
    {
        if (state.Has("XXStakingExtension", "CmixIds"))
            return (await state.ReadAsync("XXStakingExtension", "CmixIds", token, stash))?.Bytes;
        var controller = await state.ReadAsync("Staking", "Bonded", token, stash);
        if (controller is null) return null;
        var ledger = await state.ReadAsync("Staking", "Ledger", token, controller.Bytes);
        return ledger is not null && ledger.HasField("cmix_id") ? ledger.Field("cmix_id").Some?.Bytes : null;
    }

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

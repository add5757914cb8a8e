using XxExporter.Chain.Rpc;

namespace XxExporter.Chain;

/// <summary>
/// The one rule for counts the chain node supplies, which decide how much the exporter asks and keeps: never more
/// items kept than asked for (<see cref="Asked{T}"/>), a map scanned whole up to <see cref="MaxScannedKeys"/> keys,
/// era windows no wider than the chain's own constant for them (HistoryDepth, BondingDuration, SlashDeferDuration),
/// which must itself be at most <see cref="MaxEraWindow"/>, and eras only in an order a chain can be in. Anything
/// else is a <see cref="ChainNodeFault"/> whose message stays the same from scrape to scrape, so it is logged once
/// and costs one request per scrape, not one per era.
/// </summary>
public static class ChainCounts
{
    /// <summary>The widest era window read: far above the constants any chain has (xx: HistoryDepth 84, BondingDuration 28).</summary>
    public const uint MaxEraWindow = 1000;

    /// <summary>The most keys of a map scanned whole (finding the stash by cMix ID): xx's largest such map holds a few thousand.</summary>
    public const int MaxScannedKeys = 100_000;

    /// <summary>An era-count constant of the runtime (<paramref name="name"/>), at most <see cref="MaxEraWindow"/>.</summary>
    public static uint EraWindow(string name, uint eras) => eras <= MaxEraWindow
        ? eras
        : throw new ChainNodeFault($"the node's runtime gives {name} of {eras} eras, more than any chain keeps (the exporter reads at most {MaxEraWindow})");

    /// <summary>The active and the planned era as a chain can hold them: the planned era (CurrentEra) is never behind the active one.</summary>
    public static void CheckEras(uint active, uint? planned)
    {
        if (planned < active)
            throw new ChainNodeFault($"the node's staking state is impossible: CurrentEra {planned} is below ActiveEra {active} (the planned era is never behind the active one)");
    }

    /// <summary>The eras from <paramref name="first"/> up to, not including, <paramref name="end"/>: none if <paramref name="end"/> is not after it.</summary>
    public static IReadOnlyList<uint> Eras(uint first, uint end)
    {
        if (end <= first) return [];
        if (end - first > MaxEraWindow) throw new ArgumentOutOfRangeException(nameof(end), $"eras {first} to {end} are wider than any window read");
        var eras = new uint[end - first];
        for (uint i = 0; i < eras.Length; i++) eras[i] = first + i;
        return eras;
    }

    /// <summary>The last <paramref name="count"/> eras up to and including <paramref name="last"/> (fewer near genesis), newest first.</summary>
    public static IReadOnlyList<uint> ErasBack(uint last, uint count)
    {
        uint back = Math.Min(count, last);
        if (back > MaxEraWindow) throw new ArgumentOutOfRangeException(nameof(count), $"{count} eras back is wider than any window read");
        var eras = new uint[back + 1];
        for (uint i = 0; i < eras.Length; i++) eras[i] = last - i;
        return eras;
    }

    /// <summary>At most the <paramref name="asked"/> first items of what a node sent, whatever number it sent.</summary>
    public static IEnumerable<T> Asked<T>(IEnumerable<T> sent, int asked) => sent.Take(asked);
}

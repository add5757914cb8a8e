using System.Globalization;
using System.Text.Json;
using XxExporter.Chain.Scale;

namespace XxExporter.Chain;

/// <summary>
/// Reads storage at one block through the runtime's own metadata: keys built with the hashers it names, values
/// decoded by its type registry. The metadata is fetched again whenever the runtime's spec version changes.
/// </summary>
public sealed class ChainState(JsonRpcClient rpc)
{
    private RuntimeMetadata? _metadata;
    private long _specVersion = -1;

    public RuntimeMetadata Metadata => _metadata ?? throw new InvalidOperationException("metadata not loaded");

    /// <summary>Block hash the reads of this collection are pinned to.</summary>
    public string? At { get; set; }

    /// <summary>Loads the metadata if the runtime changed (or was never seen); returns true if it reloaded.</summary>
    public async Task<bool> RefreshRuntimeAsync(long specVersion, CancellationToken token)
    {
        if (specVersion == _specVersion && _metadata is not null) return false;
        var hex = await rpc.CallAsync("state_getMetadata", At is null ? [] : [At], token);
        _metadata = MetadataParser.Parse(Hex(hex));
        _specVersion = specVersion;
        return true;
    }

    public bool Has(string pallet, string item) => Metadata.FindStorage(pallet, item) is not null;

    /// <summary>
    /// Reads several storage items in one request (state_queryStorageAt). Null where a key is absent: a ValueQuery
    /// default is never invented, since presence is the fact for some items (elected? bonded? validating?).
    /// </summary>
    public async Task<ScaleValue?[]> ReadManyAsync(IReadOnlyList<StorageRead> reads, CancellationToken token)
    {
        var keys = reads.Select(r => HexOf(r.Key)).ToArray();
        var results = new ScaleValue?[reads.Count];
        if (keys.Length == 0) return results;
        var values = await QueryAsync(keys, token);
        for (int i = 0; i < reads.Count; i++)
        {
            if (values.TryGetValue(keys[i], out var raw)) results[i] = ScaleDecoder.Decode(Metadata, reads[i].Entry.ValueType, raw);
        }
        return results;
    }

    /// <summary>The stored values of <paramref name="keys"/> (absent keys left out), in one state_queryStorageAt.</summary>
    private async Task<Dictionary<string, byte[]>> QueryAsync(string[] keys, CancellationToken token)
    {
        var changes = await rpc.CallAsync("state_queryStorageAt", At is null ? [keys] : [keys, At], token);
        var values = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var set in changes.EnumerateArray())
        {
            foreach (var change in set.GetProperty("changes").EnumerateArray())
                if (change[1].ValueKind != JsonValueKind.Null) values[change[0].GetString()!] = Hex(change[1]);
        }
        return values;
    }

    /// <summary>One item to read: its entry and full key.</summary>
    public StorageRead Item(string pallet, string item, params byte[][] keys)
    {
        var entry = Metadata.Storage(pallet, item);
        return new StorageRead(entry, entry.Hashers.Count == 0 ? StorageKeys.Plain(pallet, item) : StorageKeys.For(entry, keys));
    }

    /// <summary>Every (key, value) of a map under the given first keys, in pages (for finding a stash by cMix ID).</summary>
    public async IAsyncEnumerable<(byte[] Key, ScaleValue Value)> EntriesAsync(string pallet, string item,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        var entry = Metadata.Storage(pallet, item);
        string prefix = HexOf(StorageKeys.Prefix(entry));
        string? start = null;
        while (true)
        {
            var page = await rpc.CallAsync("state_getKeysPaged",
                start is null ? [prefix, 500L] : [prefix, 500L, start], token);
            var keys = page.EnumerateArray().Select(k => k.GetString()!).ToArray();
            if (keys.Length == 0) yield break;
            foreach (var (key, raw) in await QueryAsync(keys, token)) yield return (Hex(key), ScaleDecoder.Decode(Metadata, entry.ValueType, raw));
            if (keys.Length < 500) yield break;
            start = keys[^1];
        }
    }

    public sealed record StorageRead(StorageEntry Entry, byte[] Key);

    public static byte[] Hex(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? Hex(element.GetString()!) : throw new ScaleDecodeException($"expected a hex string, got {element.ValueKind}");

    public static byte[] Hex(string text)
    {
        if (!text.StartsWith("0x", StringComparison.Ordinal)) throw new ScaleDecodeException("hex without 0x");
        try { return Convert.FromHexString(text.AsSpan(2)); }
        catch (FormatException) { throw new ScaleDecodeException("invalid hex"); }
    }

    public static string HexOf(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>A block number as the node writes it in headers ("0x1a2b"); anything else is a <see cref="FormatException"/> naming it.</summary>
    public static long BlockNumber(JsonElement header)
    {
        if (header.ValueKind != JsonValueKind.Object || !header.TryGetProperty("number", out var number))
            throw new FormatException($"a header ({header.ValueKind}) without a block number");
        return number.ValueKind == JsonValueKind.String && number.GetString() is { } text && text.StartsWith("0x", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long value) && value >= 0
            ? value
            : throw new FormatException($"the block number {number.GetRawText()} is not a 0x-prefixed hex number");
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using XxExporter.Chain.Rpc;
using XxExporter.Chain.Scale;

namespace XxExporter.Chain;

/// <summary>
/// Storage at one block, read through the runtime's own metadata: keys built with the hashers it names, values
/// decoded by its type registry and read by field name.
/// </summary>
public sealed class ChainState(ChainConnection rpc, string block, RuntimeMetadata metadata)
{
    public RuntimeMetadata Metadata => metadata;

    public bool Has(string pallet, string item) => metadata.FindStorage(pallet, item) is not null;

    /// <summary>Items to read together, in one state_queryStorageAt.</summary>
    public StorageBatch Batch() => new(this);

    /// <summary>The stored values of <paramref name="keys"/> (absent keys left out), in one state_queryStorageAt.</summary>
    internal async Task<Dictionary<string, byte[]>> QueryAsync(string[] keys, CancellationToken token)
    {
        var changes = await rpc.CallAsync("state_queryStorageAt", [keys, block], token);
        var asked = new HashSet<string>(keys, StringComparer.OrdinalIgnoreCase);
        var values = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var set in changes.Items("state_queryStorageAt"))
        {
            foreach (var change in set.Property("state_queryStorageAt", "changes").Items("state_queryStorageAt"))
            {
                if (change.ValueKind != JsonValueKind.Array || change.GetArrayLength() != 2)
                    throw new MalformedAnswerException($"state_queryStorageAt answered a change that is not a [key, value] pair ({change.ValueKind})");
                // Only the keys asked for are kept, each once, whatever else the node sends.
                if (change[1].ValueKind != JsonValueKind.Null && change[0].Text("state_queryStorageAt") is var key && asked.Contains(key))
                    values[key] = Hex(change[1]);
            }
        }
        return values;
    }

    /// <summary>Up to <paramref name="count"/> keys of a map (one state_getKeysPaged), for maps whose keys carry the facts.</summary>
    public async Task<byte[][]> KeysAsync(string pallet, string item, int count, CancellationToken token)
    {
        var page = await rpc.CallAsync("state_getKeysPaged", [HexOf(StorageKeys.Prefix(metadata.Storage(pallet, item))), (long)count], token);
        return ChainCounts.Asked(page.Items("state_getKeysPaged"), count).Select(k => Hex(k)).ToArray();
    }

    /// <summary>
    /// Every (key, value) of a map, in pages of <see cref="PageKeys"/> (for finding a stash by cMix ID), up to
    /// <see cref="ChainCounts.MaxScannedKeys"/> keys: a node that pages on past them, or sends a page that does not
    /// move past its start, is at fault.
    /// </summary>
    public async IAsyncEnumerable<(byte[] Key, ScaleValue Value)> EntriesAsync(string pallet, string item,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        var entry = metadata.Storage(pallet, item);
        string prefix = HexOf(StorageKeys.Prefix(entry));
        string? start = null;
        for (int scanned = 0; ; scanned += PageKeys)
        {
            if (scanned >= ChainCounts.MaxScannedKeys)
                throw new ChainNodeFault($"{pallet}.{item} pages on past {ChainCounts.MaxScannedKeys} keys: more than the chain holds, so the rest is not read");
            var page = await rpc.CallAsync("state_getKeysPaged", start is null ? [prefix, (long)PageKeys] : [prefix, (long)PageKeys, start], token);
            var keys = ChainCounts.Asked(page.Items("state_getKeysPaged"), PageKeys).Select(k => k.Text("state_getKeysPaged")).ToArray();
            if (keys.Length == 0) yield break;
            if (start is not null && string.CompareOrdinal(keys[^1].ToLowerInvariant(), start) <= 0)
                throw new MalformedAnswerException($"state_getKeysPaged answered a page of {pallet}.{item} that does not move past its start key");
            foreach (var (key, raw) in await QueryAsync(keys, token)) yield return (Hex(key), ScaleDecoder.Decode(metadata, entry.ValueType, raw));
            if (keys.Length < PageKeys) yield break;
            start = keys[^1].ToLowerInvariant();
        }
    }

    /// <summary>Keys asked for in each page of a map scanned whole.</summary>
    private const int PageKeys = 500;

    public static byte[] Hex(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? Hex(element.GetString()!) : throw new ScaleDecodeException($"expected a hex string, got {element.ValueKind}");

    public static byte[] Hex(string text)
    {
        if (!text.StartsWith("0x", StringComparison.Ordinal)) throw new ScaleDecodeException("hex without 0x");
        try { return Convert.FromHexString(text.AsSpan(2)); }
        catch (FormatException) { throw new ScaleDecodeException("invalid hex"); }
    }

    /// <summary>
    /// A block hash as <paramref name="method"/> gave it: "0x" and 64 hex digits. Anything else is refused before it
    /// is sent back in later requests (a hostile node's "hash" of megabytes would be copied into each of them); its
    /// raw length (quoted, as nodes write hex: unescaped) is checked before the text is made.
    /// </summary>
    public static string BlockHash(string method, JsonElement hash) =>
        hash.ValueKind == JsonValueKind.String && JsonMarshal.GetRawUtf8Value(hash).Length == 68 && hash.GetString() is { Length: 66 } text && text.StartsWith("0x", StringComparison.Ordinal)
            && text.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF") < 0
            ? text
            : throw new MalformedAnswerException($"{method} gave no block hash (0x and 64 hex digits)");

    public static string HexOf(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>A block number as the node writes it in headers ("0x1a2b"); anything else is a <see cref="MalformedAnswerException"/> naming it.</summary>
    public static long BlockNumber(JsonElement header)
    {
        if (header.ValueKind != JsonValueKind.Object || !header.TryGetProperty("number", out var number))
            throw new MalformedAnswerException($"a header ({header.ValueKind}) without a block number");
        return number.ValueKind == JsonValueKind.String && number.GetString() is { } text && text.StartsWith("0x", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long value) && value >= 0
            ? value
            : throw new MalformedAnswerException($"the block number {number.Quoted()} is not a 0x-prefixed hex number");
    }
}

/// <summary>
/// Storage items read together: each <see cref="Item"/> is a handle whose value is there once <see cref="ReadAsync"/>
/// is done, so a reader names what it asked for instead of counting positions.
/// </summary>
public sealed class StorageBatch(ChainState state)
{
    private readonly List<StorageItem> _items = new();

    /// <summary>Adds an item (its key parts SCALE-encoded, one per hasher) to the batch.</summary>
    public StorageItem Item(string pallet, string item, params byte[][] keys)
    {
        var entry = state.Metadata.Storage(pallet, item);
        var read = new StorageItem(entry, ChainState.HexOf(entry.Hashers.Count == 0 ? StorageKeys.Plain(pallet, item) : StorageKeys.For(entry, keys)));
        _items.Add(read);
        return read;
    }

    /// <summary>Reads every item added so far in one request (none if there is none).</summary>
    public async Task ReadAsync(CancellationToken token)
    {
        if (_items.Count == 0) return;
        var values = await state.QueryAsync(_items.Select(i => i.Key).ToArray(), token);
        foreach (var item in _items)
            item.Resolve(values.TryGetValue(item.Key, out var raw) ? ScaleDecoder.Decode(state.Metadata, item.Entry.ValueType, raw) : null, raw);
    }
}

/// <summary>One item of a <see cref="StorageBatch"/>.</summary>
public sealed class StorageItem(StorageEntry entry, string key)
{
    private ScaleValue? _value;
    private byte[]? _raw;
    private bool _read;

    internal StorageEntry Entry => entry;
    internal string Key => key;

    /// <summary>
    /// The stored value, or null where the key is absent: a ValueQuery default is never invented, since presence is
    /// the fact for some items (elected? bonded? validating?).
    /// </summary>
    public ScaleValue? Value => _read ? _value : throw new InvalidOperationException($"{entry.Pallet}.{entry.Name} is read by its batch's ReadAsync, not yet called");

    /// <summary>The stored bytes as read (null where absent), for what is sent back to the node as it is (session keys).</summary>
    public byte[]? Raw => _read ? _raw : throw new InvalidOperationException($"{entry.Pallet}.{entry.Name} is read by its batch's ReadAsync, not yet called");

    internal void Resolve(ScaleValue? value, byte[]? raw) => (_value, _raw, _read) = (value, raw, true);
}

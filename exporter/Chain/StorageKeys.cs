using System.Buffers.Binary;
using System.IO.Hashing;
using Konscious.Security.Cryptography;
using XxExporter.Chain.Scale;

namespace XxExporter.Chain;

/// <summary>Storage keys as Substrate builds them: twox128(prefix) ++ twox128(item) ++ hasher(encoded key) per key part.</summary>
public static class StorageKeys
{
    public static byte[] Plain(string pallet, string item) => [.. Twox(128, Utf8(pallet)), .. Twox(128, Utf8(item))];

    /// <summary>The key of one entry of <paramref name="entry"/>, from its SCALE-encoded key parts (one per hasher).</summary>
    public static byte[] For(StorageEntry entry, params byte[][] encodedKeys)
    {
        if (encodedKeys.Length != entry.Hashers.Count)
            throw new ArgumentException($"{entry.Pallet}.{entry.Name} takes {entry.Hashers.Count} keys, not {encodedKeys.Length}");
        var key = new List<byte>(Plain(entry.Pallet, entry.Name));
        for (int i = 0; i < encodedKeys.Length; i++) key.AddRange(Hash(entry.Hashers[i], encodedKeys[i]));
        return key.ToArray();
    }

    /// <summary>The prefix of every entry of a map whose first key parts are given (for state_getKeysPaged).</summary>
    public static byte[] Prefix(StorageEntry entry, params byte[][] encodedKeys)
    {
        var key = new List<byte>(Plain(entry.Pallet, entry.Name));
        for (int i = 0; i < encodedKeys.Length; i++) key.AddRange(Hash(entry.Hashers[i], encodedKeys[i]));
        return key.ToArray();
    }

    public static byte[] Hash(StorageHasher hasher, byte[] data) => hasher switch
    {
        StorageHasher.Blake2_128 => Blake2b(128, data),
        StorageHasher.Blake2_256 => Blake2b(256, data),
        StorageHasher.Blake2_128Concat => [.. Blake2b(128, data), .. data],
        StorageHasher.Twox128 => Twox(128, data),
        StorageHasher.Twox256 => Twox(256, data),
        StorageHasher.Twox64Concat => [.. Twox(64, data), .. data],
        StorageHasher.Identity => data,
        _ => throw new ArgumentOutOfRangeException(nameof(hasher)),
    };

    /// <summary>xxHash64 with seeds 0, 1, ... concatenated little-endian (Substrate's "twox").</summary>
    public static byte[] Twox(int bits, ReadOnlySpan<byte> data)
    {
        var output = new byte[bits / 8];
        for (int seed = 0; seed < bits / 64; seed++)
            BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(seed * 8), XxHash64.HashToUInt64(data, seed));
        return output;
    }

    public static byte[] Blake2b(int bits, byte[] data)
    {
        using var blake = new HMACBlake2B(bits);
        return blake.ComputeHash(data);
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}

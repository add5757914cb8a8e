using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace XxSimulator.Chain;

/// <summary>
/// SCALE encoding of the value shapes the simulated chain stores (parity-scale-codec): fixed-width little-endian
/// integers, compact integers, vectors, options, maps and 32-byte accounts. Each method returns the encoded bytes,
/// so values are composed with collection expressions.
/// </summary>
public static class ScaleEncoder
{
    public static byte[] Bool(bool value) => [value ? (byte)1 : (byte)0];

    public static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] U128(BigInteger value)
    {
        if (value.Sign < 0 || value.GetByteCount(isUnsigned: true) > 16) throw new ArgumentOutOfRangeException(nameof(value), "not a u128");
        var bytes = new byte[16];
        value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return bytes;
    }

    /// <summary>Compact: one, two or four bytes with the mode in the low two bits, else a length byte and the minimal little-endian bytes.</summary>
    public static byte[] Compact(BigInteger value)
    {
        if (value.Sign < 0) throw new ArgumentOutOfRangeException(nameof(value), "compact integers are unsigned");
        if (value < 1 << 6) return [(byte)((int)value << 2)];
        if (value < 1 << 14)
        {
            var two = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)(((int)value << 2) | 1));
            return two;
        }
        if (value < 1 << 30)
        {
            var four = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(four, ((uint)value << 2) | 2);
            return four;
        }
        byte[] magnitude = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        return [(byte)(((magnitude.Length - 4) << 2) | 3), .. magnitude];
    }

    public static byte[] Vec(IEnumerable<byte[]> items)
    {
        var list = items.ToList();
        return [.. Compact(list.Count), .. list.SelectMany(item => item)];
    }

    public static byte[] Option(byte[]? inner) => inner is null ? [0] : [1, .. inner];

    /// <summary>A BTreeMap: entries in ascending order of their encoded keys, as Rust's BTreeMap iterates them.</summary>
    public static byte[] Map(IEnumerable<(byte[] Key, byte[] Value)> entries) =>
        Vec(entries.OrderBy(e => e.Key, ByteOrder.Instance).Select(e => (byte[])[.. e.Key, .. e.Value]));

    public static byte[] Text(string text) => [.. Compact(Encoding.UTF8.GetByteCount(text)), .. Encoding.UTF8.GetBytes(text)];

    /// <summary>An AccountId32 or H256: the 32 bytes as they are.</summary>
    public static byte[] Bytes32(byte[] value) => value.Length == 32 ? value : throw new ArgumentException($"expected 32 bytes, got {value.Length}");

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}

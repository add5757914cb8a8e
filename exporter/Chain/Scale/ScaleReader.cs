using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace XxExporter.Chain.Scale;

/// <summary>
/// Thrown for bytes that do not decode as the type says (truncated, bad tags, bad lengths), or a runtime that lacks
/// what is read: a fault of what the node sent, like a <c>ChainNodeFault</c>, never a bug of the exporter.
/// </summary>
public sealed class ScaleDecodeException(string message) : Exception(message);

/// <summary>
/// Reads SCALE (Parity's Simple Concatenated Aggregate Little-Endian) primitives from a byte buffer.
/// Every read checks bounds; lengths are checked against the bytes left, so hostile input cannot make it allocate.
/// </summary>
public ref struct ScaleReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Position => _position;
    public readonly int Remaining => _data.Length - _position;

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining) throw new ScaleDecodeException($"needs {count} bytes at {_position}, {Remaining} left");
        var bytes = _data.Slice(_position, count);
        _position += count;
        return bytes;
    }

    public byte ReadByte() => ReadBytes(1)[0];
    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var other => throw new ScaleDecodeException($"bool byte {other} at {_position - 1}"),
    };
    public ushort ReadU16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2));
    public uint ReadU32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));
    public ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    /// <summary>An unsigned little-endian integer of <paramref name="bytes"/> bytes (u128, u256).</summary>
    public BigInteger ReadUnsigned(int bytes) => new(ReadBytes(bytes), isUnsigned: true, isBigEndian: false);

    public BigInteger ReadSigned(int bytes) => new(ReadBytes(bytes), isUnsigned: false, isBigEndian: false);

    /// <summary>Compact (variable-length) unsigned integer.</summary>
    public BigInteger ReadCompact()
    {
        byte first = ReadByte();
        switch (first & 3)
        {
            case 0: return first >> 2;
            case 1: return (first | (uint)ReadByte() << 8) >> 2;
            case 2:
                var rest = ReadBytes(3);
                return (first | (uint)rest[0] << 8 | (uint)rest[1] << 16 | (uint)rest[2] << 24) >> 2;
            default:
                int length = (first >> 2) + 4;
                return new BigInteger(ReadBytes(length), isUnsigned: true, isBigEndian: false);
        }
    }

    /// <summary>A compact length or index, checked to fit an int.</summary>
    public int ReadCompactInt()
    {
        var value = ReadCompact();
        if (value > int.MaxValue) throw new ScaleDecodeException($"compact {value} too large at {_position}");
        return (int)value;
    }

    /// <summary>A length prefix for items of at least <paramref name="minItemBytes"/> bytes each, checked against what is left.</summary>
    public int ReadLength(int minItemBytes = 1)
    {
        int length = ReadCompactInt();
        if ((long)length * Math.Max(minItemBytes, 0) > Remaining)
            throw new ScaleDecodeException($"length {length} exceeds the {Remaining} bytes left at {_position}");
        return length;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes(ReadLength()));

    public List<T> ReadVector<T>(ScaleRead<T> read)
    {
        int count = ReadLength(0);
        var items = new List<T>(Math.Min(count, Remaining));
        for (int i = 0; i < count; i++) items.Add(read(ref this));
        return items;
    }
}

public delegate T ScaleRead<T>(ref ScaleReader reader);

using System.Buffers.Binary;
using System.Numerics;

namespace XxExporter.Binaries;

/// <summary>
/// BLAKE2s with a 32-byte digest, no key and no salt (RFC 7693), fed in pieces: the hash the xx wrapper computes over
/// a whole binary (Python's <c>hashlib.blake2s(bytes).hexdigest()</c>) and compares with the one on chain
/// (docs/xx-node-facts.md, "Binaries behind the chain"). .NET has no BLAKE2s, and the Blake2 package in use has only BLAKE2b.
/// </summary>
public sealed class Blake2s
{
    public const int DigestBytes = 32;
    private const int BlockBytes = 64;

    private static readonly uint[] Iv =
        [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

    private static readonly byte[][] Sigma =
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ];

    private readonly uint[] _h = (uint[])Iv.Clone();
    private readonly uint[] _v = new uint[16];
    private readonly uint[] _m = new uint[16];
    private readonly byte[] _buffer = new byte[BlockBytes];
    private int _buffered;
    private ulong _counter;

    public Blake2s() => _h[0] ^= 0x01010000u ^ DigestBytes; // parameter block: digest length, no key, fanout and depth 1

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var blake = new Blake2s();
        blake.Append(data);
        return blake.Finish();
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            // The last block is compressed by Finish with the final flag, so a full buffer waits until more comes.
            if (_buffered == BlockBytes)
            {
                _counter += BlockBytes;
                Compress(_buffer, last: false);
                _buffered = 0;
            }
            int take = Math.Min(BlockBytes - _buffered, data.Length);
            data[..take].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += take;
            data = data[take..];
        }
    }

    public byte[] Finish()
    {
        _counter += (ulong)_buffered;
        _buffer.AsSpan(_buffered).Clear();
        Compress(_buffer, last: true);
        var digest = new byte[DigestBytes];
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(i * 4), _h[i]);
        return digest;
    }

    private void Compress(ReadOnlySpan<byte> block, bool last)
    {
        for (int i = 0; i < 16; i++) _m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        _h.CopyTo(_v, 0);
        Iv.CopyTo(_v, 8);
        _v[12] ^= (uint)_counter;
        _v[13] ^= (uint)(_counter >> 32);
        if (last) _v[14] = ~_v[14];
        foreach (var s in Sigma)
        {
            Mix(0, 4, 8, 12, _m[s[0]], _m[s[1]]);
            Mix(1, 5, 9, 13, _m[s[2]], _m[s[3]]);
            Mix(2, 6, 10, 14, _m[s[4]], _m[s[5]]);
            Mix(3, 7, 11, 15, _m[s[6]], _m[s[7]]);
            Mix(0, 5, 10, 15, _m[s[8]], _m[s[9]]);
            Mix(1, 6, 11, 12, _m[s[10]], _m[s[11]]);
            Mix(2, 7, 8, 13, _m[s[12]], _m[s[13]]);
            Mix(3, 4, 9, 14, _m[s[14]], _m[s[15]]);
        }
        for (int i = 0; i < 8; i++) _h[i] ^= _v[i] ^ _v[i + 8];
    }

    private void Mix(int a, int b, int c, int d, uint x, uint y)
    {
        var v = _v;
        v[a] = v[a] + v[b] + x;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 16);
        v[c] = v[c] + v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 12);
        v[a] = v[a] + v[b] + y;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 8);
        v[c] = v[c] + v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 7);
    }
}

using System.Buffers;

namespace XxExporter.Chain.Rpc;

/// <summary>
/// One message, read whole: into 64 KiB rented from the shared pool (given back when disposed), which is enough
/// for all but the metadata. A larger message grows by doubling, up to <see cref="RpcBounds.MaxMessageBytes"/>, in
/// arrays of its own: pooled, they would be kept for good (one per thread that ever received one), so they are left to the GC.
/// </summary>
internal sealed class RpcMessageBuffer : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 << 10);
    private bool _rented = true;
    private int _length;

    public ReadOnlyMemory<byte> Bytes => _buffer.AsMemory(0, _length);

    /// <summary>Room for the next bytes; a message that fills the bound and goes on is refused.</summary>
    public Memory<byte> Free()
    {
        int capacity = Math.Min(_buffer.Length, RpcBounds.MaxMessageBytes);
        if (_length == capacity)
        {
            if (capacity == RpcBounds.MaxMessageBytes) throw new OverBoundException($"a message of more than {RpcBounds.MaxMessageBytes} bytes");
            var larger = GC.AllocateUninitializedArray<byte>(Math.Min(capacity * 2, RpcBounds.MaxMessageBytes));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            Dispose();
            _buffer = larger;
            capacity = Math.Min(_buffer.Length, RpcBounds.MaxMessageBytes);
        }
        return _buffer.AsMemory(_length, capacity - _length);
    }

    public void Advance(int count) => _length += count;

    public void Dispose()
    {
        if (_rented) ArrayPool<byte>.Shared.Return(_buffer);
        _rented = false;
    }
}

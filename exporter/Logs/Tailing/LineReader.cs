namespace XxExporter.Logs.Tailing;

/// <summary>Receives the complete lines a <see cref="LineReader"/> cuts out of a byte stream.</summary>
public interface ILineSink
{
    /// <summary>One line without its newline (and without a trailing CR). Valid only during the call.</summary>
    void OnLine(ReadOnlySpan<byte> line);

    /// <summary>A line longer than the cap went by; its bytes were dropped.</summary>
    void OnOversizedLine();
}

/// <summary>
/// Cuts a byte stream into lines in place, in one reusable buffer. A partial last line waits for its
/// newline; a line longer than <c>maxLineBytes</c> is dropped as it streams by, so memory stays bounded by
/// <c>maxLineBytes + readSize</c> whatever the input. Bytes are never decoded here: invalid UTF-8 and NUL
/// bytes pass through untouched.
/// </summary>
public sealed class LineReader
{
    private readonly int _maxLineBytes;
    private readonly int _readSize;
    private byte[] _buffer;
    private int _start;          // first byte of the pending (incomplete) line
    private int _scan;           // where the search for the next newline goes on (no newline in _start.._scan)
    private int _end;            // end of valid data
    private bool _discarding;    // inside an oversized line, dropping bytes until its newline
    private long _discardedBytes;

    public LineReader(int maxLineBytes, int readSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readSize, 1);
        _maxLineBytes = maxLineBytes;
        _readSize = readSize;
        _buffer = new byte[Math.Min(readSize * 2L, MaxCapacity)];
    }

    private int MaxCapacity => _maxLineBytes + _readSize + 1;

    /// <summary>Bytes read but not yet handed out as a line (the partial last line).</summary>
    public long PendingBytes => _end - _start + _discardedBytes;

    /// <summary>Space to read the next chunk into; pass the count read to <see cref="Commit"/>.</summary>
    public Span<byte> GetReadBuffer()
    {
        if (_buffer.Length - _end < _readSize)
        {
            int pending = _end - _start;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
                _scan -= _start;
                _start = 0;
                _end = pending;
            }
            if (_buffer.Length - _end < _readSize)
            {
                var grown = new byte[Math.Min(Math.Max(_buffer.Length * 2L, (long)_end + _readSize), MaxCapacity)];
                Buffer.BlockCopy(_buffer, 0, grown, 0, _end);
                _buffer = grown;
            }
        }
        return _buffer.AsSpan(_end, Math.Min(_readSize, _buffer.Length - _end));
    }

    public void Commit(int count, ILineSink sink)
    {
        _end += count;
        CutLines(sink);
        if (_discarding)
        {
            _discardedBytes += _end - _start;
            _start = _scan = _end = 0;
        }
        else if (_end - _start > _maxLineBytes)
        {
            _discarding = true;
            _discardedBytes = _end - _start;
            _start = _scan = _end = 0;
        }
    }

    /// <summary>Hands out every complete line between <c>_scan</c> and <c>_end</c>.</summary>
    private void CutLines(ILineSink sink)
    {
        while (true)
        {
            int found = _buffer.AsSpan(_scan, _end - _scan).IndexOf((byte)'\n');
            if (found < 0) break;
            int lineStart = _start, newline = _scan + found;
            // Past the line before handing it out: should the sink throw, that line is lost once and the lines
            // after it are still cut on the next commit, never replayed or glued together.
            _start = _scan = newline + 1;
            EmitLine(_buffer.AsSpan(lineStart, newline - lineStart), sink);
        }
        _scan = _end;
    }

    /// <summary>The stream ended for good (rotation, truncation): hand out the partial line as complete.</summary>
    public void FlushPartial(ILineSink sink)
    {
        CutLines(sink); // complete lines a failing sink left behind come out one by one first
        int start = _start, end = _end;
        _start = _scan = _end = 0;
        if (_discarding || end > start) EmitLine(_buffer.AsSpan(start, end - start), sink);
    }

    private void EmitLine(ReadOnlySpan<byte> line, ILineSink sink)
    {
        if (_discarding)
        {
            _discarding = false;
            _discardedBytes = 0;
            sink.OnOversizedLine();
            return;
        }
        if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
        if (line.Length > _maxLineBytes) sink.OnOversizedLine();
        else sink.OnLine(line);
    }
}

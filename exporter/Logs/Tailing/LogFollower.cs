using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using XxExporter.Files;

namespace XxExporter.Logs.Tailing;

/// <summary>How a <see cref="LogFollower"/> reads.</summary>
/// <param name="StartAtEnd">A file that exists when following starts is read from its end (new lines only).</param>
/// <param name="MaxLineBytes">Longer lines are skipped and counted.</param>
/// <param name="ReadSize">Bytes asked for per read.</param>
public sealed record FollowerOptions(bool StartAtEnd, int MaxLineBytes, int ReadSize = 64 * 1024);

/// <summary>
/// Follows one log file by name. Each <see cref="Poll"/> reads what was appended, then looks at the path:
/// a different file there (rename rotation, delete and re-create) means drain the old file and read the new
/// one from its start; the same file grown shorter than the read offset, or with different first bytes,
/// means it was truncated in place (copy-truncate, the wrapper's <c>open(path, "w+")</c>) and is read again
/// from its start. A renamed-away file is followed until a new one appears at the path, so lines the writer
/// still appends to it are not lost; a deleted one is drained and closed so its disk space can be freed.
/// </summary>
public sealed class LogFollower : IDisposable
{
    private const int HeadBytes = 64;

    private readonly string _path;
    private readonly LogPipeline _pipeline;
    private readonly LogSeries _series;
    private readonly FollowerOptions _options;
    private readonly ILogger _logger;
    private readonly LineReader _reader;
    private SavedPosition? _resume;
    private bool _atStartup = true;
    private SafeFileHandle? _handle;
    private FileIdentity _identity;
    private long _offset;
    private byte[] _head = [];
    private string? _lastError;
    private bool _deleted; // the followed file was deleted and closed; the next one at the path is a rotation

    public LogFollower(string path, LogPipeline pipeline, LogSeries series, FollowerOptions options, ILogger logger, SavedPosition? resume = null)
    {
        _path = path;
        _pipeline = pipeline;
        _series = series;
        _options = options;
        _logger = logger;
        _resume = resume;
        _reader = new LineReader(options.MaxLineBytes, options.ReadSize);
    }

    /// <summary>Where to resume after a restart: after the last complete line read; null while no file is open.</summary>
    public SavedPosition? Position =>
        _handle is null ? null : new SavedPosition(_identity.Device, _identity.Inode, _offset - _reader.PendingBytes, _head);

    /// <summary>Reads everything new. Returns false if the file could not be read (logged once per distinct error).</summary>
    public bool Poll()
    {
        try
        {
            PollCore();
            _series.FileReadable.Set(1);
            if (_lastError is not null) _logger.LogInformation("Reading {Path} again", _path);
            _lastError = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (ex.Message != _lastError) _logger.LogWarning("Cannot read {Path}: {Error}", _path, ex.Message);
            _lastError = ex.Message;
            _series.FileReadable.Set(0);
            _series.FilePresent.Set(FileStat.MayExist(_path) ? 1 : 0); // there but unreadable (permissions) still counts as present
            return false; // the handle (if any) stays: the next poll retries at the same offset
        }
        finally
        {
            _atStartup = false;
            _pipeline.Publish();
        }
    }

    private void PollCore()
    {
        if (_handle is null && !TryOpen())
        {
            _series.FilePresent.Set(0);
            return;
        }
        // Checked before reading on: past the old offset, a file rewritten in place holds the middle of its new content.
        if (RandomAccess.GetLength(_handle!) < _offset || !HeadUnchanged())
        {
            _logger.LogInformation("{Path} was truncated; reading it again from its start", _path);
            _series.Truncations.Inc();
            _reader.FlushPartial(_pipeline);
            _offset = 0;
            _head = [];
        }
        ReadAvailable();
        if (!FileStat.TryStat(_path, out var atPath))
        {
            _series.FilePresent.Set(0);
            if (FileStat.FStat(_handle!).Links == 0)
            {
                _logger.LogInformation("{Path} was deleted; waiting for it to be created again", _path);
                EndOfFile();
                _deleted = true;
            }
            return;
        }
        _series.FilePresent.Set(1);
        if (atPath != _identity)
        {
            ReadAvailable(); // lines the writer appended to the old file before it moved to the new one
            _logger.LogInformation("{Path} was rotated; reading the new file from its start", _path);
            _series.Rotations.Inc();
            EndOfFile();
            if (TryOpen()) ReadAvailable();
            return;
        }
        _series.FileSize.Set(RandomAccess.GetLength(_handle!));
    }

    private bool TryOpen()
    {
        SafeFileHandle handle;
        try
        {
            handle = FileStat.OpenRegular(_path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            if (_atStartup) _logger.LogDebug("{Path} does not exist yet; waiting for it", _path);   // the start-up report lists it
            return false;
        }
        _handle = handle;
        if (_deleted) _series.Rotations.Inc();
        _deleted = false;
        _identity = FileStat.FStat(handle).Identity;
        long length = RandomAccess.GetLength(handle);
        _offset = 0;
        _head = [];
        if (_atStartup)
        {
            if (_resume is { } saved)
            {
                // A file that no longer fits the saved position was written since it was saved: all of it is new.
                if (saved.Identity == _identity && saved.Offset <= length && HeadEquals(saved.Head))
                {
                    _offset = saved.Offset;
                    _head = saved.Head;
                    _logger.LogInformation("Resuming {Path} at byte {Offset}", _path, _offset);
                }
            }
            else if (_options.StartAtEnd)
            {
                _offset = length;
            }
        }
        _resume = null;
        _series.FilePresent.Set(1);
        return true;
    }

    private void ReadAvailable()
    {
        long total = 0;
        while (true)
        {
            int read = RandomAccess.Read(_handle!, _reader.GetReadBuffer(), _offset);
            if (read <= 0) break;
            _offset += read;
            total += read;
            _reader.Commit(read, _pipeline);
        }
        if (total > 0) _series.BytesRead.Inc(total);
        if (_head.Length < HeadBytes && _offset > _head.Length) _head = ReadHead((int)Math.Min(HeadBytes, _offset));
    }

    /// <summary>The file will not grow any more: its partial last line is complete, and the handle goes.</summary>
    private void EndOfFile()
    {
        _reader.FlushPartial(_pipeline);
        Close();
    }

    private bool HeadUnchanged() => _head.Length == 0 || HeadEquals(_head);

    private bool HeadEquals(byte[] expected)
    {
        Span<byte> head = stackalloc byte[HeadBytes];
        head = head[..Math.Min(expected.Length, HeadBytes)];
        return RandomAccess.Read(_handle!, head, 0) == expected.Length && head.SequenceEqual(expected);
    }

    private byte[] ReadHead(int count)
    {
        var head = new byte[count];
        int read = RandomAccess.Read(_handle!, head, 0);
        return read == count ? head : head[..read];
    }

    private void Close()
    {
        _handle?.Dispose();
        _handle = null;
    }

    /// <summary>For a one-shot read: the file is complete as it is, so its last line counts even without a newline.</summary>
    public void Finish()
    {
        _reader.FlushPartial(_pipeline);
        _pipeline.Publish();
    }

    public void Dispose() => Close();
}

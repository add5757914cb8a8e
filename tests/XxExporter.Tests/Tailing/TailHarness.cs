using System.Buffers.Text;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using XxExporter.Logs;
using XxExporter.Logs.Grammar;
using XxExporter.Logs.Rules;
using XxExporter.Logs.Tailing;

namespace XxExporter.Tests.Tailing;

/// <summary>Go-grammar log lines whose message ends in a unique number, so every record can be told apart.</summary>
internal static class LogLines
{
    public const string Prefix = "INFO 2023/07/26 14:07:52 ";

    public static string Line(int n) => $"{Prefix}message {n}\n";

    public static string Range(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(Line));

    /// <summary>from..to as the record numbers a test expects to have been seen.</summary>
    public static int[] Numbers(int from, int to) => Enumerable.Range(from, to - from + 1).ToArray();
}

/// <summary>Runs the real cMix rules and remembers the number ending each record's message, in order.</summary>
internal sealed class RecordingRules(ILogRules inner) : ILogRules
{
    private readonly List<int> _seen = [];

    /// <summary>Record numbers in the order read; -1 for a record whose message does not end in a number.</summary>
    public int[] Seen => _seen.ToArray();

    public void OnRecord(in LogRecord record)
    {
        var message = record.Message;
        var last = message[(message.LastIndexOf((byte)' ') + 1)..];
        int number = Utf8Parser.TryParse(last, out int n, out int consumed) && consumed == last.Length ? n : -1;
        _seen.Add(number);
        inner.OnRecord(record);
    }

    public void OnContinuation(ReadOnlySpan<byte> line) => inner.OnContinuation(line);
}

/// <summary>
/// One test's log: cmix.log in a fresh temporary directory (deleted afterwards), metrics in a registry of its
/// own, and followers that share one pipeline so counts carry over a simulated restart.
/// </summary>
internal sealed class TailHarness : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public TailHarness()
    {
        Dir = Directory.CreateTempSubdirectory("xx-tail-").FullName;
        LogPath = Path.Combine(Dir, "cmix.log");
        Factory = Metrics.WithCustomRegistry(Metrics.NewCustomRegistry());
        Series = new LogMetrics(Factory).For(LogKind.Cmix);
        Rules = new RecordingRules(new CmixRules(Factory));
        Pipeline = new LogPipeline(LogKind.Cmix, Series, Rules, new LocalTimeConverter(TimeZoneInfo.Utc));
    }

    public string Dir { get; }
    public string LogPath { get; }
    public IMetricFactory Factory { get; }
    public LogSeries Series { get; }
    public RecordingRules Rules { get; }
    public LogPipeline Pipeline { get; }

    public double InfoRecords => Series.RecordsByLevel[(int)RecordLevel.Info]!.Value;

    public LogFollower Follow(bool startAtEnd, int maxLineBytes = 16 * 1024, int readSize = 64 * 1024, SavedPosition? resume = null) =>
        Own(new LogFollower(LogPath, Pipeline, Series, new FollowerOptions(startAtEnd, maxLineBytes, readSize), NullLogger.Instance, resume));

    public LogWriter Writer(WriterMode mode) => Own(LogWriter.Create(mode, LogPath));

    /// <summary>Appends with a handle of its own, for text not written by the test's writer.</summary>
    public void Append(string text) => File.AppendAllText(LogPath, text);

    /// <summary>Renames the log away as logrotate does and tells the writer, which keeps writing to it until it reopens.</summary>
    public void RenameAway(LogWriter writer)
    {
        string rotated = LogPath + ".1";
        File.Move(LogPath, rotated);
        writer.Moved(rotated);
    }

    /// <summary>logrotate's copytruncate: copy the log, then cut the original (same inode) to nothing.</summary>
    public void CopyTruncate()
    {
        File.Copy(LogPath, LogPath + ".1");
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.SetLength(0);
    }

    /// <summary>Exactly these records were read, each once and in this order, and counted in the metrics.</summary>
    public void AssertRecords(IEnumerable<int> expected)
    {
        int[] numbers = expected.ToArray();
        Assert.Equal(numbers, Rules.Seen);
        Assert.Equal(numbers.Length, InfoRecords);
        Assert.Equal(0, Series.ContinuationLines.Value);
    }

    /// <summary>Files in the temporary directory that this process still holds open after they were deleted.</summary>
    public string[] DeletedFilesHeldOpen() =>
        new DirectoryInfo("/proc/self/fd").GetFileSystemInfos()
            .Select(fd => fd.LinkTarget)
            .OfType<string>()
            .Where(target => target.StartsWith(Dir, StringComparison.Ordinal) && target.EndsWith(" (deleted)", StringComparison.Ordinal))
            .ToArray();

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}

/// <summary>How the program writing the log handles its file.</summary>
public enum WriterMode
{
    /// <summary>One handle kept open, every write at the end of the file (O_APPEND: Go's os.OpenFile, Python's "a").</summary>
    KeepsOpen,

    /// <summary>
    /// One handle kept open, writing at its own offset as .NET's FileMode.Append does (it seeks to the end once,
    /// without O_APPEND): after a copy-truncate its next write leaves a hole of NUL bytes before it.
    /// </summary>
    KeepsOpenOwnOffset,

    /// <summary>Opens the file, appends and closes it again for every write.</summary>
    ReopensPerWrite,
}

/// <summary>The program writing the log. Every write is flushed before the call returns.</summary>
internal abstract class LogWriter(string path) : IDisposable
{
    protected string LogPath { get; } = path;

    public static LogWriter Create(WriterMode mode, string path) => mode switch
    {
        WriterMode.KeepsOpen => new KeepsOpenWriter(path, seekToEndOnWrite: true),
        WriterMode.KeepsOpenOwnOffset => new KeepsOpenWriter(path, seekToEndOnWrite: false),
        WriterMode.ReopensPerWrite => new ReopeningWriter(path),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public void Write(int from, int to) => Write(LogLines.Range(from, to));

    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    public abstract void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Its file was renamed: it goes on writing there until <see cref="Reopen"/>.</summary>
    public abstract void Moved(string newPath);

    /// <summary>Switches to the file at the log path, creating it right away (logrotate's postrotate signal).</summary>
    public abstract void Reopen();

    /// <summary>Empties its file in place and writes on from its start: the wrapper's <c>open(path, "w+")</c>.</summary>
    public abstract void TruncateInPlace();

    public abstract void Dispose();

    protected static FileStream Open(string path, FileMode mode) =>
        new(path, mode, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
}

internal sealed class KeepsOpenWriter : LogWriter
{
    private readonly bool _seekToEndOnWrite;
    private FileStream _stream;

    public KeepsOpenWriter(string path, bool seekToEndOnWrite) : base(path)
    {
        _seekToEndOnWrite = seekToEndOnWrite;
        _stream = OpenAtEnd();
    }

    public override void Write(ReadOnlySpan<byte> bytes)
    {
        if (_seekToEndOnWrite) _stream.Seek(0, SeekOrigin.End); // what O_APPEND does; FileStream cannot set it
        _stream.Write(bytes);
        _stream.Flush();
    }

    public override void Moved(string newPath) { } // the open handle follows the file

    public override void Reopen()
    {
        _stream.Dispose();
        _stream = OpenAtEnd();
    }

    public override void TruncateInPlace()
    {
        _stream.Dispose();
        _stream = Open(LogPath, FileMode.Create);
    }

    public override void Dispose() => _stream.Dispose();

    // Not FileMode.Append: it would refuse the seek back to the end of a file cut shorter than where it opened.
    private FileStream OpenAtEnd()
    {
        var stream = Open(LogPath, FileMode.OpenOrCreate);
        stream.Seek(0, SeekOrigin.End);
        return stream;
    }
}

/// <summary>Writes by the name it has for its file: the new name after a rename, the log path again after a delete.</summary>
internal sealed class ReopeningWriter(string path) : LogWriter(path)
{
    private string _target = path;

    public override void Write(ReadOnlySpan<byte> bytes)
    {
        using var stream = Open(_target, FileMode.Append);
        stream.Write(bytes);
    }

    public override void Moved(string newPath) => _target = newPath;

    public override void Reopen()
    {
        _target = LogPath;
        Open(LogPath, FileMode.Append).Dispose();
    }

    public override void TruncateInPlace()
    {
        _target = LogPath;
        Open(LogPath, FileMode.Create).Dispose();
    }

    public override void Dispose() { }
}

using System.Text;

namespace XxSimulator.Logs;

/// <summary>Writes records of one log file in its real grammar and keeps the ground truth of what it wrote.</summary>
internal sealed class LogWriter(string path, FileMode mode, string log, bool python, GroundTruth truth) : IDisposable
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private BufferedStream _out = Open(path, mode);

    public string Log { get; } = log;

    /// <summary>A record header line; <paramref name="level"/> as the program prints it (INFO, WARN, WARNING...).</summary>
    public void Record(DateTime time, string level, string message) => Record(time, level, Encoding.UTF8.GetBytes(message));

    public void Record(DateTime time, string level, ReadOnlySpan<byte> message)
    {
        string prefix = python
            ? $"[{level}] {time.Day:D2}-{Months[time.Month - 1]}-{time.Year % 100:D2} {time:HH:mm:ss}: "
            : $"{level} {time:yyyy/MM/dd HH:mm:ss} ";
        WriteLine(Encoding.ASCII.GetBytes(prefix), message);
        GroundTruth.Add(truth.Records, (Log, level == "WARNING" ? "warn" : level.ToLowerInvariant()));
    }

    /// <summary>An unprefixed line that belongs to the record before it.</summary>
    public void Continuation(string line)
    {
        WriteLine(Encoding.UTF8.GetBytes(line), default);
        GroundTruth.Add(truth.ContinuationLines, Log);
    }

    /// <summary>A line longer than the exporter's cap: dropped and counted as skipped.</summary>
    public void Oversized(int length, byte fill)
    {
        var line = new byte[length];
        line.AsSpan().Fill(fill);
        WriteLine(line, default);
        GroundTruth.Add(truth.OversizedLines, Log);
    }

    private void WriteLine(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        _out.Write(first);
        _out.Write(second);
        _out.WriteByte((byte)'\n');
        truth.Bytes += first.Length + second.Length + 1;
        GroundTruth.Add(truth.Lines, Log);
    }

    /// <summary>
    /// Once the file holds more than <paramref name="maxBytes"/>, renames it to <c>.1</c> (replacing the previous
    /// one) and goes on in a new file, as logrotate does for the xx services: a long-running simulation stays small.
    /// </summary>
    public void RotateIfLargerThan(long maxBytes)
    {
        _out.Flush();
        if (_out.Length <= maxBytes) return;
        _out.Dispose();
        File.Move(path, path + ".1", overwrite: true);
        _out = Open(path, FileMode.Append);
    }

    public void Dispose() => _out.Dispose();

    private static BufferedStream Open(string path, FileMode mode) =>
        new(new FileStream(path, mode, FileAccess.Write, FileShare.Read | FileShare.Delete), 1 << 16);
}

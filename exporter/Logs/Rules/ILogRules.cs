using XxExporter.Logs.Grammar;

namespace XxExporter.Logs.Rules;

/// <summary>A record as the rules see it: its header; continuation lines arrive separately.</summary>
public readonly ref struct LogRecord(RecordLevel level, long unixSeconds, ReadOnlySpan<byte> message)
{
    public RecordLevel Level { get; } = level;

    /// <summary>The record's own time in Unix seconds, or -1 when its stamp is not a real date.</summary>
    public long UnixSeconds { get; } = unixSeconds;

    public ReadOnlySpan<byte> Message { get; } = message;
}

/// <summary>What one kind of log means: turns records into the metrics of that program.</summary>
public interface ILogRules
{
    void OnRecord(in LogRecord record);

    /// <summary>An unprefixed line belonging to the record before it (or to none, right after start).</summary>
    void OnContinuation(ReadOnlySpan<byte> line);
}

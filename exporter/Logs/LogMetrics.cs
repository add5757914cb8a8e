using Prometheus;
using XxExporter.Logs.Grammar;

namespace XxExporter.Logs;

/// <summary>Why a line was not counted as (part of) a record.</summary>
public enum SkipReason { OversizedLine, BadTimestamp, OrphanLine }

/// <summary>The per-log metric families (label <c>log</c>), shared by the four logs.</summary>
public sealed class LogMetrics(IMetricFactory factory)
{
    private static readonly string[] SkipReasonLabels = ["oversized_line", "bad_timestamp", "orphan_line"];

    private readonly Counter _records = factory.CreateCounter("xx_log_records_total",
        "Log records read, by level (a record is a prefixed line plus the unprefixed lines after it).", ["log", "level"]);
    private readonly Gauge _lastRecord = factory.CreateGauge("xx_log_last_record_timestamp_seconds",
        "Time written in the newest record read, as Unix seconds (the log's local time read in the configured zone).", ["log"]);
    private readonly Gauge _present = factory.CreateGauge("xx_log_file_present",
        "1 if the log file exists at its configured path, else 0 (waiting for it).", ["log"]);
    private readonly Gauge _size = factory.CreateGauge("xx_log_file_size_bytes",
        "Size of the followed log file at the last poll.", ["log"]);
    private readonly Counter _lines = factory.CreateCounter("xx_log_lines_total",
        "Lines read, including continuation and skipped lines.", ["log"]);
    private readonly Counter _continuations = factory.CreateCounter("xx_log_continuation_lines_total",
        "Unprefixed lines (stack traces, tab-continued messages, tracebacks) attached to the record before them.", ["log"]);
    private readonly Counter _bytes = factory.CreateCounter("xx_log_read_bytes_total",
        "Bytes read from the log file.", ["log"]);
    private readonly Counter _rotations = factory.CreateCounter("xx_log_rotations_total",
        "Times the path was found to name a new file (rename rotation, delete and re-create).", ["log"]);
    private readonly Counter _truncations = factory.CreateCounter("xx_log_truncations_total",
        "Times the file was found truncated in place (copy-truncate rotation, the wrapper's size limit).", ["log"]);
    private readonly Counter _skipped = factory.CreateCounter("xx_log_skipped_total",
        "Lines or record parts skipped, by reason: oversized_line (over the line cap), bad_timestamp (impossible date; the record still counts), orphan_line (unprefixed line with no record before it).",
        ["log", "reason"]);

    public LogSeries For(LogKind kind)
    {
        string log = kind.Label();
        var records = new Counter.Child?[RecordLevels.Count];
        foreach (var level in kind.Grammar() == LogGrammar.GoJww ? RecordLevels.GoJww : RecordLevels.PythonLogging)
            records[(int)level] = _records.WithLabels(log, level.Label());
        var skipped = new Counter.Child[SkipReasonLabels.Length];
        for (int i = 0; i < skipped.Length; i++) skipped[i] = _skipped.WithLabels(log, SkipReasonLabels[i]);
        return new LogSeries(records, _lastRecord.WithLabels(log), _present.WithLabels(log), _size.WithLabels(log),
            _lines.WithLabels(log), _continuations.WithLabels(log), _bytes.WithLabels(log), _rotations.WithLabels(log),
            _truncations.WithLabels(log), skipped);
    }
}

/// <summary>One log's children of the <see cref="LogMetrics"/> families, resolved once.</summary>
public sealed record LogSeries(
    Counter.Child?[] RecordsByLevel,
    Gauge.Child LastRecordTimestamp,
    Gauge.Child FilePresent,
    Gauge.Child FileSize,
    Counter.Child Lines,
    Counter.Child ContinuationLines,
    Counter.Child BytesRead,
    Counter.Child Rotations,
    Counter.Child Truncations,
    Counter.Child[] SkippedByReason)
{
    public Counter.Child Skipped(SkipReason reason) => SkippedByReason[(int)reason];
}

using Prometheus;
using XxExporter.Logs.Grammar;
using XxExporter.Telemetry;

namespace XxExporter.Logs;

/// <summary>Why a line was not counted as (part of) a record.</summary>
public enum SkipReason { OversizedLine, BadTimestamp, OrphanLine }

/// <summary>The per-log metric families (label <c>log</c>), shared by the four logs; every series exists from the start.</summary>
public sealed class LogMetrics(IMetricFactory factory)
{
    private static readonly LabelTable<SkipReason> SkipReasons = new(
        new(SkipReason.OversizedLine, "oversized_line", "over the line cap"),
        new(SkipReason.BadTimestamp, "bad_timestamp", "impossible date; the record still counts"),
        new(SkipReason.OrphanLine, "orphan_line", "unprefixed line with no record before it"));

    private readonly Counter _records = Families.Counter(factory, "xx_log_records_total",
        "Log records read, by level (a record is a prefixed line plus the unprefixed lines after it).", "log", "level");
    private readonly Gauge _lastRecord = Families.Gauge(factory, "xx_log_last_record_timestamp_seconds",
        "Time written in the newest record read, as Unix seconds (the log's local time read in the configured zone).", "log");
    private readonly Gauge _present = Families.Gauge(factory, "xx_log_file_present",
        "1 if the log file exists at its configured path, else 0 (waiting for it).", "log");
    private readonly Gauge _readable = Families.Gauge(factory, "xx_log_file_readable",
        "0 if the last poll could not read the log file (or look into its folder): permissions, most often, and the exporter's log names the cause; else 1, also while there is no file.", "log");
    private readonly Gauge _size = Families.Gauge(factory, "xx_log_file_size_bytes",
        "Size of the followed log file at the last poll.", "log");
    private readonly Counter _lines = Families.Counter(factory, "xx_log_lines_total",
        "Lines read, including continuation and skipped lines.", "log");
    private readonly Counter _continuations = Families.Counter(factory, "xx_log_continuation_lines_total",
        "Unprefixed lines (stack traces, tab-continued messages, tracebacks) attached to the record before them.", "log");
    private readonly Counter _bytes = Families.Counter(factory, "xx_log_read_bytes_total",
        "Bytes read from the log file.", "log");
    private readonly Counter _rotations = Families.Counter(factory, "xx_log_rotations_total",
        "Times the path was found to name a new file (rename rotation, delete and re-create).", "log");
    private readonly Counter _truncations = Families.Counter(factory, "xx_log_truncations_total",
        "Times the file was found truncated in place (copy-truncate rotation, the wrapper's size limit).", "log");
    private readonly Counter _skipped = Families.Counter(factory, "xx_log_skipped_total",
        $"Lines or record parts skipped, by reason: {SkipReasons.Describe()}.", "log", "reason");

    public LogSeries For(LogKind kind)
    {
        string log = kind.Label();
        var records = new Counter.Child?[RecordLevels.Count];
        foreach (var level in RecordLevels.WrittenIn(kind.Grammar()))
            records[(int)level] = _records.WithLabels(log, level.Label()).Published();
        return new LogSeries(records, _lastRecord.WithLabels(log).Published(), _present.WithLabels(log).Published(),
            Readable(_readable.WithLabels(log)),
            _size.WithLabels(log).Published(), _lines.WithLabels(log).Published(), _continuations.WithLabels(log).Published(),
            _bytes.WithLabels(log).Published(), _rotations.WithLabels(log).Published(), _truncations.WithLabels(log).Published(),
            SkipReasons.Children(_skipped, log));
    }

    /// <summary>Nothing was refused before the first poll.</summary>
    private static Gauge.Child Readable(Gauge.Child series)
    {
        series.Set(1);
        return series;
    }
}

/// <summary>One log's children of the <see cref="LogMetrics"/> families, resolved once.</summary>
public sealed record LogSeries(
    Counter.Child?[] RecordsByLevel,
    Gauge.Child LastRecordTimestamp,
    Gauge.Child FilePresent,
    Gauge.Child FileReadable,
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

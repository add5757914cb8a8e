using XxExporter.Logs.Grammar;
using XxExporter.Logs.Rules;
using XxExporter.Logs.Tailing;

namespace XxExporter.Logs;

/// <summary>
/// Lines to records to metrics for one log, with no I/O: recognises record headers, attaches unprefixed
/// lines to the record before them and hands both to the log's rules. Per-line tallies are kept in plain
/// fields and published by <see cref="Publish"/> after each read, so the per-line path touches no shared state.
/// </summary>
public sealed class LogPipeline : ILineSink
{
    private readonly LogGrammar _grammar;
    private readonly LogSeries _series;
    private readonly ILogRules _rules;
    private readonly LocalTimeConverter _clock;
    private readonly long[] _records = new long[RecordLevels.Count];
    private long _lines, _continuations, _oversized, _badTimestamps, _orphans;
    private long _lastRecordUnix = -1;
    private bool _inRecord;

    public LogPipeline(LogKind kind, LogSeries series, ILogRules rules, LocalTimeConverter clock)
    {
        _grammar = kind.Grammar();
        _series = series;
        _rules = rules;
        _clock = clock;
    }

    public void OnLine(ReadOnlySpan<byte> line)
    {
        _lines++;
        if (HeaderGrammars.TryParse(_grammar, line, out var header))
        {
            _inRecord = true;
            _records[(int)header.Level]++;
            if (_clock.TryToUnixSeconds(header.Stamp, out long unix)) _lastRecordUnix = unix;
            else { unix = -1; _badTimestamps++; }
            _rules.OnRecord(new LogRecord(header.Level, unix, header.Message));
        }
        else
        {
            _continuations++;
            if (!_inRecord) _orphans++;
            _rules.OnContinuation(line);
        }
    }

    public void OnOversizedLine()
    {
        _lines++;
        _oversized++;
    }

    /// <summary>Moves the tallies since the last call into the metrics.</summary>
    public void Publish()
    {
        for (int i = 0; i < _records.Length; i++)
        {
            if (_records[i] == 0) continue;
            // A level outside the grammar cannot be parsed, so its child always exists here.
            _series.RecordsByLevel[i]!.Inc(_records[i]);
            _records[i] = 0;
        }
        Drain(ref _lines, _series.Lines);
        Drain(ref _continuations, _series.ContinuationLines);
        Drain(ref _oversized, _series.Skipped(SkipReason.OversizedLine));
        Drain(ref _badTimestamps, _series.Skipped(SkipReason.BadTimestamp));
        Drain(ref _orphans, _series.Skipped(SkipReason.OrphanLine));
        if (_lastRecordUnix >= 0) _series.LastRecordTimestamp.Set(_lastRecordUnix);
    }

    private static void Drain(ref long tally, Prometheus.Counter.Child counter)
    {
        if (tally == 0) return;
        counter.Inc(tally);
        tally = 0;
    }
}

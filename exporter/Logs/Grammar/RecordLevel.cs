namespace XxExporter.Logs.Grammar;

/// <summary>
/// Severity of a log record. Go (jwalterweatherman) and Python logging share this scale;
/// Python's WARNING is folded into <see cref="Warn"/> so one label vocabulary serves every log.
/// </summary>
public enum RecordLevel : byte { Trace, Debug, Info, Warn, Error, Critical, Fatal }

public static class RecordLevels
{
    /// <summary>
    /// Each level, its <c>level</c> label, and whether jwalterweatherman (cmix.log, gateway.log) and Python logging
    /// (the wrapper logs) write it.
    /// </summary>
    private static readonly LevelRow[] Table =
    [
        new(RecordLevel.Trace, "trace", GoJww: true, PythonLogging: false),
        new(RecordLevel.Debug, "debug", GoJww: true, PythonLogging: true),
        new(RecordLevel.Info, "info", GoJww: true, PythonLogging: true),
        new(RecordLevel.Warn, "warn", GoJww: true, PythonLogging: true),
        new(RecordLevel.Error, "error", GoJww: true, PythonLogging: true),
        new(RecordLevel.Critical, "critical", GoJww: true, PythonLogging: true),
        new(RecordLevel.Fatal, "fatal", GoJww: true, PythonLogging: false),
    ];

    public static int Count => Table.Length;

    public static string Label(this RecordLevel level) =>
        (Array.Find(Table, row => row.Level == level) ?? throw new ArgumentOutOfRangeException(nameof(level))).Label;

    /// <summary>The levels a log in <paramref name="grammar"/> writes, lowest first.</summary>
    public static IEnumerable<RecordLevel> WrittenIn(LogGrammar grammar) =>
        Table.Where(row => grammar == LogGrammar.GoJww ? row.GoJww : row.PythonLogging).Select(row => row.Level);

    private sealed record LevelRow(RecordLevel Level, string Label, bool GoJww, bool PythonLogging);
}

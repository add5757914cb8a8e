namespace XxExporter.Logs.Grammar;

/// <summary>
/// Severity of a log record. Go (jwalterweatherman) and Python logging share this scale;
/// Python's WARNING is folded into <see cref="Warn"/> so one label vocabulary serves every log.
/// </summary>
public enum RecordLevel : byte { Trace, Debug, Info, Warn, Error, Critical, Fatal }

public static class RecordLevels
{
    public const int Count = 7;

    /// <summary>Levels jwalterweatherman writes (cmix.log, gateway.log).</summary>
    public static readonly RecordLevel[] GoJww =
        [RecordLevel.Trace, RecordLevel.Debug, RecordLevel.Info, RecordLevel.Warn, RecordLevel.Error, RecordLevel.Critical, RecordLevel.Fatal];

    /// <summary>Levels Python logging writes (the wrapper logs).</summary>
    public static readonly RecordLevel[] PythonLogging =
        [RecordLevel.Debug, RecordLevel.Info, RecordLevel.Warn, RecordLevel.Error, RecordLevel.Critical];

    public static string Label(this RecordLevel level) => level switch
    {
        RecordLevel.Trace => "trace",
        RecordLevel.Debug => "debug",
        RecordLevel.Info => "info",
        RecordLevel.Warn => "warn",
        RecordLevel.Error => "error",
        RecordLevel.Critical => "critical",
        RecordLevel.Fatal => "fatal",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };
}

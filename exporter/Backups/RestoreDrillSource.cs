using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Files;
using XxExporter.Settings;
using XxExporter.Telemetry;

namespace XxExporter.Backups;

/// <summary>
/// The restore drill's result file (deploy/restore-drill/xx-restore-drill, docs/backups.md): per database the last
/// drill's time, result and duration, and the backup it restored. The file is parsed again only when it changes
/// (<see cref="ParsedFile{T}"/>). No file is a host that runs no drill, told by one series, not as a failure; a file
/// that cannot be read or has lines that make no drill fails the collector, naming the line.
/// </summary>
public sealed class RestoreDrillSource : IScrapeSource, IStatusNote
{
    private const string RunbookPage = "docs/runbooks/XxRestoreDrillFailing.md";
    private readonly ParsedFile<RestoreDrillFile> _file;
    private readonly Gauge _present, _lastRun, _success, _duration, _backupTime, _backup;
    private IReadOnlyList<RestoreDrill> _failed = [];

    public static class Table
    {
        /// <summary>Where the shipped service (deploy/systemd/xx-restore-drill.service) has the script write it: its state directory.</summary>
        public static readonly Setting<string> ResultFile = new("restore-drill.result-file", "RestoreDrill:ResultFile", "/var/lib/xx-restore-drill/result",
            "The restore drill's result file (deploy/restore-drill/xx-restore-drill, docs/backups.md): the last drill of each database, its result, duration and restored backup; a missing file is a host that runs no drill (xx_restore_drill_result_file_present 0); empty: off.",
            Parsers.Text) { Kind = SettingKind.Path };
    }

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly SourceRegistration Registration = new("restore_drill",
        "The restore drill's result file (xx_restore_drill_*): whether the newest backups restore.",
        context => For(context.Settings.Get(Table.ResultFile), context.Factory), [Table.ResultFile]);

    /// <summary>The source, unless the setting turns it off.</summary>
    public static IEnumerable<IScrapeSource> For(string resultFile, IMetricFactory factory) =>
        resultFile.Length > 0 ? [new RestoreDrillSource(resultFile, factory)] : [];

    private RestoreDrillSource(string path, IMetricFactory factory)
    {
        _file = new(path, (content, _) => RestoreDrillResult.Parse(content));
        _present = Families.Gauge(factory, "xx_restore_drill_result_file_present",
            "1 if the restore drill's result file (--restore-drill.result-file) exists, 0 if not: no drill has run on this host; the other xx_restore_drill_* series exist only with it.");
        _lastRun = Families.Gauge(factory, "xx_restore_drill_last_run_timestamp_seconds",
            "When the last restore drill of the database ended, as Unix seconds.", "database");
        _success = Families.Gauge(factory, "xx_restore_drill_success",
            "1 if the last restore drill of the database passed (the newest backup restored, PostgreSQL started on it, the sanity queries passed), 0 if it failed (the exporter's log and the status page say why).", "database");
        _duration = Families.Gauge(factory, "xx_restore_drill_duration_seconds",
            "How long the last restore drill of the database took, restore, start and queries.", "database");
        _backupTime = Families.Gauge(factory, "xx_restore_drill_backup_timestamp_seconds",
            "When the backup the last drill restored was taken, as it says (pgBackRest's stop time, the dump's creation time), as Unix seconds; absent if the drill found no backup.", "database");
        _backup = Families.Gauge(factory, "xx_restore_drill_backup_info",
            "Always 1: the backup the last restore drill of the database restored or tried to, by its kind (pgbackrest, dump) and label (pgBackRest's set label, the dump's file name).",
            "database", "kind", "label");
    }

    public string Name => "restore_drill";

    public TimeSpan Timeout { get; } = TimeSpan.FromSeconds(5); // a local file; this only bounds a hung mount

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        RestoreDrillFile file;
        try
        {
            file = _file.Read();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            readings.Set(_present, false);
            _failed = [];
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            readings.Fail(_file.Path, ex is UnauthorizedAccessException ? $"permission denied to this user ({ex.Message})" : ex.Message);
            return;
        }
        readings.Set(_present, true);
        if (file.Problems.Count > 0) readings.Fail(_file.Path, $"{string.Join("; ", file.Problems)} (format: docs/backups.md)");
        foreach (var drill in file.Drills)
        {
            readings.Set(_lastRun, drill.Finished.ToUnixTimeSeconds(), drill.Database);
            readings.Set(_success, drill.Passed, drill.Database);
            readings.Set(_duration, drill.DurationSeconds, drill.Database);
            readings.SetIfKnown(_backupTime, drill.BackupTime?.ToUnixTimeSeconds(), drill.Database);
            if (drill.Label.Length > 0) readings.Set(_backup, 1, drill.Database, drill.Kind, drill.Label);
            if (!drill.Passed) readings.Notice($"{_file.Path} {drill.Database}", Sentence(drill));
        }
        _failed = [.. file.Drills.Where(drill => !drill.Passed)];
    }

    private static string Sentence(RestoreDrill drill) =>
        $"the restore drill of {drill.Database} at {drill.Finished:yyyy-MM-dd HH:mm:ss}Z failed" +
        (drill.Label.Length > 0 ? $" on the backup {ForeignText.Text(drill.Label)}" : "") +
        $": {ForeignText.Text(drill.Reason.Length > 0 ? drill.Reason : "no reason given")}; see {RunbookPage}";

    /// <summary>The failed drills' reasons, for the status page (never a label).</summary>
    public string? StatusNote => _failed.Count > 0 ? string.Join(" ", _failed.Select(drill => Sentence(drill) + ".")) : null;
}

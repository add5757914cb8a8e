using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// Per backup target: whether it can be read, whether a file is there, the newest one's modification time and size,
/// whether it is too small to be a backup (a dump that failed at once still leaves its file, often empty) and, for a
/// target with a source, when what it copies last changed. A target that cannot be read is reported as such, never as
/// having no backup.
/// </summary>
internal sealed class BackupCheck : IScrapeSource
{
    private readonly IReadOnlyList<BackupTarget> _targets;
    private readonly int _minBytes;
    private readonly Gauge _readable, _present, _lastSuccess, _size, _tooSmall, _sourceModified;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = HostChecks.Register("backups", "Age and size of the backups named by --checks.backups (xx_backup_*).", (settings, context) =>
        settings.Backups.Count > 0 ? new BackupCheck(settings.Backups, settings.BackupMinBytes, context.Factory) : null);

    public BackupCheck(IReadOnlyList<BackupTarget> targets, int minBytes, IMetricFactory factory)
    {
        _targets = targets;
        _minBytes = minBytes;
        _readable = Families.Gauge(factory, "xx_backup_readable",
            "1 if the backup target's folder or file could be looked at, 0 if not (permissions, most often, or a folder of more entries than are looked at; the log names the cause): xx_backup_present and the others are then absent.", "target");
        _present = Families.Gauge(factory, "xx_backup_present",
            "1 if the backup target names at least one file, else 0; its other xx_backup_* series are then absent.", "target");
        _lastSuccess = Families.Gauge(factory, "xx_backup_last_success_timestamp_seconds",
            "Modification time of the backup target's newest file (taken as its last successful backup), as Unix seconds.", "target");
        _size = Families.Gauge(factory, "xx_backup_size_bytes", "Size of the backup target's newest file.", "target");
        _tooSmall = Families.Gauge(factory, "xx_backup_too_small",
            "1 if the backup target's newest file is smaller than --checks.backup-min-bytes (a failed backup, such as an empty dump), else 0.", "target");
        _sourceModified = Families.Gauge(factory, "xx_backup_source_modified_timestamp_seconds",
            "Modification time of the newest file of what the backup target copies (--checks.backup-sources), as Unix seconds; absent without a source or a file in it.", "target");
    }

    public string Name => "backups";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        foreach (var target in _targets)
        {
            if (target.Source is { } source) ReadSource(readings, target.Name, source);
            FileInfo? newest;
            try
            {
                newest = FileMatch.Newest(target.PathOrGlob);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                readings.Set(_readable, false, target.Name);
                readings.Fail(target.Name, ex is UnauthorizedAccessException ? $"{target.PathOrGlob}: permission denied to this user ({ex.Message})" : ex.Message);
                continue;
            }
            readings.Set(_readable, true, target.Name);
            readings.Set(_present, newest is not null, target.Name);
            if (newest is null) continue;
            readings.Set(_lastSuccess, new DateTimeOffset(newest.LastWriteTimeUtc).ToUnixTimeSeconds(), target.Name);
            readings.Set(_size, newest.Length, target.Name);
            readings.Set(_tooSmall, newest.Length < _minBytes, target.Name);
        }
    }

    private void ReadSource(Readings readings, string target, string source)
    {
        try
        {
            if (FileMatch.Newest(source) is { } newest)
                readings.Set(_sourceModified, new DateTimeOffset(newest.LastWriteTimeUtc).ToUnixTimeSeconds(), target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            readings.Fail($"{target} source", ex.Message);
        }
    }
}

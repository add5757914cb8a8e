using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Checks;

/// <summary>
/// Per backup target: whether a file is there, the newest one's modification time and size, and whether it is too
/// small to be a backup (a dump that failed at once still leaves its file, often empty).
/// </summary>
internal sealed class BackupCheck : IScrapeSource
{
    private readonly IReadOnlyList<BackupTarget> _targets;
    private readonly int _minBytes;
    private readonly Gauge _present, _lastSuccess, _size, _tooSmall;

    internal static readonly SourceRegistration Registration = HostChecks.Register("backups", "Age and size of the backups named by --checks.backups (xx_backup_*).", (settings, context) =>
        settings.Backups.Count > 0 ? new BackupCheck(settings.Backups, settings.BackupMinBytes, context.Factory) : null);

    public BackupCheck(IReadOnlyList<BackupTarget> targets, int minBytes, IMetricFactory factory)
    {
        _targets = targets;
        _minBytes = minBytes;
        _present = Families.Gauge(factory, "xx_backup_present",
            "1 if the backup target names at least one file, else 0 (also when it cannot be read); its other xx_backup_* series are then absent.", "target");
        _lastSuccess = Families.Gauge(factory, "xx_backup_last_success_timestamp_seconds",
            "Modification time of the backup target's newest file (taken as its last successful backup), as Unix seconds.", "target");
        _size = Families.Gauge(factory, "xx_backup_size_bytes", "Size of the backup target's newest file.", "target");
        _tooSmall = Families.Gauge(factory, "xx_backup_too_small",
            "1 if the backup target's newest file is smaller than --checks.backup-min-bytes (a failed backup, such as an empty dump), else 0.", "target");
    }

    public string Name => "backups";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        foreach (var target in _targets)
        {
            FileInfo? newest = null;
            try
            {
                newest = FileMatch.Files(target.PathOrGlob).MaxBy(file => file.LastWriteTimeUtc);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                readings.Fail(target.Name, ex.Message);
            }
            readings.Set(_present, newest is not null, target.Name);
            if (newest is null) continue;
            readings.Set(_lastSuccess, new DateTimeOffset(newest.LastWriteTimeUtc).ToUnixTimeSeconds(), target.Name);
            readings.Set(_size, newest.Length, target.Name);
            readings.Set(_tooSmall, newest.Length < _minBytes, target.Name);
        }
    }
}

using Microsoft.Extensions.Logging;
using Prometheus;

namespace XxExporter.Checks;

/// <summary>Per backup target: whether a file is there, and the newest one's modification time and size.</summary>
internal sealed class BackupCheck : IHostCheck
{
    private readonly IReadOnlyList<BackupTarget> _targets;
    private readonly Gauge _present, _lastSuccess, _size;
    private readonly DistinctErrors _errors;
    private volatile IReadOnlyList<BackupStatus> _status;

    public BackupCheck(IReadOnlyList<BackupTarget> targets, IMetricFactory factory, ILogger logger)
    {
        _targets = targets;
        _present = factory.CreateGauge("xx_backup_present",
            "1 if the backup target names at least one file, else 0 (also when it cannot be read); its other xx_backup_* series are then absent.", ["target"]);
        _lastSuccess = factory.CreateGauge("xx_backup_last_success_timestamp_seconds",
            "Modification time of the backup target's newest file (taken as its last successful backup), as Unix seconds.", ["target"]);
        _size = factory.CreateGauge("xx_backup_size_bytes", "Size of the backup target's newest file.", ["target"]);
        _errors = new DistinctErrors(logger, "Backup");
        _status = targets.Select(Absent).ToList();
        foreach (var target in targets) _present.WithLabels(target.Name).Set(0);
    }

    public IReadOnlyList<BackupStatus> Status => _status;

    public Task<bool> ReadAsync(CancellationToken timeout) => Task.Run(Read, timeout);

    private bool Read()
    {
        var errors = new Dictionary<string, string>();
        var status = _targets.Select(target =>
        {
            try
            {
                var newest = FileMatch.Files(target.PathOrGlob).MaxBy(file => file.LastWriteTimeUtc);
                return newest is null ? Absent(target) : new BackupStatus(target.Name, true, new DateTimeOffset(newest.LastWriteTimeUtc), newest.Length);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors[target.Name] = ex.Message;
                return Absent(target);
            }
        }).ToList();
        foreach (var backup in status) Publish(backup);
        _status = status;
        _errors.Report(errors);
        return errors.Count == 0;
    }

    private void Publish(BackupStatus backup)
    {
        _present.WithLabels(backup.Target).Set(backup.Present ? 1 : 0);
        if (backup is { LastSuccess: { } time, SizeBytes: { } size })
        {
            _lastSuccess.WithLabels(backup.Target).Set(time.ToUnixTimeSeconds());
            _size.WithLabels(backup.Target).Set(size);
        }
        else
        {
            _lastSuccess.RemoveLabelled(backup.Target);
            _size.RemoveLabelled(backup.Target);
        }
    }

    public void Overdue(string error) => _errors.Fail("targets", error);

    private static BackupStatus Absent(BackupTarget target) => new(target.Name, false, null, null);
}

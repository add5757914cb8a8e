using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Prometheus;
using XxExporter.Checks;
using XxExporter.Files;
using XxExporter.Telemetry;

namespace XxExporter.Backups;

/// <summary>One comparison of the credentials with their newest backup, as the series show it.</summary>
/// <param name="Problems">The value of each reason (<see cref="BackupProblem"/>); empty on a host without credentials.</param>
/// <param name="Taken">When the newest backup was made; null without one.</param>
/// <param name="Finding">What the log should say (a sentence naming the file or setting and the cause), or null.</param>
internal sealed record CredentialsCheck(IReadOnlyDictionary<string, int> Problems, IReadOnlyList<(string File, FileInBackup State)> Files,
    DateTimeOffset? Taken, string? Finding);

/// <summary>
/// Whether every file of the credentials folder (xx never reissues them) is in the newest backup and equal to the live
/// file, byte for byte (SHA-256 of both). The comparison runs in the background on its own cadence
/// (<see cref="CredentialsBackupSettings.Interval"/>), never on the scrape path: a scrape shows the last one that ended.
/// A folder copy is read file by file, a tar archive as a stream, and a restic repository through restic itself:
/// <c>restic snapshots --json</c> for the newest snapshot holding the folder, then <c>restic dump</c> of the folder,
/// which writes it as a tar (<c>restic ls</c> gives sizes and times but no content, and a restored time proves no
/// content). Keys are read to be hashed and the bytes cleared at once; only file names leave the exporter.
/// </summary>
internal sealed class CredentialsBackupSource : IScrapeSource
{
    /// <summary>Far more files than a credentials folder holds (IDF, two certificates and a key per service, the network's certificates).</summary>
    internal const int MaxFiles = 64;

    /// <summary>The most of restic's output read: its snapshot list, or the dumped folder's tar (kilobytes).</summary>
    private const int MaxResticOutputBytes = 16 << 20;

    private readonly CredentialsBackupSettings _settings;
    private readonly ExternalCommands _commands;
    private readonly TimeProvider _clock;
    private readonly BackgroundWork<int, CredentialsCheck> _checks;
    private readonly Gauge _problem, _fileEqual, _taken;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = new("credentials_backup",
        "Whether every file of --backups.credentials-folder is in the newest backup of --backups.credentials-backup, byte for byte (xx_credentials_backup_*).",
        context => CredentialsBackupSettings.Read(context.Settings) is { } settings
            ? [new CredentialsBackupSource(settings, ExternalCommands.Of(context), context.Factory, TimeProvider.System)]
            : [],
        CredentialsBackupSettings.Table.All);

    public CredentialsBackupSource(CredentialsBackupSettings settings, ExternalCommands commands, IMetricFactory factory, TimeProvider clock)
    {
        _settings = settings;
        _commands = commands;
        _clock = clock;
        _checks = new(_ => CheckAsync(), clock);
        _problem = Families.Gauge(factory, "xx_credentials_backup_problem",
            "Why the credentials folder is not known to be in its newest backup, each reason on every check (0: not so): not_configured (no --backups.credentials-backup), live_unreadable (live files the exporter may not read), unreadable (the backup cannot be read; the log says why), no_backup (none there at all), missing_file and differs (files the newest backup lacks, or holds with other content; the value counts them). Absent on a host without the folder.",
            "reason");
        _fileEqual = Families.Gauge(factory, "xx_credentials_backup_file_equal",
            "1 if the credentials file is in the newest backup with the same content as the live file, else 0 (missing or different).", "file");
        _taken = Families.Gauge(factory, "xx_credentials_backup_timestamp_seconds",
            "When the newest backup of the credentials was made (the archive's or copy's modification time, the restic snapshot's time), as Unix seconds.");
    }

    public string Name => "credentials_backup";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        // The last comparison that ended; a new one starts once the interval has passed since it did.
        if (_checks.Latest(0, last => _clock.GetUtcNow() - last.At >= _settings.Interval) is not { } done) return Task.CompletedTask;
        var check = done.Result;
        foreach (var (reason, value) in check.Problems) readings.Set(_problem, value, reason);
        foreach (var (file, state) in check.Files) readings.Set(_fileEqual, state == FileInBackup.Equal, file);
        readings.SetIfKnown(_taken, check.Taken?.ToUnixTimeSeconds());
        // The alerts say it; the log says why, once until it changes. Not a failure of the source.
        if (check.Finding is { } finding) readings.Notice(_settings.Folder, finding);
        return Task.CompletedTask;
    }

    private async Task<CredentialsCheck> CheckAsync()
    {
        using var limit = new CancellationTokenSource(_settings.Timeout);
        var live = ReadLive(out var unreadable);
        if (live is null) return new(new Dictionary<string, int>(), [], null, unreadable);
        if (_settings.Backup is not { } backup)
            return Result(BackupProblem.NotConfigured, 1, unreadable ?? $"no backup of it is configured: set {CredentialsBackupSettings.Table.Backup.Name}");
        try
        {
            var content = backup.Kind switch
            {
                BackupKind.Folder => ReadFolder(backup.Where, live.Keys),
                BackupKind.Tar => ReadTar(backup.Where, live.Keys, limit.Token),
                _ => await ReadResticAsync(backup.Where, live.Keys, limit.Token),
            };
            var files = CredentialsComparison.Compare(live, content.Files);
            var problems = Problems();
            problems[BackupProblem.LiveUnreadable] = unreadable is null ? 0 : 1;
            problems[BackupProblem.MissingFile] = files.Count(file => file.State == FileInBackup.Missing);
            problems[BackupProblem.Differs] = files.Count(file => file.State == FileInBackup.Differs);
            string? finding = files.Any(file => file.State != FileInBackup.Equal)
                ? $"the newest backup ({backup.Kind.ToString().ToLowerInvariant()}, of {content.Taken:yyyy-MM-dd HH:mm:ss} UTC) "
                    + string.Join("; ", files.Where(file => file.State != FileInBackup.Equal).GroupBy(file => file.State).OrderBy(group => group.Key)
                        .Select(group => $"{(group.Key == FileInBackup.Missing ? "lacks" : "holds other content for")} {string.Join(", ", group.Select(file => file.File))}"))
                : null;
            return new(problems, files, content.Taken, Join(unreadable, finding));
        }
        catch (BackupMissing ex)
        {
            return Result(BackupProblem.NoBackup, 1, Join(unreadable, ex.Message));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or OperationCanceledException)
        {
            string why = ex is OperationCanceledException
                ? $"reading it took longer than {CredentialsBackupSettings.Table.Timeout.Name} allows ({_settings.Timeout.TotalSeconds:0} s)"
                : ex.Message;
            return Result(BackupProblem.Unreadable, 1, Join(unreadable, $"its backup ({CredentialsBackupSettings.Table.Backup.Name}) cannot be read: {why}"));
        }

        CredentialsCheck Result(string reason, int value, string? finding)
        {
            var problems = Problems();
            problems[reason] = value;
            if (unreadable is not null) problems[BackupProblem.LiveUnreadable] = 1;
            return new(problems, [], null, finding);
        }
    }

    private static Dictionary<string, int> Problems() => BackupProblem.All.ToDictionary(reason => reason, _ => 0);

    private static string? Join(string? first, string? second) => first is null ? second : second is null ? first : $"{first}; {second}";

    /// <summary>
    /// The live files by name, as SHA-256; null if the folder does not exist (a host without credentials).
    /// <paramref name="unreadable"/> names the files (or the folder) the exporter's user may not read.
    /// </summary>
    private Dictionary<string, byte[]>? ReadLive(out string? unreadable)
    {
        unreadable = null;
        string folder = _settings.Folder;
        var live = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var refused = new List<string>();
        try
        {
            if (!FileStat.Exists(folder)) return null;
            var files = FileMatch.Files(folder).Take(MaxFiles + 1).ToList();
            if (files.Count > MaxFiles)
            {
                unreadable = $"{folder} holds more than {MaxFiles} files, more than a credentials folder: is {CredentialsBackupSettings.Table.Folder.Name} the credentials folder?";
                return live;
            }
            foreach (var file in files)
            {
                try
                {
                    byte[] content = SmallFile.ReadAllBytes(file.FullName);
                    live[file.Name] = SHA256.HashData(content);
                    CryptographicOperations.ZeroMemory(content); // a key's bytes are not left for the next allocation to show
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    refused.Add(file.Name);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            unreadable = $"{folder} cannot be read by this user ({ex.Message}): its files cannot be compared with their backup";
            return live;
        }
        if (refused.Count > 0)
            unreadable = $"{string.Join(", ", refused)} in {folder} may not be read by this user (or is no regular file of at most {SmallFile.MaxBytes} bytes): compared without {(refused.Count > 1 ? "them" : "it")}";
        return live;
    }

    /// <summary>A copy of the folder: each live file's copy under the same name.</summary>
    private static BackupContent ReadFolder(string folder, IEnumerable<string> names)
    {
        if (FileMatch.Newest(folder) is not { } newest) throw new BackupMissing($"{folder} holds no file: no copy of the credentials is there");
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            try
            {
                byte[] content = SmallFile.ReadAllBytes(Path.Combine(folder, name));
                files[name] = SHA256.HashData(content);
                CryptographicOperations.ZeroMemory(content);
            }
            catch (FileNotFoundException)
            {
                // not in the copy: reported as missing
            }
        }
        return new(new DateTimeOffset(newest.LastWriteTimeUtc), files);
    }

    /// <summary>The newest tar archive the path names (a file, or the newest in a folder or glob), read as a stream.</summary>
    private BackupContent ReadTar(string where, IEnumerable<string> names, CancellationToken cancel)
    {
        if (FileMatch.Newest(where) is not { } newest) throw new BackupMissing($"{where} names no archive: no backup of the credentials is there");
        using var handle = FileStat.OpenRegular(newest.FullName);
        using var stream = new FileStream(handle, FileAccess.Read);
        try
        {
            return new(new DateTimeOffset(newest.LastWriteTimeUtc), TarCredentials.Read(stream, new CredentialsPaths(_settings.Folder), names.ToHashSet(), cancel));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{newest.FullName}: {ex.Message}", ex);
        }
    }

    /// <summary>The newest snapshot holding the folder, dumped by restic as a tar. The repository and password file go in restic's environment, never its arguments.</summary>
    private async Task<BackupContent> ReadResticAsync(string repository, IEnumerable<string> names, CancellationToken cancel)
    {
        // restic runs in the exporter's memory budget (the systemd unit's MemoryMax covers its children): Go's soft
        // limit makes it collect garbage early rather than grow, which a repository's index would make it do.
        var environment = new Dictionary<string, string> { ["RESTIC_REPOSITORY"] = repository, ["GOMEMLIMIT"] = "64MiB" };
        if (_settings.ResticPasswordFile.Length > 0) environment["RESTIC_PASSWORD_FILE"] = _settings.ResticPasswordFile;
        // --no-lock: reading needs no write access to the repository; --no-cache: nor a home folder to keep a cache in.
        ToolRun Restic(string name, params string[] arguments) =>
            new(name, "restic", ["--no-lock", "--no-cache", .. arguments], _settings.Timeout, MaxResticOutputBytes, environment);

        var listed = await _commands.RunAsync(Restic("restic_snapshots", "snapshots", "--json"), cancel);
        if (!listed.Succeeded) throw new IOException(listed.Message);
        var snapshots = ResticSnapshots.Parse(listed.Output!);
        if (ResticSnapshots.Newest(snapshots, _settings.Folder, _settings.ResticHost) is not { } newest)
        {
            string hosts = string.Join(", ", snapshots.Select(snapshot => snapshot.Host).Distinct().Order(StringComparer.Ordinal));
            throw new BackupMissing(snapshots.Count == 0 ? "the restic repository holds no snapshot"
                : $"none of the {snapshots.Count} snapshots in the restic repository{(_settings.ResticHost is { } host ? $" of host {host}" : "")} holds {_settings.Folder} (hosts: {hosts})");
        }
        var dumped = await _commands.RunForBytesAsync(Restic("restic_dump", "dump", newest.Id, _settings.Folder), cancel);
        if (!dumped.Succeeded) throw new IOException(dumped.Message);
        using var tar = new MemoryStream(dumped.Bytes!, writable: false);
        return new(newest.Time, TarCredentials.Read(tar, new CredentialsPaths(_settings.Folder), names.ToHashSet(), cancel));
    }

    /// <summary>The configured place holds no backup at all; the message says where was looked.</summary>
    private sealed class BackupMissing(string message) : Exception(message);
}

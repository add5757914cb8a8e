using System.Runtime.CompilerServices;
using System.Text;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.PgBackRest;

/// <summary>
/// The stanzas of <c>--pgbackrest.stanzas</c> as pgBackRest itself reports them (<c>pgbackrest info --output=json</c>),
/// with what <c>info</c> does not tell: whether the WAL archive is continuous from the oldest backup on (the
/// repository's own listing, <c>pgbackrest repo-ls</c>), which files the newest backup found bad checksums in
/// (<c>info --set</c>, only when it did), and how the last backup run ended (its log: a failed backup is in no
/// <c>info</c>). All of it runs in the background every <c>--pgbackrest.interval</c>, each command bounded by
/// <c>--pgbackrest.timeout</c> (<see cref="ExternalCommands"/>); a scrape reports the last result at once.
/// </summary>
public sealed class PgBackRestSource : IScrapeSource
{
    /// <summary>More than the JSON of hundreds of backups.</summary>
    private const int MaxInfoBytes = 4 << 20;

    /// <summary>
    /// A listing of one folder of the archive: a log's segments, 256 of 16 MiB (4,096 at the smallest segment size, 1
    /// MiB), or the archive's log folders. Listed one folder at a time, so that no listing of the whole archive is held.
    /// </summary>
    private const int MaxListingBytes = 1 << 20;

    /// <summary>Log folders listed in one round: 4 TiB of WAL at 16 MiB segments, from the oldest backup on.</summary>
    private const int MaxLogFolders = 1024;

    /// <summary>Where a backup run's result is looked for: its log's end (the whole log grows with every run).</summary>
    private const int LogTailBytes = 256 << 10;

    private static readonly BackupType[] Types = Enum.GetValues<BackupType>();

    private readonly PgBackRestSettings _settings;
    private readonly ExternalCommands _commands;
    private readonly TimeProvider _clock;
    private readonly BackgroundWork<int, IReadOnlyList<StanzaReading>> _work;
    private readonly Gauge _status, _running, _backups, _lastCompleted, _lastSize, _lastRepositorySize, _checksumErrorFiles,
        _walMissing, _walNewest, _schedule, _runSucceeded, _runEnded;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly SourceRegistration Registration = new("pgbackrest",
        "The pgBackRest stanzas of --pgbackrest.stanzas as pgbackrest info reports them, the WAL archive's continuity and the last backup run's log (xx_pgbackrest_*).",
        context => PgBackRestSettings.Read(context.Settings) is { Stanzas.Count: > 0 } settings
            ? [new PgBackRestSource(settings, ExternalCommands.Of(context), context.Factory, TimeProvider.System)]
            : [],
        PgBackRestSettings.Table.All);

    public PgBackRestSource(PgBackRestSettings settings, ExternalCommands commands, IMetricFactory factory, TimeProvider clock)
    {
        _settings = settings;
        _commands = commands;
        _clock = clock;
        _work = new(_ => ReadAllAsync(), clock);
        _status = Families.Gauge(factory, "xx_pgbackrest_repo_status_code",
            "pgBackRest's status code of the stanza in the repository (0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, 99 other: the log has pgBackRest's message); status is its word. pgbackrest info stays ok after a failed backup and after a lost WAL segment: see xx_pgbackrest_backup_last_run_success and xx_pgbackrest_wal_missing_segments.",
            "stanza", "repo", "status");
        _running = Families.Gauge(factory, "xx_pgbackrest_backup_running", "1 while a backup or expire of the stanza holds its lock, else 0.", "stanza");
        _backups = Families.Gauge(factory, "xx_pgbackrest_backups",
            "Backups of the stanza's current database in the repository, of every type (0: nothing to restore from there).", "stanza", "repo");
        _lastCompleted = Families.Gauge(factory, "xx_pgbackrest_backup_last_completed_timestamp_seconds",
            "When the newest backup of the type (full, diff, incr) in the repository ended, as Unix seconds; absent while there is none of the type.",
            "stanza", "repo", "type");
        _lastSize = Families.Gauge(factory, "xx_pgbackrest_backup_last_size_bytes",
            "The database's size in the newest backup of the type.", "stanza", "repo", "type");
        _lastRepositorySize = Families.Gauge(factory, "xx_pgbackrest_backup_last_repository_size_bytes",
            "What the newest backup of the type added to the repository (compressed; a diff or incr holds only what changed).", "stanza", "repo", "type");
        _checksumErrorFiles = Families.Gauge(factory, "xx_pgbackrest_backup_checksum_error_files",
            "Files in which the newest backup in the repository found pages with a wrong checksum (pgBackRest's error flag; the log names the files); needs data checksums on the cluster.",
            "stanza", "repo");
        _walMissing = Families.Gauge(factory, "xx_pgbackrest_wal_missing_segments",
            "WAL segments missing from the repository's archive between the oldest backup's start and the newest archived segment (0: a restore can replay all of it; the log names the first missing one).",
            "stanza", "repo");
        _walNewest = Families.Gauge(factory, "xx_pgbackrest_wal_newest_segment_timestamp_seconds",
            "When the newest WAL segment in the repository's archive was stored, as Unix seconds.", "stanza", "repo");
        _schedule = Families.Gauge(factory, "xx_pgbackrest_backup_schedule_seconds",
            "How often a backup is scheduled: type full (--pgbackrest.full-every) or any (--pgbackrest.backup-every).", "type");
        _runSucceeded = Families.Gauge(factory, "xx_pgbackrest_backup_last_run_success",
            "1 if the last ended backup run in the stanza's log (--pgbackrest.log-path) completed, 0 if it failed (the log has pgBackRest's error); absent without a log.",
            "stanza");
        _runEnded = Families.Gauge(factory, "xx_pgbackrest_backup_last_run_timestamp_seconds",
            "When the last ended backup run in the stanza's log ended, as Unix seconds.", "stanza");
    }

    public string Name => "pgbackrest";

    /// <summary>A scrape only takes the last result; the commands run in the background under their own limit.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(5);

    public Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        readings.Set(_schedule, _settings.FullEvery.TotalSeconds, "full");
        readings.Set(_schedule, _settings.BackupEvery.TotalSeconds, "any");
        if (_work.Latest(0, last => _clock.GetUtcNow() - last.At >= _settings.Interval)?.Result is not { } stanzas) return Task.CompletedTask;
        foreach (var stanza in stanzas) Report(readings, stanza);
        return Task.CompletedTask;
    }

    private void Report(Readings readings, StanzaReading reading)
    {
        string stanza = reading.Stanza;
        ReportRun(readings, reading);
        if (reading.Info is not { } info)
        {
            readings.Fail(stanza, reading.Problem!);
            return;
        }
        readings.Set(_running, info.BackupRunning, stanza);
        foreach (var repo in info.Repositories)
        {
            string key = repo.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
            readings.Set(_status, repo.StatusCode, stanza, key, PgBackRestInfo.StatusWord(repo.StatusCode));
            if (repo.StatusCode is not (0 or 2))
                readings.Fail($"{stanza} repo{key}", $"pgBackRest says \"{repo.StatusMessage}\" (code {repo.StatusCode}): is the stanza named right in --pgbackrest.stanzas, and can the exporter's user read the repository?");
            var backups = info.BackupsOf(repo.Key).ToList();
            readings.Set(_backups, backups.Count, stanza, key);
            foreach (var type in Types)
            {
                if (backups.LastOrDefault(backup => backup.Type == type) is not { } last) continue;
                string label = type.ToString().ToLowerInvariant();
                readings.Set(_lastCompleted, last.Stopped.ToUnixTimeSeconds(), stanza, key, label);
                readings.Set(_lastSize, last.Size, stanza, key, label);
                readings.Set(_lastRepositorySize, last.RepositorySize, stanza, key, label);
            }
            if (!reading.Repos.TryGetValue(repo.Key, out var found)) continue;
            if (found.ChecksumErrorFiles is { } files)
            {
                readings.Set(_checksumErrorFiles, files.Count, stanza, key);
                if (files.Count > 0)
                    readings.Notice($"{stanza} repo{key} checksums", $"the newest backup found pages with wrong checksums in {string.Join(", ", files.Take(10))}{(files.Count > 10 ? $" and {files.Count - 10} more" : "")}");
            }
            if (found.Wal is { } wal)
            {
                readings.Set(_walMissing, wal.MissingSegments, stanza, key);
                if (wal.NewestModified is { } newest) readings.Set(_walNewest, newest.ToUnixTimeSeconds(), stanza, key);
                if (wal.MissingSegments > 0)
                    readings.Notice($"{stanza} repo{key} WAL", $"{wal.MissingSegments} WAL segment(s) missing from the archive after the oldest backup's start, the first at log/segment {wal.FirstMissing}: a restore stops there");
            }
            foreach (string problem in found.Problems) readings.Fail($"{stanza} repo{key}", problem);
        }
    }

    private void ReportRun(Readings readings, StanzaReading reading)
    {
        if (reading.LogProblem is { } problem) readings.Fail($"{reading.Stanza} backup log", problem);
        if (reading.LastRun is not { } run) return;
        readings.Set(_runSucceeded, run.Succeeded, reading.Stanza);
        readings.Set(_runEnded, run.Ended.ToUnixTimeSeconds(), reading.Stanza);
        if (!run.Succeeded) readings.Notice($"{reading.Stanza} backup", $"the last backup run, ended {run.Ended:yyyy-MM-dd HH:mm:ss zzz}, failed: {run.Error}");
    }

    /// <summary>One round: every stanza, one after the other (pgBackRest reads one repository at a time anyway).</summary>
    private async Task<IReadOnlyList<StanzaReading>> ReadAllAsync()
    {
        var stanzas = new List<StanzaReading>();
        foreach (string stanza in _settings.Stanzas) stanzas.Add(await ReadAsync(stanza));
        return stanzas;
    }

    private async Task<StanzaReading> ReadAsync(string stanza)
    {
        var (lastRun, logProblem) = ReadLog(stanza);
        var info = await RunAsync("pgbackrest_info", MaxInfoBytes, stanza, "info", "--output=json");
        if (info.Output is null) return new StanzaReading(stanza, null, info.Message, new Dictionary<int, RepoReading>(), lastRun, logProblem);
        StanzaInfo found;
        try
        {
            found = PgBackRestInfo.ParseInfo(info.Output).FirstOrDefault(entry => entry.Name == stanza)
                ?? throw new FormatException($"pgbackrest info did not list stanza {stanza}");
        }
        catch (FormatException ex)
        {
            return new StanzaReading(stanza, null, ex.Message, new Dictionary<int, RepoReading>(), lastRun, logProblem);
        }
        var repos = new Dictionary<int, RepoReading>();
        foreach (var repo in found.Repositories) repos[repo.Key] = await ReadRepoAsync(found, repo.Key);
        return new StanzaReading(stanza, found, null, repos, lastRun, logProblem);
    }

    private async Task<RepoReading> ReadRepoAsync(StanzaInfo stanza, int repo)
    {
        var problems = new List<string>();
        var backups = stanza.BackupsOf(repo).ToList();
        string repoOption = $"--repo={repo}";
        IReadOnlyList<string>? checksumFiles = null;
        if (backups.Count > 0)
        {
            var newest = backups[^1];
            if (!newest.ChecksumError) checksumFiles = [];
            else
            {
                var set = await RunAsync("pgbackrest_info", MaxInfoBytes, stanza.Name, "info", repoOption, $"--set={newest.Label}", "--output=json");
                try
                {
                    checksumFiles = set.Output is { } output ? PgBackRestInfo.ChecksumErrorFiles(output, newest.Label) : null;
                    if (set.Message is { } message) problems.Add(message);
                }
                catch (FormatException ex)
                {
                    problems.Add(ex.Message);
                }
            }
        }
        WalContinuity? wal = null;
        if (stanza.ArchiveOf(repo) is { } archive && backups.Select(backup => backup.ArchiveStart).FirstOrDefault(start => start is not null) is { } from)
        {
            try
            {
                wal = await ContinuityAsync(stanza.Name, repoOption, $"archive/{stanza.Name}/{archive.Id}", from, problems);
            }
            catch (FormatException ex)
            {
                problems.Add(ex.Message);
            }
        }
        return new RepoReading(wal, checksumFiles, problems);
    }

    /// <summary>The archive from <paramref name="from"/> on, listed log folder by log folder; null (and a problem) if a listing failed.</summary>
    private async Task<WalContinuity?> ContinuityAsync(string stanza, string repoOption, string archive, string from, List<string> problems)
    {
        var top = await RunAsync("pgbackrest_repo_ls", MaxListingBytes, stanza, "repo-ls", repoOption, "--output=json", archive);
        if (top.Output is null)
        {
            problems.Add(top.Message!);
            return null;
        }
        var folders = PgBackRestInfo.LogFoldersFrom(top.Output, from);
        if (folders.Count > MaxLogFolders)
        {
            problems.Add($"{archive} has {folders.Count} log folders after the oldest backup's start, more than the {MaxLogFolders} listed: its continuity is not checked");
            return null;
        }
        var segments = new PgBackRestInfo.WalSegments();
        foreach (string folder in folders)
        {
            var listing = await RunAsync("pgbackrest_repo_ls", MaxListingBytes, stanza, "repo-ls", repoOption, "--output=json", $"{archive}/{folder}");
            if (listing.Output is null)
            {
                problems.Add(listing.Message!);
                return null;
            }
            foreach (var (path, modified) in PgBackRestInfo.ParseListing(listing.Output)) segments.Add(path, modified);
        }
        return segments.ContinuityFrom(from);
    }

    private Task<CommandResult> RunAsync(string name, int maxBytes, string stanza, params string[] command)
    {
        // Nothing on stdout but the JSON, and no log file of the exporter's own runs in pgBackRest's log-path.
        List<string> arguments = ["--log-level-console=off", "--log-level-stderr=warn", "--log-level-file=off", $"--stanza={stanza}", .. command];
        if (_settings.ConfigFile is { } config) arguments.Insert(0, $"--config={config}");
        return _commands.RunAsync(new ToolRun(name, _settings.Command, arguments, _settings.Timeout, maxBytes), CancellationToken.None);
    }

    /// <summary>The last backup run in <c>&lt;stanza&gt;-backup.log</c>: a missing log is no problem (no run yet, or none here).</summary>
    private (CommandRun? Run, string? Problem) ReadLog(string stanza)
    {
        if (_settings.LogPath is not { } folder) return (null, null);
        string path = Path.Combine(folder, $"{stanza}-backup.log");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length > LogTailBytes) file.Seek(-LogTailBytes, SeekOrigin.End);
            var tail = new byte[Math.Min(file.Length, LogTailBytes)];
            file.ReadExactly(tail);
            return (PgBackRestInfo.LastRun(Encoding.UTF8.GetString(tail), _settings.TimeZone), null);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, null);
        }
        catch (UnauthorizedAccessException)
        {
            return (null, $"{path} ({PgBackRestSettings.Table.LogPath.Name}) may not be read by this user: pgBackRest writes it mode 0640, so add the exporter's user to its group (postgres)");
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            return (null, $"{path}: {ex.Message}");
        }
    }

    private sealed record StanzaReading(string Stanza, StanzaInfo? Info, string? Problem, IReadOnlyDictionary<int, RepoReading> Repos,
        CommandRun? LastRun, string? LogProblem);

    /// <param name="ChecksumErrorFiles">Of the newest backup; null when there is none or they could not be read.</param>
    private sealed record RepoReading(WalContinuity? Wal, IReadOnlyList<string>? ChecksumErrorFiles, IReadOnlyList<string> Problems);
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace XxExporter.PgBackRest;

/// <summary>The backup types pgBackRest makes, in its words.</summary>
public enum BackupType { Full, Diff, Incr }

/// <summary>One backup as <c>pgbackrest info</c> lists it.</summary>
/// <param name="ArchiveStart">The WAL segment the backup starts at: restoring it needs every segment from there on.</param>
/// <param name="Size">The database's size backed up (<c>info.size</c>).</param>
/// <param name="RepositorySize">What this backup added to the repository (<c>info.repository.delta</c>).</param>
/// <param name="ChecksumError">pgBackRest's <c>error</c> flag: the backup found pages whose checksum is wrong.</param>
public sealed record Backup(string Label, BackupType Type, int Repo, int DatabaseId, string? ArchiveStart, DateTimeOffset Stopped,
    long Size, long RepositorySize, bool ChecksumError);

/// <summary>A repository of a stanza: its key (repo1 is 1) and status as pgBackRest says it.</summary>
public sealed record RepoStatus(int Key, int StatusCode, string StatusMessage);

/// <summary>The WAL archive of one database in one repository (<c>archive[]</c>): its id (<c>15-1</c>) and newest segment.</summary>
public sealed record Archive(int Repo, int DatabaseId, string Id, string? Max);

/// <summary>What <c>pgbackrest info --output=json</c> says of one stanza.</summary>
/// <param name="Databases">Per repository, the database id backups are made of now (the newest of <c>db[]</c>).</param>
public sealed record StanzaInfo(string Name, int StatusCode, string StatusMessage, bool BackupRunning, IReadOnlyList<RepoStatus> Repositories,
    IReadOnlyList<Archive> Archives, IReadOnlyList<Backup> Backups, IReadOnlyDictionary<int, int> Databases)
{
    /// <summary>The current database's archive in a repository, if it has one.</summary>
    public Archive? ArchiveOf(int repo) =>
        Databases.TryGetValue(repo, out int database) ? Archives.FirstOrDefault(archive => archive.Repo == repo && archive.DatabaseId == database) : null;

    /// <summary>The backups of the current database in a repository, oldest first (as pgBackRest lists them).</summary>
    public IEnumerable<Backup> BackupsOf(int repo) =>
        Backups.Where(backup => backup.Repo == repo && Databases.TryGetValue(repo, out int database) && backup.DatabaseId == database);
}

/// <summary>
/// Pure readers of what pgBackRest writes: <c>info --output=json</c>, <c>repo-ls --output=json</c> and a command's log
/// file. Each throws <see cref="FormatException"/> naming what it did not find, for output it does not understand.
/// </summary>
public static partial class PgBackRestInfo
{
    /// <summary>pgBackRest's status words for its codes (src/command/info/info.c), as label values.</summary>
    public static string StatusWord(int code) => code switch
    {
        0 => "ok",
        1 => "missing_stanza_path",
        2 => "no_valid_backups",
        3 => "missing_stanza_data",
        4 => "mixed",
        5 => "database_mismatch",
        6 => "backup_missing",
        _ => "other",
    };

    /// <summary>The stanzas of <c>pgbackrest info --output=json</c> (one with <c>--stanza</c>).</summary>
    public static IReadOnlyList<StanzaInfo> ParseInfo(string json)
    {
        using var document = Parse(json, "pgbackrest info");
        if (document.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("pgbackrest info did not write a JSON array of stanzas");
        return [.. document.RootElement.EnumerateArray().Select(Stanza)];
    }

    private static StanzaInfo Stanza(JsonElement stanza)
    {
        string name = Text(stanza, "name");
        var status = Member(stanza, "status");
        bool running = status.TryGetProperty("lock", out var locks) && locks.TryGetProperty("backup", out var backupLock)
            && backupLock.TryGetProperty("held", out var held) && held.ValueKind == JsonValueKind.True;
        var repositories = Array(stanza, "repo").Select(repo =>
        {
            var repoStatus = Member(repo, "status");
            return new RepoStatus(Number(repo, "key"), Number(repoStatus, "code"), Text(repoStatus, "message"));
        }).ToList();
        var databases = new Dictionary<int, int>();
        foreach (var db in Array(stanza, "db"))
        {
            int repo = Number(db, "repo-key"), id = Number(db, "id");
            databases[repo] = Math.Max(id, databases.GetValueOrDefault(repo));
        }
        var archives = Array(stanza, "archive").Select(archive =>
        {
            var database = Member(archive, "database");
            return new Archive(Number(database, "repo-key"), Number(database, "id"), Text(archive, "id"), OptionalText(archive, "max"));
        }).ToList();
        var backups = Array(stanza, "backup").Select(backup =>
        {
            var database = Member(backup, "database");
            var info = Member(backup, "info");
            string type = Text(backup, "type");
            return new Backup(Text(backup, "label"),
                type switch
                {
                    "full" => BackupType.Full, "diff" => BackupType.Diff, "incr" => BackupType.Incr,
                    _ => throw new FormatException($"backup type \"{type}\" is none of full, diff and incr"),
                },
                Number(database, "repo-key"), Number(database, "id"),
                backup.TryGetProperty("archive", out var archive) && archive.ValueKind == JsonValueKind.Object ? OptionalText(archive, "start") : null,
                DateTimeOffset.FromUnixTimeSeconds(Member(backup, "timestamp").GetProperty("stop").GetInt64()),
                Member(info, "size").GetInt64(), Member(Member(info, "repository"), "delta").GetInt64(),
                backup.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.True);
        }).ToList();
        return new StanzaInfo(name, Number(status, "code"), Text(status, "message"), running, repositories, archives, backups, databases);
    }

    /// <summary>The files pgBackRest found wrong checksums in, from <c>info --set=&lt;label&gt; --output=json</c> (<c>error-list</c>).</summary>
    public static IReadOnlyList<string> ChecksumErrorFiles(string json, string label)
    {
        using var document = Parse(json, "pgbackrest info --set");
        foreach (var stanza in document.RootElement.EnumerateArray())
        foreach (var backup in Array(stanza, "backup"))
        {
            if (Text(backup, "label") != label) continue;
            return backup.TryGetProperty("error-list", out var files) && files.ValueKind == JsonValueKind.Array
                ? [.. files.EnumerateArray().Select(file => file.GetString() ?? "")]
                : [];
        }
        throw new FormatException($"pgbackrest info --set did not list backup {label}");
    }

    /// <summary>
    /// The folders of an archive (<c>repo-ls --output=json archive/&lt;stanza&gt;/&lt;id&gt;</c>) that can hold segments from
    /// <paramref name="from"/> on: one per timeline and log (the first 16 digits of a segment's name), of every
    /// timeline, with a log at or after <paramref name="from"/>'s.
    /// </summary>
    public static IReadOnlyList<string> LogFoldersFrom(string json, string from)
    {
        if (!TryPosition(from, out var start)) throw new FormatException($"\"{from}\" is not a WAL segment name");
        using var document = Parse(json, "pgbackrest repo-ls");
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("pgbackrest repo-ls did not write a JSON object of paths");
        return [.. document.RootElement.EnumerateObject()
            .Where(entry => entry.Value.ValueKind == JsonValueKind.Object && entry.Value.TryGetProperty("type", out var type) && type.GetString() == "path"
                && LogFolder().IsMatch(entry.Name) && long.Parse(entry.Name.AsSpan(8), NumberStyles.HexNumber, CultureInfo.InvariantCulture) >= start.Log)
            .Select(entry => entry.Name)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The files of a <c>repo-ls --output=json</c> listing: path and modification time.</summary>
    public static IReadOnlyList<(string Path, DateTimeOffset Modified)> ParseListing(string json)
    {
        using var document = Parse(json, "pgbackrest repo-ls");
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("pgbackrest repo-ls did not write a JSON object of paths");
        var files = new List<(string, DateTimeOffset)>();
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.Object && entry.Value.TryGetProperty("type", out var type) && type.GetString() == "file")
                files.Add((entry.Name, entry.Value.TryGetProperty("time", out var time) ? DateTimeOffset.FromUnixTimeSeconds(time.GetInt64()) : default));
        }
        return files;
    }

    /// <summary>
    /// The segments of an archive, gathered listing by listing: only each one's position (log and segment number) and
    /// the newest one's name and time are kept, not the listings.
    /// </summary>
    public sealed class WalSegments
    {
        private readonly HashSet<(long Log, long Segment)> _present = [];
        private (Position At, DateTimeOffset Modified)? _newest;

        /// <summary>A file of a listing; files that are no segment (<c>.backup</c>, <c>.partial</c>, <c>.history</c>) are left out.</summary>
        public void Add(string path, DateTimeOffset modified)
        {
            var name = SegmentFile().Match(Path.GetFileName(path));
            if (!name.Success || !TryPosition(name.Groups[1].Value, out var at)) return;
            _present.Add((at.Log, at.Segment));
            if (_newest is not { } newest || at.CompareTo(newest.At) > 0) _newest = (at, modified);
        }

        /// <summary>
        /// Whether every segment from <paramref name="from"/> (the oldest backup's start) to the newest is there: a
        /// restore replays them in order and stops at the first missing one.
        /// </summary>
        public WalContinuity ContinuityFrom(string from)
        {
            if (!TryPosition(from, out var start)) throw new FormatException($"\"{from}\" is not a WAL segment name");
            if (_newest is not { } newest) return new WalContinuity(1, null, null, from[8..]);
            long perLog = SegmentsPerLog();
            // A timeline switch starts the new timeline at the segment it left the old one: positions, not names, must be complete.
            long first = start.Index(perLog), last = Math.Max(first, newest.At.Index(perLog));
            var present = _present.Select(at => at.Log * perLog + at.Segment).Where(index => index >= first).ToHashSet();
            long missing = last - first + 1 - present.Count;
            string? firstMissing = null;
            if (missing > 0)
            {
                long hole = first;
                while (present.Contains(hole)) hole++;
                firstMissing = $"{hole / perLog:X8}{hole % perLog:X8}";
            }
            return new WalContinuity(missing, newest.At.Name, newest.Modified, firstMissing);
        }

        /// <summary>
        /// How many segments one log (the second 8 digits) holds: 2^32 bytes divided by the segment size, which no
        /// listing names. It is read from the highest segment number in a log the archive has gone past; PostgreSQL's
        /// default (16 MiB segments: 256) until it has.
        /// </summary>
        private long SegmentsPerLog()
        {
            long lastLog = _present.Max(at => at.Log);
            long highest = _present.Where(at => at.Log < lastLog).Select(at => at.Segment).DefaultIfEmpty(-1).Max();
            return highest < 0 ? 256 : (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)highest + 1);
        }
    }

    private readonly record struct Position(string Name, long Log, long Segment) : IComparable<Position>
    {
        public long Index(long perLog) => Log * perLog + Segment;

        public int CompareTo(Position other) => (Log, Segment).CompareTo((other.Log, other.Segment));
    }

    private static bool TryPosition(string name, out Position position)
    {
        position = default;
        if (name.Length != 24 || !long.TryParse(name.AsSpan(8, 8), NumberStyles.HexNumber, null, out long log)
            || !long.TryParse(name.AsSpan(16, 8), NumberStyles.HexNumber, null, out long segment)) return false;
        position = new Position(name, log, segment);
        return true;
    }

    /// <summary>
    /// The last ended run in a command's log (<c>&lt;stanza&gt;-backup.log</c>): when it ended, whether it completed, and
    /// its error. Null if the text holds no run's end (a run under way is judged when it ends). The log's times are the
    /// host's local time, given by <paramref name="zone"/>.
    /// </summary>
    public static CommandRun? LastRun(string log, TimeZoneInfo zone)
    {
        string[] lines = log.Split('\n');
        int end = System.Array.FindLastIndex(lines, line => line.Contains(" command end: ", StringComparison.Ordinal));
        if (end < 0) return null;
        string line = lines[end];
        if (!DateTime.TryParseExact(line.Length >= 23 ? line[..23] : line, "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            throw new FormatException($"the log line \"{line}\" does not start with a time");
        var ended = new DateTimeOffset(local, zone.GetUtcOffset(local));
        string outcome = line[(line.IndexOf(" command end: ", StringComparison.Ordinal) + " command end: ".Length)..].Trim();
        if (outcome.StartsWith("completed successfully", StringComparison.Ordinal)) return new CommandRun(ended, true, null);
        string? error = null;
        for (int i = end - 1; i >= 0 && !lines[i].Contains(" command begin ", StringComparison.Ordinal); i--)
        {
            int at = lines[i].IndexOf(" ERROR: ", StringComparison.Ordinal);
            if (at >= 0)
            {
                error = lines[i][(at + " ERROR: ".Length)..].Trim();
                break;
            }
        }
        return new CommandRun(ended, false, error ?? outcome);
    }

    private static JsonDocument Parse(string json, string what)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{what} did not write JSON ({ex.Message})");
        }
    }

    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new FormatException($"pgBackRest's JSON has no \"{name}\" where expected");

    private static string Text(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.String } text ? text.GetString()! : throw new FormatException($"pgBackRest's \"{name}\" is no string");

    private static string? OptionalText(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Number(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.Number } number && number.TryGetInt32(out int value)
            ? value
            : throw new FormatException($"pgBackRest's \"{name}\" is no whole number");

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : throw new FormatException($"pgBackRest's \"{name}\" is no list");

    /// <summary>An archive's folder of one timeline's log: 8 digits of timeline, 8 of log.</summary>
    [GeneratedRegex("^[0-9A-F]{16}$")]
    private static partial Regex LogFolder();

    /// <summary>A segment in the archive: its 24-digit name, the file's hash, and the compression's extension if any.</summary>
    [GeneratedRegex(@"^([0-9A-F]{24})-[0-9a-f]{40}(\.[a-z0-9]+)?$")]
    private static partial Regex SegmentFile();
}

/// <summary>The WAL archive from the oldest backup's start on.</summary>
/// <param name="MissingSegments">Segments absent between the oldest backup's start and the newest segment (0: continuous).</param>
/// <param name="Newest">The newest segment's name; null if none is archived.</param>
/// <param name="NewestModified">When the newest segment was stored.</param>
/// <param name="FirstMissing">The first absent segment's position (log and segment digits, any timeline), for the log.</param>
public sealed record WalContinuity(long MissingSegments, string? Newest, DateTimeOffset? NewestModified, string? FirstMissing);

/// <summary>A command's last ended run in its log.</summary>
/// <param name="Error">pgBackRest's error line (<c>[056]: unable to find primary cluster - cannot proceed</c>) of a failed run.</param>
public sealed record CommandRun(DateTimeOffset Ended, bool Succeeded, string? Error);

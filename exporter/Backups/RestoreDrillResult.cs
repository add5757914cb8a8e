using System.Globalization;
using System.Text;

namespace XxExporter.Backups;

/// <summary>The last restore drill of one database, as deploy/restore-drill/xx-restore-drill recorded it.</summary>
/// <param name="Passed">True if the backup restored, PostgreSQL started on it and the sanity queries passed.</param>
/// <param name="Finished">When the drill of this database ended.</param>
/// <param name="Kind">How it was backed up: pgbackrest or dump (the script's words; another is shown as given).</param>
/// <param name="Label">The restored backup: pgBackRest's set label or the dump's file name; empty if none was found.</param>
/// <param name="BackupTime">When the restored backup was taken, as it says; null if no backup was found.</param>
/// <param name="Reason">Why it failed, one line in the tool's words; empty when it passed.</param>
public sealed record RestoreDrill(string Database, bool Passed, DateTimeOffset Finished, double DurationSeconds, string Kind, string Label,
    DateTimeOffset? BackupTime, string Reason);

/// <summary>What a result file holds: the drills it records and, for each line or database it could not take, why.</summary>
public sealed record RestoreDrillFile(IReadOnlyList<RestoreDrill> Drills, IReadOnlyList<string> Problems);

/// <summary>
/// Reads the restore drill's result file (docs/backups.md, "The result file"): UTF-8 lines of
/// <c>&lt;database&gt;.&lt;key&gt;=&lt;value&gt;</c>, the value running to the end of the line; blank lines and lines
/// starting with <c>#</c> say nothing. Keys: <c>result</c> (ok or failed) and <c>finished</c> (Unix seconds) are
/// required, <c>duration_seconds</c>, <c>kind</c>, <c>label</c>, <c>backup_time</c> (Unix seconds, empty if unknown) and
/// <c>reason</c> optional; other keys are left for newer scripts. A database whose lines do not make a drill is left
/// out with its problem named. Pure: no I/O.
/// </summary>
public static class RestoreDrillResult
{
    public static RestoreDrillFile Parse(ReadOnlySpan<byte> content)
    {
        var fields = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var problems = new List<string>();
        string[] lines = Encoding.UTF8.GetString(content).TrimStart('\uFEFF').Split('\n');
        for (int number = 1; number <= lines.Length; number++)
        {
            string line = lines[number - 1].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.StartsWith('#')) continue;
            int equals = line.IndexOf('='), dot = line.IndexOf('.');
            if (equals < 0 || dot <= 0 || dot > equals || !IsDatabaseName(line.AsSpan(0, dot)))
            {
                problems.Add($"line {number} is not database.key=value (a database name of letters, digits and _)");
                continue;
            }
            string database = line[..dot];
            if (!fields.TryGetValue(database, out var keys)) fields[database] = keys = new(StringComparer.Ordinal);
            keys[line[(dot + 1)..equals]] = line[(equals + 1)..];
        }
        var drills = new List<RestoreDrill>();
        foreach (var (database, keys) in fields)
        {
            if (Drill(database, keys, out string? problem) is { } drill) drills.Add(drill);
            else problems.Add($"{database}: {problem}");
        }
        return new RestoreDrillFile(drills, problems);
    }

    private static RestoreDrill? Drill(string database, Dictionary<string, string> keys, out string? problem)
    {
        problem = null;
        bool? passed = keys.GetValueOrDefault("result") switch { "ok" => true, "failed" => false, _ => null };
        if (passed is null) problem = $"result is \"{keys.GetValueOrDefault("result")}\", not ok or failed";
        else if (!keys.TryGetValue("finished", out string? finished) || Time(finished) is not { } end) problem = $"finished is \"{keys.GetValueOrDefault("finished")}\", not Unix seconds";
        else if (!TryDuration(keys.GetValueOrDefault("duration_seconds", "0"), out double duration)) problem = $"duration_seconds is \"{keys["duration_seconds"]}\", not seconds";
        else if (keys.GetValueOrDefault("backup_time", "") is { Length: > 0 } taken && Time(taken) is null) problem = $"backup_time is \"{taken}\", not Unix seconds";
        else
        {
            string backupTime = keys.GetValueOrDefault("backup_time", "");
            return new RestoreDrill(database, passed.Value, end, duration, keys.GetValueOrDefault("kind", ""), keys.GetValueOrDefault("label", ""),
                backupTime.Length > 0 ? Time(backupTime) : null, keys.GetValueOrDefault("reason", ""));
        }
        return null;
    }

    private static DateTimeOffset? Time(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static bool TryDuration(string text, out double seconds) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds) && double.IsFinite(seconds);

    private static bool IsDatabaseName(ReadOnlySpan<char> name)
    {
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        return name.Length > 0;
    }
}

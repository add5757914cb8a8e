using System.Globalization;
using System.Text.Json;

namespace XxExporter.Backups;

/// <summary>One snapshot as <c>restic snapshots --json</c> lists it.</summary>
/// <param name="Paths">What was backed up (absolute paths).</param>
public sealed record ResticSnapshot(string Id, DateTimeOffset Time, string Host, IReadOnlyList<string> Paths);

/// <summary>The snapshots of a restic repository (<c>restic snapshots --json</c>), and the newest that holds a folder.</summary>
public static class ResticSnapshots
{
    /// <summary>
    /// The snapshots of <c>restic snapshots --json</c>: a JSON array of objects with <c>id</c>, <c>time</c> (RFC 3339,
    /// nanoseconds), <c>hostname</c> and <c>paths</c>. Throws <see cref="InvalidDataException"/> for anything else.
    /// </summary>
    public static IReadOnlyList<ResticSnapshot> Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException("restic snapshots --json gave no list of snapshots");
            return [.. document.RootElement.EnumerateArray().Select(Snapshot)];
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"restic snapshots --json gave what is not read as its snapshot list ({ex.Message})", ex);
        }
    }

    private static ResticSnapshot Snapshot(JsonElement snapshot) => new(
        snapshot.GetProperty("id").GetString()!,
        // Go writes nanoseconds; .NET keeps 100 ns, so the digits past the seventh are dropped first.
        DateTimeOffset.Parse(TrimFraction(snapshot.GetProperty("time").GetString()!), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        snapshot.TryGetProperty("hostname", out var host) ? host.GetString() ?? "" : "",
        snapshot.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Array ? [.. paths.EnumerateArray().Select(path => path.GetString()!)] : []);

    private static string TrimFraction(string time)
    {
        int dot = time.IndexOf('.');
        if (dot < 0) return time;
        int end = dot + 1;
        while (end < time.Length && char.IsAsciiDigit(time[end])) end++;
        return end - dot - 1 > 7 ? time[..(dot + 8)] + time[end..] : time;
    }

    /// <summary>
    /// The newest snapshot that holds <paramref name="folder"/> (one of its paths is the folder or a folder above it),
    /// of <paramref name="host"/> if given; null if none does.
    /// </summary>
    public static ResticSnapshot? Newest(IEnumerable<ResticSnapshot> snapshots, string folder, string? host) =>
        snapshots.Where(snapshot => (host is null || snapshot.Host == host) && snapshot.Paths.Any(path => Holds(path, folder)))
            .MaxBy(snapshot => snapshot.Time);

    /// <summary>Whether a backup of <paramref name="path"/> holds <paramref name="folder"/>: they are the same, or it is above it.</summary>
    public static bool Holds(string path, string folder)
    {
        string above = path.TrimEnd('/'), below = folder.TrimEnd('/');
        return below == above || below.StartsWith(above + "/", StringComparison.Ordinal);
    }
}

namespace XxExporter.Settings;

/// <summary>The known name a misspelt one most likely meant, for "did you mean" in errors.</summary>
public static class Nearest
{
    /// <summary>The name in <paramref name="known"/> closest to <paramref name="name"/> in edits (case aside).</summary>
    public static string Of(string name, IEnumerable<string> known) =>
        known.MinBy(candidate => Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant()))!;

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

using System.Text;

namespace XxExporter.Tests.Support;

/// <summary>Line diffs for golden-file tests, in the unified format of <c>diff -u</c> (so a reviewer reads them as usual).</summary>
public static class TextDiff
{
    /// <summary>The hunks that turn <paramref name="expected"/> into <paramref name="actual"/>, with three lines of context.</summary>
    public static string Unified(string expected, string actual, string expectedName = "expected", string actualName = "actual")
    {
        string[] a = Lines(expected), b = Lines(actual);
        var edits = Edits(a, b);
        var text = new StringBuilder($"--- {expectedName}\n+++ {actualName}\n");
        const int context = 3;
        for (int i = 0; i < edits.Count;)
        {
            if (edits[i].Kind == ' ') { i++; continue; }
            int start = Math.Max(0, i - context), end = i;
            // A hunk runs on while the next change is within two contexts of the last one.
            while (end < edits.Count)
            {
                int next = edits.FindIndex(end, e => e.Kind != ' ');
                if (next < 0 || next - end > 2 * context) break;
                end = edits.FindIndex(next, e => e.Kind == ' ') is int same and >= 0 ? same : edits.Count;
            }
            end = Math.Min(edits.Count, end + context);
            var hunk = edits.GetRange(start, end - start);
            text.Append($"@@ -{edits[start].Old + 1},{hunk.Count(e => e.Kind != '+')} +{edits[start].New + 1},{hunk.Count(e => e.Kind != '-')} @@\n");
            foreach (var edit in hunk) text.Append(edit.Kind).Append(edit.Line).Append('\n');
            i = end;
        }
        return text.ToString();
    }

    private static string[] Lines(string text) => text.EndsWith('\n') ? text[..^1].Split('\n') : text.Split('\n');

    private readonly record struct Edit(char Kind, string Line, int Old, int New);

    /// <summary>A shortest edit script from the longest common subsequence (the files are a few hundred lines).</summary>
    private static List<Edit> Edits(string[] a, string[] b)
    {
        var common = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
            for (int j = b.Length - 1; j >= 0; j--)
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
        var edits = new List<Edit>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) edits.Add(new(' ', a[x++], x - 1, y++));
            // Removals before additions, as diff -u shows a changed line.
            else if (x < a.Length && (y == b.Length || common[x + 1, y] >= common[x, y + 1])) edits.Add(new('-', a[x++], x - 1, y));
            else edits.Add(new('+', b[y++], x, y - 1));
        }
        return edits;
    }
}

using System.Globalization;
using System.Text;
using XxExporter.Files;
using XxExporter.Parsing;

namespace XxExporter.Settings;

/// <summary>The parsers settings share. Each throws <see cref="FormatException"/> saying what the text must be.</summary>
public static class Parsers
{
    public static string Text(string text) => text;

    /// <summary>Empty text is "not set".</summary>
    public static string? Optional(string text) => text.Length > 0 ? text : null;

    public static bool Switch(string text) => bool.TryParse(text, out bool value) ? value : throw new FormatException("must be true or false");

    public static Func<string, int> Int(int min, int max) => text =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new FormatException($"must be a whole number from {min} to {max}");

    /// <summary>A Go-style duration (as Prometheus tools write them: 250ms, 1s, 1m30s) from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Func<string, TimeSpan> Duration(string min, string max)
    {
        var (low, high) = (Duration(min), Duration(max));
        return text => Duration(text) is var value && value >= low && value <= high
            ? value
            : throw new FormatException($"must be from {min} to {max}");
    }

    private static TimeSpan Duration(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (!GoDuration.TryRead(bytes, out double seconds, out int used) || used != bytes.Length)
            throw new FormatException("must be a duration such as 250ms, 1s or 1m30s");
        if (seconds >= TimeSpan.MaxValue.TotalSeconds) throw new FormatException("is longer than any time span");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>One of <paramref name="choices"/>, as written.</summary>
    public static Func<string, string> OneOf(params string[] choices) => text =>
        choices.Contains(text) ? text : throw new FormatException($"must be {Choices(choices)}");

    /// <summary>"a, b or c".</summary>
    public static string Choices(IReadOnlyList<string> choices) =>
        choices.Count == 1 ? choices[0] : $"{string.Join(", ", choices.Take(choices.Count - 1))} or {choices[^1]}";

    /// <summary>
    /// A comma-separated list of <c>name=value</c> (values may not contain commas), each made by
    /// <paramref name="item"/>; a name given twice is refused (names are label values).
    /// </summary>
    public static Func<string, IReadOnlyList<T>> NamedList<T>(Func<string, string, T> item) => text =>
    {
        var items = new List<T>();
        var names = new HashSet<string>();
        foreach (string entry in List(text))
        {
            int equals = entry.IndexOf('=');
            if (equals <= 0) throw new FormatException($"\"{entry}\" is not name=value");
            string name = entry[..equals].Trim();
            if (!names.Add(name)) throw new FormatException($"{name} is given twice");
            items.Add(item(name, entry[(equals + 1)..].Trim()));
        }
        return items;
    };

    /// <summary>The file's text (UTF-8, a byte order mark dropped); what keeps it from being read, in a few words.</summary>
    public static string ReadFile(string path)
    {
        try
        {
            // Through SmallFile: a FIFO here would block the start.
            return Encoding.UTF8.GetString(SmallFile.ReadAllBytes(path)).TrimStart('\uFEFF');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormatException(ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "does not exist",
                UnauthorizedAccessException => "is not readable by this user",
                _ => "cannot be read",
            });
        }
    }

    /// <summary>The items of a comma-separated list, trimmed, without empty ones.</summary>
    public static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

using System.Text.Json;

namespace XxExporter.Settings;

/// <summary>
/// A JSON settings file (appsettings.json): objects whose nested names are the settings' keys
/// (<c>{ "Web": { "ListenAddress": ":19420" } }</c> sets <c>Web:ListenAddress</c>). A key no setting has is an error,
/// not ignored: a misspelt key would otherwise leave its default in force without a word.
/// </summary>
public static class SettingsFile
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// The file's values by key (case-insensitive, as flags and environment variables match them). Throws
    /// <see cref="SettingsException"/> naming the file and the cause: unreadable, not JSON (with its line and
    /// column), an unknown key (with the nearest known one), a value where an object belongs or the reverse.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(string path, IEnumerable<Setting> settings)
    {
        string text;
        try
        {
            text = Parsers.ReadFile(path);
        }
        catch (FormatException ex)
        {
            throw Fail(path, ex.Message);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Options);
        }
        catch (JsonException ex)
        {
            // Its position is what helps; its message is written for JSON experts.
            throw Fail(path, $"is not valid JSON at line {ex.LineNumber + 1}, column {ex.BytePositionInLine + 1}");
        }
        using (document)
        {
            var keys = settings.Select(s => s.Key).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
            var sections = keys.SelectMany(Sections).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Fail(path, "must hold one JSON object");
            Walk(document.RootElement, "");
            return values;

            void Walk(JsonElement section, string prefix)
            {
                foreach (var property in section.EnumerateObject())
                {
                    string key = prefix + property.Name;
                    var value = property.Value;
                    if (keys.Contains(key))
                    {
                        if (!values.TryAdd(key, Text(path, key, value))) throw Fail(path, $"gives {key} twice");
                    }
                    else if (sections.Contains(key))
                    {
                        if (value.ValueKind != JsonValueKind.Object)
                            throw Fail(path, $"has {Kind(value)} for {key}, which must be an object of settings (such as {keys.First(k => k.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase))})");
                        Walk(value, key + ":");
                    }
                    else
                    {
                        throw Fail(path, $"has the unknown key {key} (did you mean {Nearest.Of(key, keys.Concat(sections))}?)");
                    }
                }
            }
        }
    }

    private static string Text(string path, string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "",
        _ => throw Fail(path, $"has {Kind(value)} for {key}, which takes a string, a number or true/false"),
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => "true/false",
    };

    /// <summary>Postgres:Node:Host is in the sections Postgres and Postgres:Node.</summary>
    private static IEnumerable<string> Sections(string key)
    {
        for (int colon = key.IndexOf(':'); colon > 0; colon = key.IndexOf(':', colon + 1)) yield return key[..colon];
    }

    private static SettingsException Fail(string path, string problem) => new($"settings file {path} {problem}");
}

namespace XxExporter.Settings;

/// <summary>
/// The text of each setting, from the first place that gives it: a flag, then an environment variable, then the
/// settings file, else the setting's default. Each setting is parsed once; an invalid text is an error naming where
/// it was given.
/// </summary>
/// <param name="flags">What the command line gave.</param>
/// <param name="environment">Environment variables by key (see <see cref="EnvironmentByKey"/>).</param>
/// <param name="file">The settings file by key (see <see cref="SettingsFile.Read"/>).</param>
/// <param name="filePath">The settings file's path, for errors.</param>
public sealed class SettingValues(
    IReadOnlyDictionary<Setting, string> flags, IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> file,
    string? filePath = null)
{
    private readonly Dictionary<Setting, object?> _parsed = [];

    public string Text(Setting setting) => Given(setting).Text;

    /// <summary>The setting's value; a <see cref="SettingsException"/> naming where it was given if its text is invalid.</summary>
    public T Get<T>(Setting<T> setting)
    {
        if (_parsed.TryGetValue(setting, out object? parsed)) return (T)parsed!;
        var (text, given, file) = Given(setting);
        T value = setting.Parse(text, given, file);
        _parsed[setting] = value;
        return value;
    }

    /// <summary>The one-line error for a value that parsed but cannot be used, naming where it was given.</summary>
    public SettingsException Invalid(Setting setting, string problem)
    {
        var (text, given, file) = Given(setting);
        return setting.Invalid(text, problem, given, file);
    }

    /// <summary>The setting's text and where it was given: by its flag (or its default), its variable, or its key in the file.</summary>
    private (string Text, string? Given, string? File) Given(Setting setting) =>
        flags.TryGetValue(setting, out string? text) ? (text, null, null)
        : setting.Key is not { } key ? (setting.Default, null, null)
        : environment.TryGetValue(key, out text) ? (text, setting.EnvironmentVariable, null)
        : file.TryGetValue(key, out text) ? (text, setting.Key, filePath ?? "")
        : (setting.Default, null, null);

    /// <summary>
    /// The <see cref="Setting.EnvironmentPrefix"/> variables by the key they set (<c>XX_EXPORTER_LOGS__DIR</c> sets
    /// <c>Logs:Dir</c>); keys, like the settings file's, are case-insensitive.
    /// </summary>
    public static IReadOnlyDictionary<string, string> EnvironmentByKey(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var byKey = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in variables)
        {
            if (name.StartsWith(Setting.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                byKey[name[Setting.EnvironmentPrefix.Length..].Replace("__", ":")] = value;
        }
        return byKey;
    }

    /// <summary>
    /// Refuses a variable no setting has (a misspelt one would leave its default in force without a word), naming the
    /// nearest one.
    /// </summary>
    public static void RefuseUnknown(IReadOnlyDictionary<string, string> environment, IEnumerable<Setting> settings)
    {
        var known = settings.Select(s => s.EnvironmentVariable).OfType<string>().ToList();
        foreach (string key in environment.Keys)
        {
            string variable = Setting.EnvironmentPrefix + key.Replace(":", "__").ToUpperInvariant();
            if (!known.Contains(variable))
                throw new SettingsException($"unknown environment variable {variable} (did you mean {Nearest.Of(variable, known)}?)");
        }
    }
}

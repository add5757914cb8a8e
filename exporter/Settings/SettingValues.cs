namespace XxExporter.Settings;

/// <summary>
/// The text of each setting, from the first place that gives it: a flag, then an environment variable, then the
/// settings file, else the setting's default.
/// </summary>
/// <param name="flags">What the command line gave.</param>
/// <param name="environment">Environment variables by key (see <see cref="EnvironmentByKey"/>).</param>
/// <param name="file">The settings file by key (see <see cref="SettingsFile.Read"/>).</param>
public sealed class SettingValues(
    IReadOnlyDictionary<Setting, string> flags, IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> file)
{
    public string Text(Setting setting) =>
        flags.TryGetValue(setting, out string? text) ? text
        : setting.Key is { } key && (environment.TryGetValue(key, out text) || file.TryGetValue(key, out text)) ? text
        : setting.Default;

    /// <summary>The setting's value; a <see cref="SettingsException"/> naming it if its text is invalid.</summary>
    public T Get<T>(Setting<T> setting) => setting.Parse(Text(setting));

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
}

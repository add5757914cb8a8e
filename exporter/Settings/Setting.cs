namespace XxExporter.Settings;

/// <summary>
/// One setting, written once: its flag, its key in the settings file (and so its environment variable), its
/// default, its help line, and how its text becomes a value. <c>--help</c>, the settings file's check for unknown
/// keys, the loading, the shipped appsettings.json and docs/reference/settings.md (both generated) all read these.
/// </summary>
public abstract class Setting(string? flag, string? key, string defaultText, string help)
{
    public const string EnvironmentPrefix = "XX_EXPORTER_";

    /// <summary>The command-line flag without its dashes; null for a secret, which <c>ps</c> would show as a flag.</summary>
    public string? Flag { get; } = flag;

    /// <summary>The key in the settings file (<c>Postgres:Node:Host</c>); null for a setting only flags give.</summary>
    public string? Key { get; } = key;

    /// <summary><see cref="EnvironmentPrefix"/> + the key in capitals with <c>__</c> for <c>:</c>.</summary>
    public string? EnvironmentVariable => Key is null ? null : EnvironmentPrefix + Key.Replace(":", "__").ToUpperInvariant();

    /// <summary>The text used when no flag, environment variable or settings file gives one.</summary>
    public string Default { get; } = defaultText;

    public string Help { get; } = help;

    /// <summary>What the text names: paths must be reachable where the exporter runs (docker-compose.yml mounts them).</summary>
    public SettingKind Kind { get; init; }

    /// <summary>A true/false flag, which may be given without a value (<c>--once</c>).</summary>
    public abstract bool IsSwitch { get; }

    /// <summary>How messages name the setting: its flag, or its key if it has none.</summary>
    public string Name => Flag is null ? Key! : "--" + Flag;

    /// <summary>
    /// The one-line error for <paramref name="text"/>: <c>invalid --flag "text": problem</c>, or naming instead of the
    /// flag where the text was given: its environment variable, or its key in <paramref name="file"/>.
    /// </summary>
    public SettingsException Invalid(string text, string problem, string? given = null, string? file = null) =>
        new($"invalid {given ?? Name} \"{text}\"{(file is null ? "" : $" in settings file {file}")}: {problem}");
}

public enum SettingKind
{
    /// <summary>Not a path.</summary>
    Value,
    /// <summary>A file, a folder or a glob.</summary>
    Path,
    /// <summary>A comma-separated list of name=path.</summary>
    NamedPaths,
    /// <summary>A comma-separated list of files, folders or globs.</summary>
    Paths,
}

/// <param name="parse">Turns the text into the value; throws <see cref="FormatException"/> whose message says what
/// the text must be (<c>must be a whole number from 1 to 20</c>).</param>
public sealed class Setting<T>(string? flag, string? key, string defaultText, string help, Func<string, T> parse)
    : Setting(flag, key, defaultText, help)
{
    public override bool IsSwitch => typeof(T) == typeof(bool);

    /// <summary>
    /// The value of <paramref name="text"/>, or a <see cref="SettingsException"/> naming this setting (or where the
    /// text was given, see <see cref="Setting.Invalid"/>).
    /// </summary>
    public T Parse(string text, string? given = null, string? file = null)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException ex)
        {
            throw Invalid(text, ex.Message, given, file);
        }
    }
}

using System.Text;
using XxExporter.Settings;

namespace XxExporter.Hosting;

/// <summary>What the command line asked for: the flags given (by setting), or help, or the version.</summary>
public sealed record CommandLineRequest(IReadOnlyDictionary<Setting, string> Flags, bool ShowHelp, bool ShowVersion);

/// <summary>
/// Flags in the style of Prometheus exporters (<c>--web.listen-address=:19420</c> or <c>--web.listen-address :19420</c>;
/// switches as <c>--once</c>, <c>--once=false</c> or <c>--no-once</c>), one for each setting of
/// <see cref="ExporterSettings.Table"/> that has one.
/// </summary>
public static class CommandLine
{
    /// <summary>Parses <paramref name="args"/>; throws <see cref="SettingsException"/> with a one-line message.</summary>
    public static CommandLineRequest Parse(IReadOnlyList<string> args)
    {
        var flags = new Dictionary<Setting, string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help") return new(flags, ShowHelp: true, ShowVersion: false);
            if (arg is "--version") return new(flags, ShowHelp: false, ShowVersion: true);
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new SettingsException($"unexpected argument \"{arg}\" (flags look like --name=value; see --help)");
            string name = arg[2..];
            string? value = null;
            int equals = name.IndexOf('=');
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            var setting = ExporterSettings.Table.All.FirstOrDefault(s => s.Flag == name);
            if (setting is null && value is null && name.StartsWith("no-", StringComparison.Ordinal)
                && ExporterSettings.Table.All.FirstOrDefault(s => s.IsSwitch && s.Flag == name[3..]) is { } negated)
            {
                flags[negated] = "false";
                continue;
            }
            if (setting is null)
            {
                var flagged = ExporterSettings.Table.All.Select(s => s.Flag).OfType<string>();
                throw new SettingsException(name.EndsWith(".password", StringComparison.Ordinal)
                    ? $"passwords are not taken on the command line (it shows in ps): use --{name}-file or the environment (see --help)"
                    : $"unknown flag --{name} (did you mean --{Nearest.Of(name, flagged)}? see --help)");
            }
            if (value is null && setting.IsSwitch) value = "true";
            else if (value is null)
            {
                if (i + 1 >= args.Count) throw new SettingsException($"--{name} needs a value");
                value = args[++i];
            }
            flags[setting] = value;
        }
        return new(flags, ShowHelp: false, ShowVersion: false);
    }

    public static string Usage()
    {
        var shown = ExporterSettings.Table.All.ToDictionary(s => s,
            s => s.Flag is null ? s.EnvironmentVariable! : s.IsSwitch ? $"--{s.Flag}" : $"--{s.Flag}=VALUE");
        int width = shown.Values.Max(name => name.Length);
        var text = new StringBuilder("usage: xx-exporter [flags]\n\nflags:\n");
        foreach (var setting in ExporterSettings.Table.All.Where(s => s.Flag is not null)) Line(setting);
        text.Append("\nonly in the environment or the settings file:\n");
        foreach (var setting in ExporterSettings.Table.All.Where(s => s.Flag is null)) Line(setting);
        text.Append($"\nA switch is turned off with --no-<flag> or --<flag>=false.\n");
        text.Append($"Every [Key] can also be set in the --config.file JSON or as environment variable {Setting.EnvironmentPrefix}<KEY> with __ for ':'.\n");
        return text.ToString();

        void Line(Setting setting)
        {
            text.Append($"  {shown[setting].PadRight(width)} {setting.Help}");
            if (setting.Default.Length > 0 && !setting.IsSwitch) text.Append($" (default \"{setting.Default}\")");
            if (setting.Key is not null) text.Append($" [{setting.Key}]");
            text.Append('\n');
        }
    }
}

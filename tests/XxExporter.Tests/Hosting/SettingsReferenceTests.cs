using System.Text;
using System.Text.Json;
using XxExporter.Hosting;
using XxExporter.Settings;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary>
/// The files made from the settings table (<see cref="ExporterSettings.Table"/>), where each default is written once:
/// the shipped exporter/appsettings.json and docs/reference/settings.md.
/// </summary>
public sealed class SettingsReferenceTests
{
    [Fact]
    [Trait(GeneratedFile.Trait, GeneratedFile.Category)]
    public Task The_shipped_settings_file_holds_every_setting_with_its_default() =>
        GeneratedFile.AssertCurrent("exporter/appsettings.json", ShippedSettingsFile());

    [Fact]
    [Trait(GeneratedFile.Trait, GeneratedFile.Category)]
    public Task The_settings_reference_lists_every_setting() => GeneratedFile.AssertCurrent("docs/reference/settings.md", Reference());

    [Fact]
    public void The_shipped_settings_file_reads_as_the_defaults()
    {
        var file = SettingsFile.Read(Repository.PathOf("exporter/appsettings.json"), ExporterSettings.Table.All);
        var values = new SettingValues(new Dictionary<Setting, string>(), new Dictionary<string, string>(), file);
        Assert.All(ExporterSettings.Table.All, setting => Assert.Equal(setting.Default, values.Text(setting)));
    }

    /// <summary>
    /// Every key with its default, in the table's order, numbers and switches as JSON numbers and true/false. The
    /// passwords (the settings without a flag) are left out: a file beside the binary is no place for them.
    /// </summary>
    private static string ShippedSettingsFile()
    {
        var root = new Section();
        foreach (var setting in ExporterSettings.Table.All.Where(s => s.Key is not null && s.Flag is not null))
        {
            string[] path = setting.Key!.Split(':');
            var section = root;
            foreach (string name in path[..^1]) section = section.Child(name);
            section.Entries.Add((path[^1], setting));
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            root.Write(json);
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private sealed class Section
    {
        public List<(string Name, object Entry)> Entries { get; } = [];

        public Section Child(string name)
        {
            if (Entries.FirstOrDefault(e => e.Name == name).Entry is Section existing) return existing;
            var child = new Section();
            Entries.Add((name, child));
            return child;
        }

        public void Write(Utf8JsonWriter json)
        {
            json.WriteStartObject();
            foreach (var (name, entry) in Entries)
            {
                json.WritePropertyName(name);
                switch (entry)
                {
                    case Section section: section.Write(json); break;
                    case Setting<bool> flag: json.WriteBooleanValue(flag.Parse(flag.Default)); break;
                    case Setting<int> number: json.WriteNumberValue(number.Parse(number.Default)); break;
                    case Setting setting: json.WriteStringValue(setting.Default); break;
                }
            }
            json.WriteEndObject();
        }
    }

    private static string Reference()
    {
        var text = new StringBuilder($"""
            # Settings

            <!-- Generated from the settings table in the code (exporter/Hosting/ExporterSettings.cs and the tables it lists).
                 Do not edit: `{GeneratedFile.Command}` writes it. -->

            Every setting has a flag (but the passwords, which `ps` would show), a key in the settings file
            (`appsettings.json` beside the binary, or the file given by `--config.file`) and an environment variable:
            `{Setting.EnvironmentPrefix}` and the key in capitals with `__` for `:`. Flags win over the environment, which wins
            over the file. A switch is given as `--name`, `--name=false` or `--no-name`. An unknown flag, variable or key and
            an invalid value stop the exporter at start with one line naming it (exit code 2). `xx-exporter --help` lists the same.

            Each `--collector.<name>` switch turns a source read at each scrape on or off; a source whose settings name
            nothing to read (an empty list or path) is off as well. Settings marked *path* name files or folders on the
            host: in a container they must be mounted (docker-compose.yml mounts each one it sets).

            | Flag | Environment variable | File key | Default | Meaning |
            |---|---|---|---|---|

            """);
        foreach (var setting in ExporterSettings.Table.All)
        {
            string kind = setting.Kind switch
            {
                SettingKind.Path => " *(path)*", SettingKind.NamedPaths => " *(name=path list)*", SettingKind.Paths => " *(path list)*", _ => "",
            };
            text.Append($"| {Code(setting.Flag is null ? "" : "--" + setting.Flag)} | {Code(setting.EnvironmentVariable ?? "")} | {Code(setting.Key ?? "")} ");
            text.Append($"| {Code(setting.Default)} | {Cell(setting.Help)}{kind} |\n");
        }
        return text.ToString();

        static string Code(string value) => value.Length == 0 ? "" : $"`{value.Replace("|", "\\|")}`";

        static string Cell(string value) => value.Replace("|", "\\|").Replace("*", "\\*").Replace("<", "&lt;");
    }
}

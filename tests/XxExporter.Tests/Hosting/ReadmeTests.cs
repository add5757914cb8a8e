using XxExporter.Tests.Support;
using System.Text.RegularExpressions;
using XxExporter.Hosting;

namespace XxExporter.Tests.Hosting;

/// <summary>The README is the metric and flag reference: nothing exported or accepted may be missing from it.</summary>
public class ReadmeTests
{

    private static string Readme() => File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    [Fact]
    public void Every_metric_family_is_documented()
    {
        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "oneshot.prom"));
        var families = golden.Split('\n').Where(l => l.StartsWith("# TYPE ")).Select(l => l.Split(' ')[2]);
        string readme = Readme();
        Assert.All(families, family => Assert.Contains($"`{family}", readme));
    }

    [Fact]
    public void The_settings_table_has_every_setting_and_only_those_with_their_defaults()
    {
        var documented = SettingsTable().ToList();
        var settings = ExporterSettings.Table.All.Select(s => (Flag: s.Flag is null ? "" : $"--{s.Flag}", Key: s.Key ?? "", s.Default)).ToList();
        Assert.Empty(settings.Except(documented));
        Assert.Empty(documented.Except(settings));
        Assert.Equal(settings.Count, documented.Count);
    }

    /// <summary>
    /// README's rows of settings as (flag, key, default), the code spans of the first three columns. A row for both
    /// databases writes <c>&lt;node\|gateway&gt;</c> and stands for one row with each.
    /// </summary>
    private static IEnumerable<(string Flag, string Key, string Default)> SettingsTable()
    {
        var lines = Readme().Split('\n').SkipWhile(l => l != "| Flag | Key | Default | Meaning |").Skip(2).TakeWhile(l => l.StartsWith('|'));
        foreach (string line in lines)
        {
            var cells = Regex.Split(line.Trim('|'), @"(?<!\\)\|").Take(3).Select(cell => cell.Trim().Replace(@"\|", "|").Trim('`')).ToArray();
            var alternatives = Regex.Matches(string.Join(' ', cells), @"<(\w+)\|(\w+)>");
            if (alternatives.Count == 0)
            {
                yield return (cells[0], cells[1], cells[2]);
                continue;
            }
            foreach (int choice in new[] { 1, 2 })
            {
                var chosen = cells.Select(cell => Regex.Replace(cell, @"<(\w+)\|(\w+)>", m => m.Groups[choice].Value)).ToArray();
                yield return (chosen[0], chosen[1], chosen[2]);
            }
        }
    }

    [Fact]
    public void Every_deploy_and_prometheus_file_named_is_shipped()
    {
        var named = Regex.Matches(Readme(), @"(?<![\w/])(?:deploy|prometheus)/[\w./-]+\.(?:service|conf|env|yml)\b").Select(m => m.Value).Distinct().ToList();
        Assert.Contains("deploy/systemd/xx-exporter.service", named);
        Assert.Contains("prometheus/examples/fleet-remote-write.yml", named);
        Assert.All(named, path => Assert.True(File.Exists(Path.Combine(Repository.Root, path)), $"README.md names {path}, which does not exist"));
    }
}

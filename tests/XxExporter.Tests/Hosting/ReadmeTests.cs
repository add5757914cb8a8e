using XxExporter.Tests.Support;
using System.Text.RegularExpressions;
using XxExporter.Tests.Golden;

namespace XxExporter.Tests.Hosting;

/// <summary>The README is the metric reference: nothing exported may be missing from it.</summary>
public partial class ReadmeTests
{

    private static string Readme() => File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    /// <summary>
    /// README's metric tables and the golden scrape of every source (Golden/all-sources.prom) name the same families
    /// with the same labels: nothing served is undocumented, nothing documented is missing or misnamed.
    /// </summary>
    [Fact]
    public void The_metric_tables_name_exactly_the_families_served_with_their_labels()
    {
        var documented = DocumentedFamilies();
        var served = ServedFamilies(File.ReadAllText(Repository.PathOf(AllSourcesGoldenTests.GoldenFile)));
        var problems = served.Keys.Except(documented.Keys).Select(family => $"{family} is served but not in README's metric tables")
            .Concat(documented.Keys.Except(served.Keys).Select(family => $"README documents {family}, which is not served"))
            .Concat(served.Where(f => documented.TryGetValue(f.Key, out string? labels) && labels != f.Value)
                .Select(f => $"{f.Key} is served with labels {{{f.Value}}}, README documents {{{documented[f.Key]}}}"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>Family name to its labels (sorted, comma-separated) from the first column of README's tables under "## Metrics".</summary>
    private static Dictionary<string, string> DocumentedFamilies()
    {
        string readme = Readme();
        int metrics = readme.IndexOf("\n## Metrics\n", StringComparison.Ordinal);
        string section = readme[metrics..readme.IndexOf("\n## ", metrics + 1, StringComparison.Ordinal)];
        return section.Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(row => DocumentedFamily().Matches(row.Split('|')[1]))
            .ToDictionary(m => m.Groups[1].Value, m => Sorted(m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>Family name (from its TYPE line) to the label names of the series under it (a histogram's le aside).</summary>
    private static Dictionary<string, string> ServedFamilies(string exposition)
    {
        var families = new Dictionary<string, HashSet<string>>();
        var current = new HashSet<string>();
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal)) families[line.Split(' ')[2]] = current = [];
            else if (line.Length > 0 && line[0] != '#') current.UnionWith(LabelName().Matches(line).Select(m => m.Groups[1].Value).Where(label => label != "le"));
        }
        return families.ToDictionary(f => f.Key, f => Sorted(f.Value));
    }

    private static string Sorted(IEnumerable<string> labels) => string.Join(',', labels.Distinct().Order(StringComparer.Ordinal));

    [GeneratedRegex(@"`([a-z_]+)(?:\{([a-z_,]*)\})?`")]
    private static partial Regex DocumentedFamily();

    [GeneratedRegex(@"[{,]([a-zA-Z_]\w*)=""")]
    private static partial Regex LabelName();

    [Fact]
    public void Every_deploy_and_prometheus_file_named_is_shipped()
    {
        var named = Regex.Matches(Readme(), @"(?<![\w/])(?:deploy|prometheus)/[\w./-]+\.(?:service|conf|env|yml)\b").Select(m => m.Value).Distinct().ToList();
        Assert.Contains("deploy/systemd/xx-exporter.service", named);
        Assert.Contains("prometheus/examples/fleet-remote-write.yml", named);
        Assert.All(named, path => Assert.True(File.Exists(Path.Combine(Repository.Root, path)), $"README.md names {path}, which does not exist"));
    }
}

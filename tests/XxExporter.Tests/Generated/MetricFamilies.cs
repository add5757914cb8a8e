using System.Text.RegularExpressions;
using XxExporter.Tests.Golden;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Generated;

/// <summary>A metric family the exporter serves: its name, type, HELP text and the label names of its series (a histogram's le aside).</summary>
public sealed record MetricFamily(string Name, string Type, string Help, IReadOnlyList<string> Labels)
{
    /// <summary>The names a query may use for it: a histogram's _bucket, _sum and _count series besides its own name.</summary>
    public IEnumerable<string> SeriesNames => Type == "histogram" ? [Name, Name + "_bucket", Name + "_sum", Name + "_count"] : [Name];
}

/// <summary>The families of exposition text; the golden scrape of every source is the list of what the exporter serves.</summary>
public static partial class MetricFamilies
{
    /// <summary>Every family of the golden scrape of every source (<see cref="AllSourcesGoldenTests.GoldenFile"/>).</summary>
    public static IReadOnlyList<MetricFamily> Served() => Parse(File.ReadAllText(Repository.PathOf(AllSourcesGoldenTests.GoldenFile)));

    /// <summary>The families of <paramref name="exposition"/>, in its order.</summary>
    public static IReadOnlyList<MetricFamily> Parse(string exposition)
    {
        var families = new List<MetricFamily>();
        var help = new Dictionary<string, string>();
        string? name = null, type = null;
        var labels = new SortedSet<string>(StringComparer.Ordinal);
        void Close()
        {
            if (name is not null) families.Add(new MetricFamily(name, type!, help.GetValueOrDefault(name, ""), [.. labels]));
            labels = new SortedSet<string>(StringComparer.Ordinal);
        }
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', 4);
                help[parts[2]] = parts.Length > 3 ? Unescape(parts[3]) : "";
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                Close();
                string[] parts = line.Split(' ');
                (name, type) = (parts[2], parts[3]);
            }
            else if (line.Length > 0 && line[0] != '#')
                labels.UnionWith(LabelName().Matches(line).Select(m => m.Groups[1].Value).Where(label => label != "le"));
        }
        Close();
        return families;
    }

    /// <summary>HELP text escapes only the backslash and the newline.</summary>
    private static string Unescape(string help) => Escape().Replace(help, m => m.Groups[1].Value == "n" ? "\n" : m.Groups[1].Value);

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex Escape();

    [GeneratedRegex(@"[{,]([a-zA-Z_]\w*)=""")]
    private static partial Regex LabelName();
}

using XxExporter.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Tests.Generated;

/// <summary>
/// An alert rule as the reference tables show it: where it is, its severity, its <c>for:</c> (null: none), its summary
/// and its other fixed labels (<c>notify</c>, or the case of a folded alert such as <c>change</c>), as <c>key=value</c>.
/// </summary>
public sealed record AlertRule(string File, string Group, string Name, string Severity, string? For, string Summary, IReadOnlyList<string> Labels);

/// <summary>The alert rules of every file in prometheus/rules/, in file and rule order.</summary>
public static class AlertRules
{
    public const string Folder = "prometheus/rules";

    public static IReadOnlyList<AlertRule> All() =>
        Directory.GetFiles(Repository.PathOf(Folder), "*.yml").Order(StringComparer.Ordinal)
            .SelectMany(path => Of(Path.GetFileName(path), File.ReadAllText(path))).ToList();

    public static IEnumerable<AlertRule> Of(string file, string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var group in Sequence(stream.Documents[0].RootNode, "groups"))
            foreach (var rule in Sequence(group, "rules").Where(rule => Scalar(rule, "alert") is not null))
                yield return new AlertRule(file, Scalar(group, "name") ?? "", Scalar(rule, "alert")!,
                    Scalar(Child(rule, "labels"), "severity") ?? "", Scalar(rule, "for"), Scalar(Child(rule, "annotations"), "summary") ?? "",
                    OtherLabels(Child(rule, "labels")));
    }

    private static List<string> OtherLabels(YamlNode? labels) =>
        (labels as YamlMappingNode)?.Children.Select(l => $"{l.Key}={l.Value}").Where(l => !l.StartsWith("severity=", StringComparison.Ordinal)).ToList() ?? [];

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static IEnumerable<YamlNode> Sequence(YamlNode? node, string key) => (Child(node, key) as YamlSequenceNode)?.Children ?? [];
}

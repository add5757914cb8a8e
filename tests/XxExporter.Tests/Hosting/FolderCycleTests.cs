using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary>
/// The exporter's top-level folders (one namespace each: XxExporter.Chain, XxExporter.Logs, ...) depend on each other
/// one way: a folder that uses another is never used by it, directly or round a loop.
/// </summary>
public sealed partial class FolderCycleTests
{
    [Fact]
    public void No_folder_depends_on_itself_through_others()
    {
        var cycles = Cycles(Dependencies()).Select(c => string.Join(" <-> ", c)).ToList();
        Assert.True(cycles is [], $"Folders of exporter/ that use each other: {string.Join("; ", cycles)}");
    }

    [Fact]
    public void A_cycle_is_found_round_a_loop_of_three()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        Assert.Equal(["A <-> B <-> C"], Cycles(graph).Select(c => string.Join(" <-> ", c)));
    }

    /// <summary>Each top-level folder of exporter/ and the other folders its code names (using directives, qualified names).</summary>
    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        string exporter = Repository.PathOf("exporter");
        var folders = Directory.GetDirectories(exporter).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Cast<string>().ToHashSet();
        return folders.ToDictionary(folder => folder, folder => Directory.GetFiles(Path.Combine(exporter, folder), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => Named().Matches(Code(File.ReadAllText(file))).Select(m => m.Groups[1].Value))
            .Where(other => other != folder && folders.Contains(other)).ToHashSet());
    }

    /// <summary>The code without its namespace declaration, comments and string literals (log categories name folders too).</summary>
    private static string Code(string source) => Strings().Replace(Comments().Replace(Namespace().Replace(source, ""), ""), "\"\"");

    /// <summary>The strongly connected groups of more than one folder, each sorted, in order (Tarjan's algorithm).</summary>
    private static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var groups = new List<List<string>>();
        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            foreach (string next in graph.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (stack.Contains(next)) low[node] = Math.Min(low[node], index[next]);
            }
            if (low[node] != index[node]) return;
            var group = new List<string>();
            string member;
            do group.Add(member = stack.Pop()); while (member != node);
            if (group.Count > 1) groups.Add(group.Order(StringComparer.Ordinal).ToList());
        }
        foreach (string node in graph.Keys.Order(StringComparer.Ordinal))
            if (!index.ContainsKey(node)) Visit(node);
        return groups.OrderBy(g => g[0], StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"\bXxExporter\.([A-Z][A-Za-z0-9]*)")]
    private static partial Regex Named();

    [GeneratedRegex(@"^\s*namespace\s+[\w.]+\s*;", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"//.*$", RegexOptions.Multiline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex Strings();
}

using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The shipped rules in a central ruler: vmalert (Debian's victoria-metrics 1.79) evaluates every rule over the promtool
/// scenarios remote-written into VictoriaMetrics, and into a Prometheus that accepts remote write, and the firing
/// alerts match what promtool expects except where docs/central-ruler.md lists a difference with its cause. A new
/// difference fails, and so does a listed one that no longer happens.
/// </summary>
[FullLane]
public class CentralRulerTests
{
    public const string DocsPage = "docs/central-ruler.md";

    [Fact]
    public async Task VictoriaMetrics_and_vmalert_fire_the_rules_as_promtool_does_but_for_the_listed_differences()
    {
        using var folder = new TempFolder();
        await using var store = await ServerProcess.StartAsync("victoria-metrics", folder.Path, port =>
        [
            $"-httpListenAddr=127.0.0.1:{port}", $"-storageDataPath={folder.File("data")}", "-retentionPeriod=2y",
            // The replay writes into the past and reads it back at once: no cached results of a range before it was written.
            "-search.disableCache", "-loggerLevel=ERROR",
        ], readyPath: "/health");
        // What VictoriaMetrics took is searchable within a second or so; /internal/force_flush makes it so at once.
        await AssertSameAsPromtool("VictoriaMetrics", store, folder, async () => (await store.Http.GetAsync("/internal/force_flush")).EnsureSuccessStatusCode());
    }

    [Fact]
    public async Task Prometheus_receiving_remote_write_and_vmalert_fire_the_rules_as_promtool_does_but_for_the_listed_differences()
    {
        using var folder = new TempFolder();
        // The scenarios lie months back: out-of-order ingestion takes them (and vmalert's ALERTS) after the newest.
        File.WriteAllText(folder.File("prometheus.yml"), "storage:\n  tsdb:\n    out_of_order_time_window: 1y\n");
        await using var store = await ServerProcess.StartAsync("prometheus", folder.Path, port =>
        [
            $"--config.file={folder.File("prometheus.yml")}", $"--web.listen-address=127.0.0.1:{port}",
            $"--storage.tsdb.path={folder.File("data")}", "--storage.tsdb.retention.time=2y", "--web.enable-remote-write-receiver",
        ]);
        // Prometheus answers a remote write once the samples are in its head, where queries find them.
        await AssertSameAsPromtool("Prometheus", store, folder, () => Task.CompletedTask);
    }

    [Fact]
    public async Task Vmalert_loads_every_shipped_rule_file_with_its_templates()
    {
        var rules = Directory.GetFiles(Repository.PathOf("prometheus/rules"), "*.yml").Order().ToList();
        var (code, output) = await Repository.RunAsync("vmalert", ["-dryRun", .. rules.Select(r => $"-rule={r}"), "-loggerLevel=ERROR"]);
        Assert.True(code == 0, $"vmalert -dryRun refuses the shipped rules ({code}):\n{output}");
    }

    private static async Task AssertSameAsPromtool(string storeName, ServerProcess store, TempFolder folder, Func<Task> flush)
    {
        var scenarios = RuleTestScenarios.Load().Where(s => s.Expected.Count > 0).ToList();
        Assert.True(scenarios.Count > 50, $"{RuleTestScenarios.File}: only {scenarios.Count} tests read");
        // The time line ends two hours before now, on a whole hour.
        var length = CentralRuler.End(CentralRuler.Place(scenarios, DateTimeOffset.UnixEpoch)) - DateTimeOffset.UnixEpoch;
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero) - TimeSpan.FromHours(Math.Ceiling(length.TotalHours) + 2);
        var placed = CentralRuler.Place(scenarios, start);

        await RemoteWrite.PostAsync(store.Http, "/api/v1/write", CentralRuler.Series(placed));
        await flush();
        await CentralRuler.ReplayAsync(store.Http, placed, folder.Path, flush);
        var differences = await CentralRuler.DifferencesAsync(store.Http, placed);

        var listed = Listed(storeName);
        var found = differences.Select(d => d.Key).ToHashSet();
        string all = string.Join("\n", differences);
        Assert.True(found.SetEquals(listed),
            $"vmalert over {storeName} differs from promtool where {DocsPage} does not say so:\n"
            + string.Join("\n", differences.Where(d => !listed.Contains(d.Key)))
            + $"\n{DocsPage} lists differences that no longer happen:\n" + string.Join("\n", listed.Where(k => !found.Contains(k)))
            + $"\nall differences:\n{all}");
    }

    /// <summary>The rows of the differences table in docs/central-ruler.md for <paramref name="store"/>: scenario | alert | evaluation time.</summary>
    private static HashSet<string> Listed(string store) =>
        File.ReadLines(Repository.PathOf(DocsPage))
            .Select(line => Regex.Match(line, @"^\| ([^|]+?) \| ([^|]+?) \| (\w+) \| (\w+) \|"))
            .Where(m => m.Success && m.Groups[1].Value.Split(", ").Contains(store))
            .Select(m => $"{m.Groups[2].Value} | {m.Groups[3].Value} | {m.Groups[4].Value}")
            .ToHashSet();
}

using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Tests.Support;

/// <summary>
/// The shipped rules (prometheus/rules/*.yml) evaluated by vmalert (Debian's victoria-metrics 1.79) over the promtool
/// scenarios (<see cref="RuleTestScenarios"/>) remote-written into a central store: VictoriaMetrics (MetricsQL) or a
/// Prometheus with --web.enable-remote-write-receiver (PromQL). vmalert's replay mode evaluates every rule, recording
/// rules included, at every evaluation interval over the scenarios' time and writes ALERTS back into the store, where
/// the firing alerts are read and set against what promtool expects.
/// </summary>
/// <remarks>
/// The scenarios run one after another on one time line, a day and an hour apart (the longest range in the rules is a
/// day), each starting on a whole hour. promtool starts every test at the Unix epoch; here a scenario starts later, so
/// the series that hold a time (*_timestamp_seconds, process_start_time_seconds) carry the same shift, and time() minus
/// them is what promtool sees.
/// </remarks>
public static class CentralRuler
{
    public const string RulesGlob = "prometheus/rules/*.yml";
    private static readonly TimeSpan Gap = TimeSpan.FromDays(1) + TimeSpan.FromHours(1);
    private static readonly TimeSpan EvaluationInterval = TimeSpan.FromMinutes(1);

    /// <summary>A scenario placed on the time line.</summary>
    public sealed record Placed(RuleScenario Scenario, DateTimeOffset Start);

    /// <summary>One place where the ruler and promtool disagree: the scenario, alert and evaluation time, and both sides.</summary>
    public sealed record Difference(string Scenario, string Alert, TimeSpan At, string Promtool, string Ruler)
    {
        public string Key => $"{Scenario} | {Alert} | {Format(At)}";
        public override string ToString() => $"{Key}: promtool {Promtool}; here {Ruler}";
    }

    public static List<Placed> Place(IReadOnlyList<RuleScenario> scenarios, DateTimeOffset start)
    {
        var placed = new List<Placed>();
        foreach (var scenario in scenarios)
        {
            placed.Add(new Placed(scenario, start));
            start += Ceiling(scenario.Span, TimeSpan.FromHours(1)) + Gap;
        }
        return placed;
    }

    /// <summary>The end of the time line: the last scenario's end.</summary>
    public static DateTimeOffset End(IReadOnlyList<Placed> placed) => placed[^1].Start + placed[^1].Scenario.Span;

    /// <summary>The scenarios' series with their timestamps, the time-valued ones shifted with their scenario.</summary>
    public static IEnumerable<WrittenSeries> Series(IReadOnlyList<Placed> placed) =>
        placed.SelectMany(p => p.Scenario.Series.Select(series =>
        {
            string name = series.Labels["__name__"];
            double shift = HoldsATime(name) ? p.Start.ToUnixTimeSeconds() : 0;
            var samples = series.Values.Select((value, i) => (value, i)).Where(v => v.value is not null)
                .Select(v => (p.Start.ToUnixTimeMilliseconds() + (long)(p.Scenario.Interval * v.i).TotalMilliseconds,
                    double.IsNaN(v.value!.Value) || (v.value.Value == 0 && ZeroIsNever.Contains(name)) ? v.value.Value : v.value.Value + shift))
                .ToList();
            return new WrittenSeries(series.Labels, samples);
        }));

    /// <summary>
    /// The times whose 0 means "never" (no WAL archived yet, no gossip heard): those a rule expression asks to be
    /// <c>&gt; 0</c>. Elsewhere 0 is the scenario's start, as in promtool.
    /// </summary>
    private static readonly HashSet<string> ZeroIsNever = Bundle.PrometheusRulesTests.Alerts().Select(a => a.Expr)
        .Concat(Bundle.PrometheusRulesTests.Records().Select(r => r.Expr))
        .SelectMany(expr => System.Text.RegularExpressions.Regex.Matches(expr, @"([a-z_:]+_timestamp_seconds)(?:\{[^}]*\})?\s*>\s*0\b"))
        .Select(m => m.Groups[1].Value).ToHashSet();

    /// <summary>The series whose value is a Unix time: the conventional names, and blackbox_exporter's certificate expiry.</summary>
    private static bool HoldsATime(string name) =>
        name.EndsWith("_timestamp_seconds", StringComparison.Ordinal) || name.EndsWith("_time_seconds", StringComparison.Ordinal)
        || name == "probe_ssl_earliest_cert_expiry";

    /// <summary>
    /// The rules in the order of what they read, one vmalert replay each, every pass's output stored before the next
    /// starts: the recording rules; the alerts; the alerts that read other alerts' ALERTS. (The replay runs a rule over
    /// the whole time line before the next one, so a rule that reads another's output needs it stored and searchable:
    /// <paramref name="flush"/> makes what the store took searchable.)
    /// </summary>
    public static async Task ReplayAsync(HttpClient store, IReadOnlyList<Placed> placed, string folder, Func<Task> flush)
    {
        var files = Directory.GetFiles(Repository.PathOf("prometheus/rules"), "*.yml").Order().ToList();
        Assert.NotEmpty(files);
        var records = Bundle.PrometheusRulesTests.Records();
        Assert.All(records, record => Assert.DoesNotContain(records, other => record.Expr.Contains(other.Name, StringComparison.Ordinal)));
        var passes = new (string Name, Func<YamlMappingNode, bool> Keeps)[]
        {
            ("records", rule => rule.Children.ContainsKey(new YamlScalarNode("record"))),
            ("alerts", rule => !rule.Children.ContainsKey(new YamlScalarNode("record")) && !ReadsAlerts(rule)),
            ("alerts on alerts", ReadsAlerts),
        };
        foreach (var (name, keeps) in passes)
        {
            var rules = files.Select(file => Subset(file, keeps, Path.Combine(folder, $"{name.Replace(' ', '-')}-{Path.GetFileName(file)}"))).ToList();
            var (code, log) = await Repository.RunAsync("vmalert", [
                .. rules.Select(r => $"-rule={r}"),
                $"-datasource.url={store.BaseAddress}", $"-remoteWrite.url={store.BaseAddress}",
                // The replay's range queries take their step from -datasource.queryStep (5m unless told), not from the interval.
                $"-evaluationInterval={(int)EvaluationInterval.TotalSeconds}s", $"-datasource.queryStep={(int)EvaluationInterval.TotalSeconds}s",
                $"-replay.timeFrom={placed[0].Start.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}",
                $"-replay.timeTo={End(placed).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}",
                "-replay.disableProgressBar", "-replay.maxDatapointsPerQuery=10000",
                // XxWatchdog alone is a sample a minute over months: room to queue it while the store takes it.
                "-remoteWrite.flushInterval=100ms", "-remoteWrite.maxQueueSize=2000000", "-replay.rulesDelay=0s", "-loggerLevel=ERROR",
            ]);
            Assert.True(code == 0, $"vmalert replay of the {name} exited with {code}:\n{log}");
            await flush();
        }
    }

    private static bool ReadsAlerts(YamlMappingNode rule) =>
        rule.Children.TryGetValue(new YamlScalarNode("expr"), out var expr) && ((YamlScalarNode)expr).Value!.Contains("ALERTS", StringComparison.Ordinal);

    /// <summary>
    /// A copy of a rule file with only the rules <paramref name="keeps"/> and without annotations: the replay writes
    /// ALERTS, which carry none, and refuses the `query` template function the descriptions use (vmalert: "`query`
    /// template isn't supported in replay mode"). The annotations are vmalert's to check when it loads the shipped file (-dryRun).
    /// </summary>
    private static string Subset(string file, Func<YamlMappingNode, bool> keeps, string copy)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file)) stream.Load(reader);
        var groups = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["groups"];
        foreach (var group in groups.Children.Cast<YamlMappingNode>().ToList())
        {
            var rules = (YamlSequenceNode)group["rules"];
            foreach (var rule in rules.Children.Cast<YamlMappingNode>().ToList())
                if (keeps(rule)) rule.Children.Remove(new YamlScalarNode("annotations"));
                else rules.Children.Remove(rule);
            if (rules.Children.Count == 0) groups.Children.Remove(group);
        }
        using var writer = new StreamWriter(copy);
        stream.Save(writer, assignAnchors: false);
        return copy;
    }

    /// <summary>Where the firing alerts in <paramref name="store"/> differ from what promtool expects.</summary>
    public static async Task<List<Difference>> DifferencesAsync(HttpClient store, IReadOnlyList<Placed> placed)
    {
        var differences = new List<Difference>();
        foreach (var (scenario, start) in placed)
        {
            var firing = await FiringAsync(store, start, scenario.Span + EvaluationInterval);
            foreach (var expected in scenario.Expected)
            {
                long at = (start + expected.At).ToUnixTimeMilliseconds();
                var actual = firing.Where(f => f.Alert == expected.Alert && f.Times.Contains(at)).Select(f => Render(f.Labels)).Order().ToList();
                var wanted = expected.Labels.Select(Render).Order().ToList();
                if (!actual.SequenceEqual(wanted))
                    differences.Add(new Difference(scenario.Name, expected.Alert, expected.At, Render(wanted), Render(actual)));
            }
        }
        return differences;
    }

    private sealed record Firing(string Alert, IReadOnlyDictionary<string, string> Labels, HashSet<long> Times);

    /// <summary>The raw samples of ALERTS{alertstate="firing"} from <paramref name="start"/> over <paramref name="span"/>.</summary>
    private static async Task<List<Firing>> FiringAsync(HttpClient store, DateTimeOffset start, TimeSpan span)
    {
        string query = $"ALERTS{{alertstate=\"firing\"}}[{(long)span.TotalSeconds + 1}s]";
        string time = (start + span).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var response = await store.PostAsync("/api/v1/query", new FormUrlEncodedContent([new("query", query), new("time", time)]));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, $"{query}: {body.ToJsonString()}");
        return body["data"]!["result"]!.AsArray().Select(series =>
        {
            var labels = series!["metric"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
            string alert = labels["alertname"];
            foreach (string ruler in new[] { "__name__", "alertname", "alertstate", "alertgroup" }) labels.Remove(ruler);
            var times = series["values"]!.AsArray().Select(v => (long)Math.Round(double.Parse(v![0]!.ToString(), CultureInfo.InvariantCulture) * 1000)).ToHashSet();
            return new Firing(alert, labels, times);
        }).ToList();
    }

    private static string Render(IReadOnlyDictionary<string, string> labels) =>
        "{" + string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";

    private static string Render(IReadOnlyList<string> alerts) => alerts.Count == 0 ? "none" : string.Join(" ", alerts);

    /// <summary>A duration as the rule tests write it: 90m, 2h, 45s.</summary>
    public static string Format(TimeSpan at) => at.TotalMinutes % 1 != 0 ? $"{(long)at.TotalSeconds}s" : $"{(long)at.TotalMinutes}m";

    private static TimeSpan Ceiling(TimeSpan value, TimeSpan unit) => unit * Math.Ceiling(value / unit);
}

using System.Globalization;
using System.Text.RegularExpressions;
using XxExporter.Tests.Generated;
using XxExporter.Tests.Golden;
using XxExporter.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The Prometheus bundle under prometheus/: the config, the alert rules and their unit tests pass promtool (the
/// Debian package prometheus); every alert carries what an operator needs and a runbook that exists; the rules
/// only use metrics the exporter serves; and every alert is unit-tested on both sides of its firing point.
/// </summary>
public class PrometheusRulesTests
{
    private const string RulesFile = "prometheus/rules/xx-alerts.yml";
    private const string RuleTestsFile = "prometheus/tests/xx-alerts.test.yml";
    /// <summary>The runbook link: the runbook_base external label (prometheus.yml), else the page in docs/runbooks/.</summary>
    internal const string RunbookUrlTemplate = "{{ with $externalLabels.runbook_base }}{{ . }}{{ else }}docs/runbooks{{ end }}/";
    private static readonly string[] Severities = ["critical", "warning", "info"];

    private static string PathOf(string relative) => Repository.PathOf(relative);

    [Fact]
    public Task Prometheus_config_passes_promtool_check_config() =>
        AssertPromtool("check", "config", "prometheus/prometheus.yml");

    [Fact]
    public async Task Fleet_examples_pass_promtool_check_config_and_load_the_rules()
    {
        // host-agent.yml runs in agent mode, which evaluates no rules: checked as such below.
        var examples = Directory.GetFiles(PathOf("prometheus/examples"), "fleet-*.yml").Order().ToList();
        Assert.NotEmpty(examples);
        foreach (string example in examples)
        {
            string output = await AssertPromtool("check", "config", Path.GetRelativePath(Repository.Root, example));
            // A rule_files glob that matches nothing still passes promtool: the examples must find the alert rules.
            Assert.Matches(@"SUCCESS: [1-9]\d* rule files found", output);
        }
    }

    [Fact]
    public async Task Host_agent_example_passes_promtool_check_config_in_agent_mode()
    {
        string output = await AssertPromtool("check", "config", "--agent", "prometheus/examples/host-agent.yml");
        Assert.Contains("SUCCESS", output);
        Assert.DoesNotContain("rule_files", File.ReadAllText(PathOf("prometheus/examples/host-agent.yml")));
    }

    [Fact]
    public Task Alert_rules_pass_promtool_check_rules() => AssertPromtool("check", "rules", RulesFile);

    [Fact]
    public Task Alert_rule_unit_tests_pass_promtool_test_rules() => AssertPromtool("test", "rules", RuleTestsFile);

    [Fact]
    public void Every_alert_has_severity_summary_description_and_a_runbook_that_exists()
    {
        var alerts = Alerts();
        Assert.NotEmpty(alerts);
        // An alert is one rule, or one rule per severity tier (Alertmanager holds the lower tier back) or per case
        // (a label such as `check` tells them apart): no two rules of a name carry the same labels.
        Assert.Equal(alerts.Count, alerts.Select(a => $"{a.Name}{{{a.RuleLabels}}}").Distinct().Count());
        Assert.All(alerts, alert =>
        {
            Assert.Matches("^Xx[A-Z][A-Za-z0-9]+$", alert.Name);
            Assert.Contains(alert.Label("severity"), Severities);
            string summary = alert.Annotation("summary");
            Assert.False(string.IsNullOrWhiteSpace(summary), $"{alert.Name}: no summary");
            Assert.DoesNotContain("{{", summary); // static: Alertmanager groups and dedupes on it
            Assert.Contains("{{", alert.Annotation("description")); // templated with $labels / $value
            Assert.Equal($"{RunbookUrlTemplate}{alert.Name}.md", alert.Annotation("runbook_url"));
            Assert.True(File.Exists(PathOf($"docs/runbooks/{alert.Name}.md")), $"{alert.Name}: docs/runbooks/{alert.Name}.md is missing");
        });
    }

    [Fact]
    public void Every_runbook_belongs_to_an_alert_and_the_index_lists_every_alert()
    {
        var alerts = Alerts();
        var names = alerts.Select(a => a.Name).ToHashSet();
        var pages = Directory.GetFiles(PathOf("docs/runbooks"), "*.md").Select(Path.GetFileNameWithoutExtension)
            .Where(name => name != "README").ToList();
        Assert.All(pages, page => Assert.Contains(page!, names));

        string index = File.ReadAllText(PathOf("docs/runbooks/README.md"));
        Assert.All(alerts, alert =>
            Assert.Contains($"| [{alert.Name}]({alert.Name}.md) | {alert.Label("severity")} | {alert.For ?? "-"} |", index));
    }

    [Fact]
    public void Every_metric_the_rules_use_is_one_the_exporter_serves()
    {
        var served = MetricFamilies.Served().SelectMany(family => family.SeriesNames).ToHashSet();
        // The expressions, and the descriptions' template queries.
        var metrics = Alerts().SelectMany(a => MetricNames(a.Expr).Concat(MetricNames(a.Annotation("description")))).Distinct().ToList();
        Assert.Contains("xx_validator_last_era_missed", metrics);
        Assert.Contains("process_start_time_seconds", metrics);
        Assert.All(metrics, metric =>
            Assert.True(served.Contains(metric), $"{metric} is used by the rules but the exporter serves no such series ({AllSourcesGoldenTests.GoldenFile})"));
    }

    [Fact]
    public void Every_alert_is_unit_tested_just_before_and_when_it_fires()
    {
        var cases = RuleTestCases();
        var evaluation = Duration(Scalar(Load(RuleTestsFile), "evaluation_interval") ?? "1m");
        Assert.All(Alerts(), alert =>
        {
            // A rule is told apart from the others of its name by its labels (severity, and a case label if any).
            string rule = $"{alert.Name} {{{alert.RuleLabels}}}";
            bool isMine(ExpectedAlert e) => alert.Labels.All(kv => e.Labels.GetValueOrDefault(kv.Key) == kv.Value);
            var mine = cases.Where(c => c.Alert == alert.Name).ToList();
            var firing = mine.Where(c => c.Expected.Any(isMine)).ToList();
            Assert.True(firing.Count > 0, $"{rule}: no test expects it to fire");
            // One evaluation before a firing expectation (of the same test), that alert is not expected yet: the for:
            // (or the threshold) is exactly where the test says. An always-firing heartbeat (XxWatchdog) has no before.
            Assert.True(alert.Expr.Trim() == "vector(1)" || firing.Any(f => f.Expected.Any(e => isMine(e)
                    && mine.Any(q => q.Test == f.Test && q.At == f.At - evaluation && !q.Expected.Any(b => SameLabels(b.Labels, e.Labels))))),
                $"{rule}: no test expects it silent one evaluation before it fires");
            Assert.All(firing.SelectMany(f => f.Expected).Where(isMine), expected =>
            {
                Assert.Equal(alert.Annotation("summary"), expected.Annotations.GetValueOrDefault("summary"));
                // docs/runbooks/ without the runbook_base external label; the test that sets one links there.
                Assert.Matches($@"^(docs/runbooks|https://runbooks\.example\.invalid/xx)/{alert.Name}\.md$", expected.Annotations.GetValueOrDefault("runbook_url") ?? "");
            });
        });
    }

    [Fact]
    public void Every_shipped_prometheus_config_sets_the_runbook_base_to_the_runbooks()
    {
        // Not host-agent.yml: an agent sends no alerts, and the label would only ride on every series it sends.
        foreach (string config in new[] { "prometheus/prometheus.yml" }.Concat(
                     Directory.GetFiles(PathOf("prometheus/examples"), "fleet-*.yml").Select(f => Path.GetRelativePath(Repository.Root, f))))
        {
            var global = (YamlMappingNode)Load(config).Children[new YamlScalarNode("global")];
            string? runbookBase = Scalar(global["external_labels"], "runbook_base");
            Assert.True(runbookBase is not null && runbookBase.EndsWith("/docs/runbooks", StringComparison.Ordinal), $"{config}: no runbook_base external label");
        }
    }

    private static bool SameLabels(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.GetValueOrDefault(kv.Key) == kv.Value);

    // ------------------------------------------------------------------------------------------------ helpers

    internal sealed record Alert(string Name, string Expr, string? For, Dictionary<string, string> Labels, Dictionary<string, string> Annotations)
    {
        public string Label(string name) => Labels.GetValueOrDefault(name) ?? throw new Xunit.Sdk.XunitException($"{Name}: no label {name}");
        public string Annotation(string name) => Annotations.GetValueOrDefault(name) ?? throw new Xunit.Sdk.XunitException($"{Name}: no annotation {name}");

        /// <summary>The rule's own labels, sorted: what tells it apart from the other rules of its name.</summary>
        public string RuleLabels => string.Join(", ", Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=\"{kv.Value}\""));
    }

    private sealed record ExpectedAlert(Dictionary<string, string> Labels, Dictionary<string, string> Annotations);

    private sealed record RuleTestCase(string Test, string Alert, TimeSpan At, List<ExpectedAlert> Expected);

    internal static List<Alert> Alerts() =>
        Sequence(Load(RulesFile), "groups").SelectMany(group => Sequence(group, "rules"))
            .Where(rule => Scalar(rule, "alert") is not null)
            .Select(rule => new Alert(Scalar(rule, "alert")!, Scalar(rule, "expr") ?? "", Scalar(rule, "for"),
                Map(rule, "labels"), Map(rule, "annotations")))
            .ToList();

    /// <summary>The recording rules (name, expression).</summary>
    internal static List<(string Name, string Expr)> Records() =>
        Sequence(Load(RulesFile), "groups").SelectMany(group => Sequence(group, "rules"))
            .Where(rule => Scalar(rule, "record") is not null)
            .Select(rule => (Scalar(rule, "record")!, Scalar(rule, "expr") ?? ""))
            .ToList();

    private static List<RuleTestCase> RuleTestCases() =>
        Sequence(Load(RuleTestsFile), "tests").SelectMany(test => Sequence(test, "alert_rule_test").Select(c =>
            new RuleTestCase(Scalar(test, "name") ?? "", Scalar(c, "alertname") ?? "", Duration(Scalar(c, "eval_time") ?? "0s"),
                Sequence(c, "exp_alerts").Select(e => new ExpectedAlert(Map(e, "exp_labels"), Map(e, "exp_annotations"))).ToList())))
            .ToList();

    /// <summary>Metric names in PromQL or a template: the exporter's xx_* and the process_* it documents.</summary>
    private static IEnumerable<string> MetricNames(string text) =>
        Regex.Matches(text, @"(?<![A-Za-z0-9_:])(?:xx|process)_[a-z0-9_]+").Select(m => m.Value);

    internal static YamlMappingNode Load(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(PathOf(relative));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    internal static string? Scalar(YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar
            ? scalar.Value : null;

    internal static IEnumerable<YamlNode> Sequence(YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence
            ? sequence.Children : [];

    internal static Dictionary<string, string> Map(YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode child
            ? child.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value ?? "")
            : [];

    /// <summary>A Prometheus duration: 90s, 5m, 1h30m, 2d.</summary>
    internal static TimeSpan Duration(string text)
    {
        var parts = Regex.Matches(text, @"(\d+)(ms|s|m|h|d|w|y)");
        Assert.True(parts.Count > 0 && string.Concat(parts.Select(p => p.Value)) == text, $"not a duration: {text}");
        return parts.Aggregate(TimeSpan.Zero, (sum, p) =>
        {
            long n = long.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
            return sum + p.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                "w" => TimeSpan.FromDays(7 * n),
                _ => TimeSpan.FromDays(365 * n),
            };
        });
    }

    /// <summary>Runs promtool from the repository root and asserts exit code 0; returns its output.</summary>
    private static async Task<string> AssertPromtool(params string[] arguments)
    {
        var (code, output) = await Repository.RunAsync("promtool", arguments);
        Assert.True(code == 0, $"promtool {string.Join(' ', arguments)} exited with {code}\n{output}");
        return output;
    }
}

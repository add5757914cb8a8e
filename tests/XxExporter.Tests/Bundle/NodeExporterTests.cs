using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The host's node_exporter (docs/operations.md "The host"): the rules and the dashboards may only use node_* series and
/// labels the real node_exporter exports (Debian's prometheus-node-exporter, started here on 127.0.0.1), and every
/// host's node target is labelled with the instance and site of that host's exporter.
/// </summary>
public partial class NodeExporterTests
{
    private const string Program = "prometheus-node-exporter";

    [FullLane]
    [Fact]
    public async Task Every_node_series_and_label_the_rules_and_dashboards_use_is_one_node_exporter_exports()
    {
        var exported = await ScrapeRealNodeExporterAsync();
        Assert.Contains("node_filesystem_avail_bytes", exported.Keys);   // the scrape parsed

        var used = PrometheusRulesTests.Alerts().Select(a => (Where: a.Name, Expr: a.Expr))
            .Concat(PrometheusRulesTests.Records().Select(r => (Where: r.Name, Expr: r.Expr)))
            .Concat(Dashboards.Queries().Select(q => (Where: q.ToString(), Expr: q.Template))).ToList();
        // Label lists (by, on, ...) name labels such as the xx rules' node_id, not metrics.
        var names = used.SelectMany(u => NodeMetric().Matches(LabelList().Replace(u.Expr, "")).Select(m => (u.Where, Metric: m.Value))).ToList();
        Assert.Contains(names, n => n.Metric == "node_timex_offset_seconds");   // the rules' names were found
        Assert.Contains(names, n => n.Where.StartsWith("xx-host /", StringComparison.Ordinal));   // and the dashboard's
        Assert.All(names, n => Assert.True(exported.ContainsKey(n.Metric), $"{n.Where}: node_exporter exports no {n.Metric}"));

        // The labels a selector filters on, or a rule groups by, are the metric's own (or the scrape's).
        Assert.All(used, u => Assert.All(NodeSelector().Matches(u.Expr), selector =>
        {
            var labels = exported[selector.Groups["metric"].Value].Concat(["instance", "job", "site", "validator"]).ToHashSet();
            Assert.All(Matcher().Matches(selector.Groups["matchers"].Value), m =>
                Assert.True(labels.Contains(m.Groups[1].Value), $"{u.Where}: {selector.Groups["metric"].Value} has no label {m.Groups[1].Value}"));
        }));
    }

    [Theory]
    [InlineData("prometheus/prometheus.yml")]
    [InlineData("prometheus/examples/fleet-central.yml")]
    [InlineData("prometheus/examples/fleet-remote-write.yml")]
    public async Task Every_node_target_has_the_instance_site_and_validator_of_an_exporter_target(string config)
    {
        // promtool applies the jobs' relabelling as Prometheus does.
        var exporters = await TargetsAsync(config, "xx-exporter");
        var nodes = await TargetsAsync(config, "node");
        Assert.NotEmpty(nodes);
        Assert.All(nodes, node => Assert.Contains(node, exporters));
    }

    [Fact]
    public void Compose_runs_node_exporter_on_the_host_read_only()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Repository.PathOf("docker-compose.yml"))) stream.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
        var node = (YamlMappingNode)services["node-exporter"];
        Assert.Matches(@"^prom/node-exporter:v\d+\.\d+\.\d+$", node["image"].ToString());
        Assert.False(node.Children.ContainsKey(new YamlScalarNode("profiles")), "node_exporter runs in every profile");
        Assert.Equal("host", node["pid"].ToString());
        Assert.Equal("true", node["read_only"].ToString());
        var volume = Assert.Single((YamlSequenceNode)node["volumes"]).ToString();
        Assert.Matches(@"^/:/host:ro(,|$)", volume);
        Assert.Contains("--path.rootfs=/host", ((YamlSequenceNode)node["command"]).Select(c => c.ToString()));
        // The job scrapes the service's port.
        Assert.Contains("- targets: ['node-exporter:9100']", File.ReadAllText(Repository.PathOf("prometheus/prometheus.yml")));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /// <summary>Each metric family node_exporter exports here, with the label names its series carry.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> ScrapeRealNodeExporterAsync()
    {
        using var folder = new TempFolder();
        await using var server = await ServerProcess.StartAsync(Program, folder.Path,
            port => [$"--web.listen-address=127.0.0.1:{port}"], readyPath: "/metrics");
        string text = await server.Http.GetStringAsync("/metrics");
        var families = new Dictionary<string, HashSet<string>>();
        foreach (Match sample in SampleLine().Matches(text))
        {
            var labels = families.TryGetValue(sample.Groups["name"].Value, out var known) ? known : families[sample.Groups["name"].Value] = [];
            labels.UnionWith(Matcher().Matches(sample.Groups["labels"].Value).Select(m => m.Groups[1].Value));
        }
        return families;
    }

    /// <summary>The (instance, site, validator) of every target of a job after relabelling (empty where the config sets none).</summary>
    private static async Task<List<(string Instance, string Site, string Validator)>> TargetsAsync(string config, string job)
    {
        var (code, output) = await Repository.RunAsync("promtool", "check", "service-discovery", "--timeout=2s", config, job);
        Assert.True(code == 0, output);
        return JsonNode.Parse(output)!.AsArray().Select(target => target!["labels"]!)
            .Select(labels => (labels["instance"]!.GetValue<string>(), labels["site"]?.GetValue<string>() ?? "",
                labels["validator"]?.GetValue<string>() ?? "")).ToList();
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9_:])node_[A-Za-z0-9_]+")]
    private static partial Regex NodeMetric();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex LabelList();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:])(?<metric>node_[A-Za-z0-9_]+)\s*\{(?<matchers>[^}]*)\}")]
    private static partial Regex NodeSelector();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*""")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"(?m)^(?<name>node_[A-Za-z0-9_]+)(?:\{(?<labels>[^}]*)\})? ")]
    private static partial Regex SampleLine();
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XxExporter.Tests.Generated;
using XxExporter.Tests.Golden;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The provisioned dashboards in grafana/dashboards/. No Grafana server can be installed here, so they are checked
/// against JSON Schemas generated from @grafana/schema (tests/grafana-tools: the current release and the shipped
/// Grafana's), and in structure: fixed uids, the
/// datasource/site/instance variables used everywhere, documented metrics only, valid PromQL (promtool) and a
/// grid without overlaps.
/// </summary>
public partial class GrafanaDashboardTests
{
    private static readonly string[] Uids = ["xx-chain-staking", "xx-cmix-gateway", "xx-host", "xx-overview", "xx-postgres"];
    private const string DatasourceRef = """{"type":"prometheus","uid":"${datasource}"}""";
    private const string LokiRef = """{"type":"loki","uid":"xx-loki"}""";
    private const string ToolsInstall = "npm ci --prefix tests/grafana-tools";


    // ---- the schema ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Dashboards_validate_against_the_grafana_schema()
    {
        var files = Dashboards.Load().Select(d => d.File).ToArray();
        var (code, output) = await Validate(files);
        Assert.True(code == 0, output);
        Assert.All(files, file => Assert.Contains($"{file}: valid", output));
    }

    [Fact]
    public async Task The_schema_check_rejects_a_dashboard_with_a_wrong_field_type()
    {
        var overview = Dashboards.Load().Single(d => d.Json["uid"]!.GetValue<string>() == "xx-overview").Json;
        overview["panels"]![0]!["gridPos"]!["w"] = "24";
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("broken.json"), overview.ToJsonString());

        var (code, output) = await Validate(folder.File("broken.json"));
        Assert.True(code == 1, output);
        foreach (string version in new[] { SchemaVersion("@grafana/schema"), SchemaVersion("grafana-schema-shipped") })
            Assert.Contains($"broken.json: @grafana/schema {version}: /panels/0/gridPos/w must be number", output);
    }

    [Fact]
    public void The_dashboards_are_checked_against_the_schema_of_the_grafana_compose_ships()
    {
        string compose = File.ReadAllText(Repository.PathOf("docker-compose.yml"));
        string image = Regex.Match(compose, @"image: grafana/grafana:(\S+)").Groups[1].Value;
        Assert.Equal(image, SchemaVersion("grafana-schema-shipped"));
    }

    /// <summary>The version of an installed schema package in tests/grafana-tools.</summary>
    private static string SchemaVersion(string package)
    {
        string manifest = Repository.PathOf(Path.Combine("tests", "grafana-tools", "node_modules", package, "package.json"));
        Assert.True(File.Exists(manifest), $"the schema tools are not installed: {ToolsInstall}");
        return JsonNode.Parse(File.ReadAllText(manifest))!["version"]!.GetValue<string>();
    }

    private static async Task<(int Code, string Output)> Validate(params string[] files)
    {
        string tools = Path.Combine(Repository.Root, "tests", "grafana-tools");
        Assert.True(Directory.Exists(Path.Combine(tools, "node_modules", "@grafana", "schema")), $"the schema tools are not installed: {ToolsInstall}");
        return await Repository.RunAsync("node", [Path.Combine(tools, "validate.mjs"), .. files]);
    }

    // ---- structure -----------------------------------------------------------------------------------------

    [Fact]
    public void Dashboards_have_fixed_unique_uids_the_shared_tag_and_links_to_each_other()
    {
        var dashboards = Dashboards.Load().Select(d => d.Json).ToList();
        Assert.Equal(Uids, dashboards.Select(d => d["uid"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(dashboards, d =>
        {
            Assert.Null(d["id"]?.GetValue<int?>());   // Grafana assigns ids; a fixed one would clash
            Assert.Equal(39, d["schemaVersion"]!.GetValue<int>());
            Assert.Contains("xx-network", d["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
            var link = Assert.Single(d["links"]!.AsArray())!;
            Assert.Equal("dashboards", link["type"]!.GetValue<string>());
            Assert.Equal(["xx-network"], link["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
            Assert.True(link["includeVars"]!.GetValue<bool>(), "links carry the site and host along");
        });
    }

    [Fact]
    public void Every_dashboard_has_the_datasource_site_and_instance_variables()
    {
        Assert.All(Dashboards.Load(), d =>
        {
            var variables = d.Json["templating"]!["list"]!.AsArray().Select(v => v!.AsObject())
                .ToDictionary(v => v["name"]!.GetValue<string>());
            var datasource = variables["datasource"];
            Assert.Equal("datasource", datasource["type"]!.GetValue<string>());
            Assert.Equal("prometheus", datasource["query"]!.GetValue<string>());
            Assert.Equal("xx-prometheus", datasource["current"]!["value"]!.GetValue<string>());   // the provisioned uid
            foreach (string name in new[] { "site", "instance" })
            {
                var variable = variables[name];
                Assert.Equal("query", variable["type"]!.GetValue<string>());
                Assert.Equal(DatasourceRef, variable["datasource"]!.ToJsonString());
                Assert.True(variable["multi"]!.GetValue<bool>() && variable["includeAll"]!.GetValue<bool>(), $"{name}: multi and All");
                Assert.Equal(".*", variable["allValue"]!.GetValue<string>());
                Assert.StartsWith("label_values(xx_exporter_build_info", variable["query"]!.GetValue<string>());
            }
            Assert.Contains("site=~\"$site\"", variables["instance"]["query"]!.GetValue<string>());   // hosts of the chosen sites
        });
    }

    [Fact]
    public void Every_panel_and_query_uses_the_datasource_variable_and_has_a_description()
    {
        // Dashboard, panel title and refId name a query in test failures: they must be unique.
        var names = Dashboards.Queries().Select(q => q.ToString()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(Dashboards.Load().SelectMany(d => Dashboards.Panels(d.Json)), panel =>
        {
            string title = panel["title"]!.GetValue<string>();
            // Log panels read the provisioned Loki by its fixed uid; every other panel the chosen Prometheus.
            string expected = panel["datasource"]?["type"]?.GetValue<string>() == "loki" ? LokiRef : DatasourceRef;
            Assert.True(panel["datasource"]?.ToJsonString() == expected, $"{title}: datasource {panel["datasource"]?.ToJsonString()}");
            Assert.False(string.IsNullOrWhiteSpace(panel["description"]?.GetValue<string>()), $"{title}: no description");
            var targets = panel["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            Assert.All(targets, t => Assert.True(t!["datasource"]?.ToJsonString() == expected, $"{title} {t["refId"]}: datasource {t["datasource"]?.ToJsonString()}"));
            Assert.Equal(targets.Count, targets.Select(t => t!["refId"]!.GetValue<string>()).Distinct().Count());
        });
    }

    [Fact]
    public void Every_query_filters_by_site_and_instance_and_rates_use_the_rate_interval()
    {
        var queries = Dashboards.Queries();
        Assert.NotEmpty(queries);
        Assert.All(queries, query =>
        {
            var selectors = Selector().Matches(query.Template).ToList();
            Assert.True(selectors.Count > 0, $"{query}: selects nothing");
            // A validator's own alerts have no site or host: they are chosen by the validators of the selected hosts. So are
            // the outside-in probes of the gateways, whose instance is the gateway's public address.
            Assert.All(selectors, s => Assert.True(
                s.Groups["matchers"].Value.Contains("site=~\"$site\"") && s.Groups["matchers"].Value.Contains("instance=~\"$instance\"")
                    || s.Value == "ALERTS{alertstate=\"firing\", instance=\"\"}" && query.Template.Contains(s.Value + SelectedHostsValidators)
                    || Dashboards.ReadsProbes(s.Value) && s.Groups["matchers"].Value.Contains("site=~\"$site\"") && query.Template.EndsWith(SelectedHostsValidators, StringComparison.Ordinal),
                $"{query}: {s.Value} does not filter by $site and $instance"));
            Assert.True(!BareMetric().IsMatch(query.Template), $"{query}: a metric without a {{...}} filter: {query.Template}");
            Assert.All(RateRange().Matches(query.Template), r => Assert.True(r.Groups[1].Value == "$__rate_interval",
                $"{query}: rate over [{r.Groups[1].Value}] instead of [$__rate_interval]"));
        });
    }

    [Fact]
    public void Every_metric_and_label_the_queries_use_is_one_the_exporter_serves()
    {
        var served = ServedSeries();
        var recorded = PrometheusRulesTests.Records().Select(r => r.Name).ToHashSet();
        Assert.Contains("xx_validator_elected_next_era", served.Keys);
        Assert.Contains("xx_cmix_round_duration_seconds_bucket", served.Keys);
        Assert.All(Dashboards.Queries(), query => Assert.All(Selector().Matches(query.Template), selector =>
        {
            string metric = selector.Groups["metric"].Value;
            if (metric == "ALERTS") return;   // Prometheus's own, with the alerts' labels
            if (metric.StartsWith("node_", StringComparison.Ordinal)) return;   // node_exporter's: NodeExporterTests checks them against its output
            if (Dashboards.ReadsProbes(selector.Value)) return;   // the blackbox exporter's: BlackboxTests checks them against its output
            if (metric.Contains(':'))   // a recorded series: one of the rules' records
            {
                Assert.True(recorded.Contains(metric), $"{query}: no rule records {metric}");
                return;
            }
            var labels = metric == "up" ? [] : served.GetValueOrDefault(metric)
                ?? throw new Xunit.Sdk.XunitException($"{query}: the exporter serves no {metric} ({AllSourcesGoldenTests.GoldenFile})");
            var allowed = labels.Concat(["site", "instance", "job"]).ToHashSet();
            Assert.All(Matcher().Matches(selector.Groups["matchers"].Value), m =>
                Assert.True(allowed.Contains(m.Groups[1].Value), $"{query}: {metric} has no label {m.Groups[1].Value}"));
        }));
    }

    [Fact]
    public async Task Every_query_is_valid_promql()
    {
        // promtool parses each expression as a recording rule; the group name says which panel an error is in.
        var yaml = new StringBuilder("groups:\n");
        foreach (var (query, i) in Dashboards.Queries().Select((q, i) => (q, i)))   // record names unique: promtool lints duplicates
            yaml.Append($"  - name: {JsonSerializer.Serialize(query.ToString())}\n    rules:\n")
                .Append($"      - record: dashboard_query_{i}\n        expr: {JsonSerializer.Serialize(query.Expr)}\n");
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("queries.yml"), yaml.ToString());

        var (code, output) = await Repository.RunInAsync(folder.Path, "promtool", "check", "rules", folder.File("queries.yml"));
        Assert.True(code == 0, output);
        Assert.True(output.Contains($"SUCCESS: {Dashboards.Queries().Count} rules found"), output);   // none left out
    }

    [Fact]
    public void Panels_fit_the_grid_without_overlapping()
    {
        Assert.All(Dashboards.Load(), d =>
        {
            // Rows take a line of their own, so they count as boxes too.
            var boxes = d.Json["panels"]!.AsArray().Select(p => p!.AsObject())
                .Select(p => (Title: p["title"]!.GetValue<string>(), X: Int(p, "x"), Y: Int(p, "y"), W: Int(p, "w"), H: Int(p, "h"))).ToList();
            Assert.All(boxes, b => Assert.True(b.X >= 0 && b.Y >= 0 && b.W > 0 && b.H > 0 && b.X + b.W <= 24, $"{d.File}: {b.Title} is off the grid"));
            for (int i = 0; i < boxes.Count; i++)
                for (int j = i + 1; j < boxes.Count; j++)
                {
                    var (a, b) = (boxes[i], boxes[j]);
                    bool overlap = a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H;
                    Assert.False(overlap, $"{d.File}: \"{a.Title}\" and \"{b.Title}\" overlap");
                }
        });

        static int Int(JsonObject panel, string key) => panel["gridPos"]![key]!.GetValue<int>();
    }

    [Fact]
    public void The_overview_shows_the_firing_alerts_and_only_they_may_be_empty_on_a_healthy_node()
    {
        var empty = Assert.Single(Dashboards.Queries(), q => !q.ReturnsDataWhenHealthy);
        Assert.Equal("xx-overview", empty.DashboardUid);
        // The selected hosts' alerts, and those of their validators (one per validator, without instance or site).
        Assert.Equal("ALERTS{alertstate=\"firing\", instance=~\"$instance\", site=~\"$site\"} or (ALERTS{alertstate=\"firing\", instance=\"\"}"
            + SelectedHostsValidators + ")", empty.Template);
    }

    [Fact]
    public void Queries_come_with_the_variables_replaced()
    {
        var queries = Dashboards.Queries(site: "home", instance: "node-1:19420", rateInterval: "2m");
        Assert.All(queries, q => Assert.DoesNotContain("$", q.Expr));
        Assert.Contains(queries, q => q.Expr.Contains("[2m]"));
        Assert.All(queries, q => Assert.Contains("instance=~\"node-1:19420\"", q.Expr));
        Assert.Equal(@"x{site=~""a\\.b""}", Dashboards.Substitute("x{site=~\"$site\"}", @"a\.b", ".*", "1m"));   // PromQL string escape
        Assert.Throws<InvalidOperationException>(() => Dashboards.Substitute("rate(x[$__range])", ".*", ".*", "1m"));
    }

    [Fact]
    public void Grafana_reads_the_dashboards_from_the_folder_compose_mounts_and_opens_on_the_overview()
    {
        string provider = File.ReadAllText(Path.Combine(Repository.Root, "grafana", "provisioning", "dashboards", "dashboards.yml"));
        Assert.Matches(@"(?m)^\s+path: /var/lib/grafana/dashboards\s*$", provider);
        string compose = File.ReadAllText(Repository.PathOf("docker-compose.yml"));
        Assert.Contains("- ./grafana/dashboards:/var/lib/grafana/dashboards:ro", compose);
        var home = Regex.Match(compose, @"GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: /var/lib/grafana/dashboards/(\S+)");
        Assert.True(home.Success, "compose sets no home dashboard");
        var overview = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "grafana", "dashboards", home.Groups[1].Value)))!;
        Assert.Equal("xx-overview", overview["uid"]!.GetValue<string>());
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /// <summary>What keeps the series of a validator (no site, no instance) to the validators of the selected hosts.</summary>
    private const string SelectedHostsValidators =
        " and on(validator) group by (validator) (xx_exporter_build_info{instance=~\"$instance\", site=~\"$site\"})";

    /// <summary>Each series name the exporter serves (a histogram's _bucket, _sum and _count too) with its label names.</summary>
    private static Dictionary<string, string[]> ServedSeries() =>
        MetricFamilies.Served().SelectMany(family => family.SeriesNames.Select(name =>
                (Name: name, Labels: family.Type == "histogram" ? [.. family.Labels, "le"] : family.Labels.ToArray())))
            .ToDictionary(series => series.Name, series => series.Labels);

    /// <summary>A series selector with a label filter: <c>metric{matchers}</c>.</summary>
    [GeneratedRegex(@"(?<metric>[A-Za-z_:][A-Za-z0-9_:]*)\s*\{(?<matchers>[^}]*)\}")]
    private static partial Regex Selector();

    /// <summary>A metric name not followed by a filter, which would read every site and host.</summary>
    [GeneratedRegex(@"\b(?:xx_\w+|process_\w+|node_\w+|up|ALERTS)\b(?!\s*\{)")]
    private static partial Regex BareMetric();

    [GeneratedRegex(@"(\w+)\s*(?:=~|!~|!=|=)\s*""")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"\brate\([^\[]*\[([^\]]+)\]")]
    private static partial Regex RateRange();
}

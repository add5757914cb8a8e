using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace XxExporter.Tests.Support;

/// <summary>One query of a dashboard panel: PromQL, or LogQL for the Loki panels.</summary>
/// <param name="Template">The expression as the dashboard has it, with Grafana's variables.</param>
/// <param name="Expr">The expression with the variables replaced: plain PromQL (or LogQL) to send to Prometheus (or Loki).</param>
public sealed record DashboardQuery(string DashboardUid, string PanelTitle, string RefId, string Template, string Expr)
{
    /// <summary>
    /// False only for the firing-alerts table: <c>ALERTS{alertstate="firing"}</c> has data only while an alert fires.
    /// Every other query returns series on a healthy, active node with both databases configured (with node_exporter and
    /// the blackbox exporter scraped, for <see cref="ReadsNodeExporter"/> and <see cref="ReadsBlackbox"/>).
    /// </summary>
    public bool ReturnsDataWhenHealthy => !Dashboards.SelectsAlerts(Template);

    /// <summary>True for the host panels' node_exporter series (docs/operations.md "The host"), which only a node_exporter scrape has.</summary>
    public bool ReadsNodeExporter => Template.Contains("node_", StringComparison.Ordinal);

    /// <summary>True for the outside-in probes of the gateways (prometheus.yml jobs xx-gateway-*), which only a blackbox exporter's scrape has.</summary>
    public bool ReadsBlackbox => Dashboards.ReadsProbes(Template);

    public override string ToString() => $"{DashboardUid} / {PanelTitle} / {RefId}";
}

/// <summary>The provisioned Grafana dashboards in grafana/dashboards/ and the queries of their panels.</summary>
public static partial class Dashboards
{
    private static string Folder { get; } = Repository.PathOf("grafana/dashboards");

    /// <summary>Every dashboard file, parsed, by file name order.</summary>
    public static IReadOnlyList<(string File, JsonObject Json)> Load() =>
        Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal)
            .Select(file => (file, JsonNode.Parse(File.ReadAllText(file))!.AsObject())).ToList();

    /// <summary>The panels of a dashboard, those inside rows included; rows themselves are not panels here.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard) =>
        (dashboard["panels"]?.AsArray() ?? []).Select(p => p!.AsObject())
            .SelectMany(p => Type(p) == "row" ? (p["panels"]?.AsArray() ?? []).Select(n => n!.AsObject()) : [p]);

    public static string Type(JsonObject panel) => panel["type"]?.GetValue<string>() ?? "";

    /// <summary>
    /// Every panel query of every dashboard, with <c>$site</c> and <c>$instance</c> replaced by the given regular
    /// expressions (".*" is Grafana's "All") and <c>$__rate_interval</c> by <paramref name="rateInterval"/>.
    /// </summary>
    public static IReadOnlyList<DashboardQuery> Queries(string site = ".*", string instance = ".*", string rateInterval = "1m") =>
        QueriesOf("prometheus", site, instance, rateInterval);

    /// <summary>The LogQL queries of the log panels and log-derived rates (the Loki datasource), variables replaced.</summary>
    public static IReadOnlyList<DashboardQuery> LogQueries(string site = ".*", string instance = ".*") =>
        QueriesOf("loki", site, instance, "1m");

    /// <summary>The datasource type a panel query goes to: "prometheus" or "loki".</summary>
    public static string DatasourceType(JsonNode target) => target["datasource"]?["type"]?.GetValue<string>() ?? "";

    private static List<DashboardQuery> QueriesOf(string datasourceType, string site, string instance, string rateInterval) =>
        Load().SelectMany(d => Panels(d.Json).SelectMany(panel => (panel["targets"]?.AsArray() ?? [])
            .Where(target => DatasourceType(target!) == datasourceType).Select(target =>
        {
            string template = target!["expr"]?.GetValue<string>() ?? "";
            return new DashboardQuery(d.Json["uid"]!.GetValue<string>(), panel["title"]!.GetValue<string>(),
                target["refId"]!.GetValue<string>(), template, Substitute(template, site, instance, rateInterval));
        }))).ToList();

    /// <summary>Replaces Grafana's variables (<c>$name</c>, <c>${name}</c>, <c>${name:format}</c>) in a query.</summary>
    /// <exception cref="InvalidOperationException">A variable this helper does not know: a query would go out broken.</exception>
    public static string Substitute(string expr, string site, string instance, string rateInterval) =>
        Variable().Replace(expr, m => (m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value) switch
        {
            "site" => QuotedContent(site),
            "instance" => QuotedContent(instance),
            "__rate_interval" => rateInterval,
            var other => throw new InvalidOperationException($"unknown Grafana variable ${other} in: {expr}"),
        });

    /// <summary>The variables stand inside PromQL double-quoted strings: escape what those strings treat specially.</summary>
    private static string QuotedContent(string regex) => regex.Replace(@"\", @"\\").Replace("\"", "\\\"");

    [GeneratedRegex(@"\$(?:\{(?<braced>\w+)(?::\w+)?\}|(?<plain>\w+))")]
    private static partial Regex Variable();

    internal static bool SelectsAlerts(string expr) => AlertsSeries().IsMatch(expr);

    internal static bool ReadsProbes(string expr) => ProbeSeries().IsMatch(expr);

    [GeneratedRegex(@"\bprobe_\w+\s*\{")]
    private static partial Regex ProbeSeries();

    [GeneratedRegex(@"\bALERTS\b")]
    private static partial Regex AlertsSeries();
}

using System.Text.RegularExpressions;
using XxExporter.Tests.Generated;
using XxExporter.Tests.Golden;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>README.md, CONTRIBUTING.md and docs/ point only at what exists: a link, a shipped file or a metric they name.</summary>
public partial class DocumentationTests
{
    /// <summary>The pages a reader follows, by path from the repository root.</summary>
    private static IEnumerable<string> Pages() =>
        new[] { "README.md", "CONTRIBUTING.md" }.Concat(Directory.GetFiles(Repository.PathOf("docs"), "*.md", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, path).Replace('\\', '/')).Order(StringComparer.Ordinal));

    [Fact]
    public void Every_relative_link_leads_to_a_file_that_exists()
    {
        var links = Pages().SelectMany(page => MarkdownLink().Matches(File.ReadAllText(Repository.PathOf(page)))
            .Select(m => m.Groups["target"].Value)
            .Where(target => !target.Contains("://", StringComparison.Ordinal) && !target.StartsWith('#') && !target.StartsWith("mailto:", StringComparison.Ordinal))
            .Select(target => (Page: page, Target: target, Path: Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repository.PathOf(page))!, target.Split('#')[0])))))
            .ToList();
        Assert.Contains(links, link => link is { Page: "README.md", Target: "docs/metrics.md" });
        Assert.All(links, link => Assert.True(File.Exists(link.Path) || Directory.Exists(link.Path), $"{link.Page} links to {link.Target}, which does not exist"));
    }

    [Fact]
    public void Every_shipped_file_named_exists()
    {
        var named = Pages().SelectMany(page => ShippedFile().Matches(File.ReadAllText(Repository.PathOf(page))).Select(m => (Page: page, File: m.Value))).Distinct().ToList();
        Assert.Contains(named, n => n.File == "deploy/systemd/xx-exporter.service");
        Assert.Contains(named, n => n.File == "prometheus/examples/fleet-remote-write.yml");
        Assert.All(named, n => Assert.True(File.Exists(Repository.PathOf(n.File)), $"{n.Page} names {n.File}, which does not exist"));
    }

    /// <summary>The PostgreSQL role the docs create, which reads like a metric name.</summary>
    private const string MonitoringRole = "xx_exporter";

    [Fact]
    public void Every_metric_named_is_one_the_exporter_serves()
    {
        var served = MetricFamilies.Served().SelectMany(family => family.SeriesNames).ToHashSet();
        var named = Pages().Where(page => !page.StartsWith("docs/runbooks/", StringComparison.Ordinal))
            .SelectMany(page => CodeSpan().Matches(File.ReadAllText(Repository.PathOf(page)))
                .SelectMany(span => MetricName().Matches(span.Value)).Select(m => (Page: page, Metric: m.Value)))
            .Where(n => n.Metric != MonitoringRole).Distinct().ToList();
        Assert.Contains(named, n => n is { Page: "docs/metrics.md", Metric: "xx_cmix_error_file_modified_timestamp_seconds" });
        Assert.All(named, n => Assert.True(served.Contains(n.Metric), $"{n.Page} names {n.Metric}, which the exporter does not serve ({AllSourcesGoldenTests.GoldenFile})"));
    }

    [Fact]
    public void The_alert_count_in_the_routing_page_is_the_rules_count()
    {
        var alerts = PrometheusRulesTests.Alerts().GroupBy(alert => alert.Name).ToList();
        int critical = alerts.Count(tiers => tiers.Any(alert => alert.Label("severity") == "critical"));
        Assert.Contains($"Now: {alerts.Count} alerts, {critical} with a critical tier.", File.ReadAllText(Repository.PathOf("docs/alerts-routing.md")).ReplaceLineEndings(" "));
    }

    [Fact]
    public void A_link_is_told_from_an_image_and_a_path_from_a_system_path()
    {
        Assert.Equal(["docs/a.md#x", "b.png"], MarkdownLink().Matches("see [a](docs/a.md#x) and ![b](b.png)").Select(m => m.Groups["target"].Value));
        Assert.Equal(["xx_a_b", "xx_c"], MetricName().Matches("`xx_a_b{x}`, the `xx_d_*` series, `time() - xx_c`").Select(m => m.Value));
        Assert.Equal(["deploy/alloy/alloy.env"], ShippedFile().Matches("`/etc/deploy/x.env`, deploy/alloy/alloy.env and prometheus/rules/*.yml").Select(m => m.Value));
    }

    /// <summary>A code span, which may wrap; the backticks of fences and of longer spans are not one.</summary>
    [GeneratedRegex(@"(?<!`)`(?!`)[^`]+`(?!`)")]
    private static partial Regex CodeSpan();

    /// <summary>A metric or series name; a name that ends in <c>_</c> before a <c>*</c> is a family prefix, not a name.</summary>
    [GeneratedRegex(@"(?<![\w])(?:xx|process)_[a-z0-9_]*[a-z0-9](?![a-z0-9_]*\*)")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    /// <summary>A file of the bundle named by its path in the checkout (not a path on the host, such as /etc/default/...).</summary>
    [GeneratedRegex(@"(?<![\w/.*-])(?:deploy|prometheus|alertmanager|grafana|demo|loki|alloy)/[\w./-]+\.(?:service|conf|env|yml|yaml|json|alloy|sh|py)\b")]
    private static partial Regex ShippedFile();
}

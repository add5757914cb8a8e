using System.Globalization;
using System.Text.RegularExpressions;
using XxExporter.Tests.Bundle;
using XxExporter.Tests.Support;
using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

/// <summary>
/// The problem table (<see cref="Problems"/>) is the alert rules as the exporter judges them: every entry's
/// severity, runbook, numbers and conditions are read from its rule in prometheus/rules/xx-alerts.yml and must agree,
/// and every rule is either an entry or listed as not judged here.
/// </summary>
public class StatusProblemsTests
{
    public static TheoryData<string> Entries() => new(Problems.All.Select(rule => rule.Alert));

    [Theory]
    [MemberData(nameof(Entries))]
    public void An_entry_has_its_rules_severity_runbook_numbers_and_conditions(string alert)
    {
        var entry = Problems.All.Single(rule => rule.Alert == alert);
        var rule = Assert.Single(PrometheusRulesTests.Alerts(), a => a.Name == alert);
        Assert.Equal(rule.Label("severity"), entry.Severity.ToString().ToLowerInvariant());
        Assert.Equal(rule.Annotation("runbook_url"), entry.Runbook);
        Assert.True(File.Exists(Repository.PathOf($"docs/runbooks/{alert}.md")), $"docs/runbooks/{alert}.md is missing");
        string expr = Expr(rule.Expr);
        Assert.All(entry.Pins, pin => Assert.Equal(pin.Value, Bound(alert, expr, pin.Template)));
        Assert.All(entry.Holds, hold => Assert.Contains(hold, expr));
    }

    [Fact]
    public void Every_rule_is_judged_by_the_page_or_listed_as_not_judged_here()
    {
        var judged = Problems.All.Select(rule => rule.Alert).Concat(Problems.NotJudgedHere.Select(n => n.Alert)).ToList();
        Assert.Equal(judged.Count, judged.Distinct().Count());
        Assert.Equal(PrometheusRulesTests.Alerts().Select(a => a.Name).Order(), judged.Order());
        Assert.All(Problems.NotJudgedHere, n => Assert.True(File.Exists(Repository.PathOf($"docs/runbooks/{n.Alert}.md")), n.Alert));
    }

    [Fact]
    public void The_window_reaches_as_far_back_as_the_longest_pinned_range() =>
        Assert.Equal(SampleWindow.Length.TotalSeconds, Problems.All.Where(rule => rule.Remembers.Length > 0).SelectMany(rule => rule.Pins)
            .Where(pin => pin.Template.Contains("[{}]") || pin.Template.Contains("offset {}")).Max(pin => pin.Value));

    /// <summary>The expression with every run of white space made one space.</summary>
    private static string Expr(string expr) => Regex.Replace(expr, @"\s+", " ").Trim();

    /// <summary>
    /// The number standing where <paramref name="template"/> has <c>{}</c>: a literal, a duration (<c>15m</c>, in
    /// seconds) or a product such as <c>26 * 3600</c>; it must be the same wherever the template matches.
    /// </summary>
    private static double Bound(string alert, string expr, string template)
    {
        const string number = @"\d+(?:\.\d+)?(?:e\d+)?[smhd]?";
        string[] around = template.Split("{}");
        Assert.True(around.Length == 2, $"{alert}: the pin \"{template}\" needs one {{}}");
        var bounds = Regex.Matches(expr, $@"{Regex.Escape(around[0])}({number}(?: \* {number})*)(?![\d.*]){Regex.Escape(around[1])}")
            .Select(m => m.Groups[1].Value.Split(" * ").Aggregate(1.0, (product, factor) => product * Seconds(factor)))
            .Distinct().ToList();
        Assert.True(bounds.Count == 1, $"{alert}: expected one number at {{}} of \"{template}\", found [{string.Join(", ", bounds)}] in: {expr}");
        return bounds[0];
    }

    private static double Seconds(string factor) => factor[^1] switch
    {
        's' => double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        'm' => 60 * double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        'h' => 3600 * double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        'd' => 86400 * double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        _ => double.Parse(factor, CultureInfo.InvariantCulture),
    };
}

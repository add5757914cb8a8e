using System.Globalization;
using System.Text.RegularExpressions;
using XxExporter.Tests.Bundle;

namespace XxExporter.Tests.Support;

/// <summary>One input series of a promtool rule test: its labels and a value per interval, null where the test writes none.</summary>
public sealed record ScenarioSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<double?> Values);

/// <summary>The alerts (their labels, alertname excluded) a promtool rule test expects to be firing at one evaluation time.</summary>
public sealed record ExpectedFiring(string Alert, TimeSpan At, IReadOnlyList<IReadOnlyDictionary<string, string>> Labels);

/// <summary>One test of prometheus/tests/xx-alerts.test.yml: its series, their interval and what promtool expects.</summary>
public sealed record RuleScenario(string Name, TimeSpan Interval, IReadOnlyList<ScenarioSeries> Series, IReadOnlyList<ExpectedFiring> Expected)
{
    /// <summary>From the first sample to the last sample or expectation, one interval included.</summary>
    public TimeSpan Span => new[] { Interval * Series.Select(s => s.Values.Count).DefaultIfEmpty(0).Max() }
        .Concat(Expected.Select(e => e.At + Interval)).Max();
}

/// <summary>
/// The scenarios of the promtool rule tests (prometheus/tests/xx-alerts.test.yml) read as data, so that another ruler
/// can be given the same series and held to the same expectations. The series notation is promtool's: <c>a+bxn</c>
/// (n+1 values from a, step b), <c>axn</c>, <c>_</c> (no sample), <c>_xn</c> (n of them), <c>stale</c>.
/// </summary>
public static class RuleTestScenarios
{
    public const string File = "prometheus/tests/xx-alerts.test.yml";

    public static List<RuleScenario> Load()
    {
        var root = PrometheusRulesTests.Load(File);
        return PrometheusRulesTests.Sequence(root, "tests").Select(test => new RuleScenario(
                PrometheusRulesTests.Scalar(test, "name") ?? "",
                PrometheusRulesTests.Duration(PrometheusRulesTests.Scalar(test, "interval") ?? "1m"),
                PrometheusRulesTests.Sequence(test, "input_series").Select(s => new ScenarioSeries(
                    SeriesLabels(PrometheusRulesTests.Scalar(s, "series")!), Values(PrometheusRulesTests.Scalar(s, "values") ?? ""))).ToList(),
                PrometheusRulesTests.Sequence(test, "alert_rule_test").Select(c => new ExpectedFiring(
                    PrometheusRulesTests.Scalar(c, "alertname")!,
                    PrometheusRulesTests.Duration(PrometheusRulesTests.Scalar(c, "eval_time") ?? "0s"),
                    PrometheusRulesTests.Sequence(c, "exp_alerts")
                        .Select(e => (IReadOnlyDictionary<string, string>)PrometheusRulesTests.Map(e, "exp_labels")).ToList())).ToList()))
            .ToList();
    }

    /// <summary><c>name{a="b",c="d"}</c> as labels with __name__.</summary>
    internal static Dictionary<string, string> SeriesLabels(string selector)
    {
        var match = Regex.Match(selector.Trim(), @"^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?$");
        Assert.True(match.Success, $"{File}: not a series: {selector}");
        var labels = new Dictionary<string, string> { ["__name__"] = match.Groups[1].Value };
        string body = match.Groups[2].Value;
        var pairs = Regex.Matches(body, @"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*(?:""((?:[^""\\]|\\.)*)""|'((?:[^'\\]|\\.)*)')\s*,?");
        Assert.Equal(body.Length, pairs.Sum(p => p.Length));
        foreach (Match pair in pairs)
            labels[pair.Groups[1].Value] = Regex.Unescape(pair.Groups[2].Success ? pair.Groups[2].Value : pair.Groups[3].Value);
        return labels;
    }

    /// <summary>promtool's expanding notation, one value per interval (null: none written; <see cref="RemoteWrite.StaleNaN"/>: stale).</summary>
    internal static List<double?> Values(string notation)
    {
        var values = new List<double?>();
        const string number = @"[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|Inf|NaN)";
        foreach (string token in notation.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (token == "_") values.Add(null);
            else if (token == "stale") values.Add(RemoteWrite.StaleNaN);
            else if (Regex.Match(token, @"^_x(\d+)$") is { Success: true } blanks) values.AddRange(Enumerable.Repeat<double?>(null, int.Parse(blanks.Groups[1].Value, CultureInfo.InvariantCulture)));
            else if (Regex.Match(token, $@"^({number})(?:([-+])(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?))?(?:x(\d+))?$") is { Success: true } run)
            {
                double start = Number(run.Groups[1].Value);
                double step = run.Groups[3].Success ? Number(run.Groups[3].Value) * (run.Groups[2].Value == "-" ? -1 : 1) : 0;
                int times = run.Groups[4].Success ? int.Parse(run.Groups[4].Value, CultureInfo.InvariantCulture) : 0;
                for (int i = 0; i <= times; i++) values.Add(start + i * step);
            }
            else Assert.Fail($"{File}: not a promtool series value: {token}");
        }
        return values;
    }

    private static double Number(string text) => text.TrimStart('+') switch
    {
        "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        var n => double.Parse(n, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}

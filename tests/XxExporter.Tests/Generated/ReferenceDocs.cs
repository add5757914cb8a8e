using System.Text;
using XxExporter.Tests.Golden;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Generated;

/// <summary>The reference pages made from the golden output and the rules (docs/reference/, the runbook index).</summary>
public static class ReferenceDocs
{
    public const string MetricsFile = "docs/reference/metrics.md", AlertsFile = "docs/reference/alerts.md", RunbookIndexFile = "docs/runbooks/README.md";

    private static string Generated(string source) =>
        $"Generated from {source} by `{GeneratedFile.Command}`: edit the source, not this file.";

    /// <summary>One table per name prefix (<c>xx_chain_*</c>, ...): each family with its type, label names and HELP text.</summary>
    public static string Metrics(IReadOnlyList<MetricFamily> families)
    {
        var text = new StringBuilder($"""
            # Metric reference

            Every family the exporter serves, with its type, its labels and its help text. {Generated($"`{AllSourcesGoldenTests.GoldenFile}`, the golden scrape of every source,")}
            What the series of each source mean, when they are absent and which alerts read them: [docs/metrics.md](../metrics.md).

            """);
        foreach (var prefix in families.GroupBy(Prefix))
        {
            text.Append($"\n## `{prefix.Key}*`\n\n| Family | Type | Labels | Help |\n|---|---|---|---|\n");
            foreach (var family in prefix)
                text.Append($"| `{family.Name}` | {family.Type} | {string.Join(", ", family.Labels.Select(l => $"`{l}`"))} | {Cell(family.Help)} |\n");
        }
        return text.ToString();
    }

    /// <summary><c>process_</c>, or the first two words of an xx name: <c>xx_chain_</c>.</summary>
    private static string Prefix(MetricFamily family)
    {
        string[] words = family.Name.Split('_');
        return words[0] == "xx" ? $"xx_{words[1]}_" : $"{words[0]}_";
    }

    /// <summary>One table per rule group: each alert with its runbook, severity, <c>for:</c> and summary.</summary>
    public static string Alerts(IReadOnlyList<AlertRule> rules)
    {
        var text = new StringBuilder($"""
            # Alert reference

            Every alert rule, by rule group: its severity, how long its condition must hold before it fires (`for:`; `-`:
            at once), its other fixed labels (`notify`: told once or daily, docs/alerts-routing.md; or which case of the
            alert a rule is) and its summary; the name links to its runbook. {Generated($"`{AlertRules.Folder}/`")}
            How alerts are routed and how fast they arrive: [docs/alerts.md](../alerts.md).

            """);
        foreach (var group in rules.GroupBy(r => (r.File, r.Group)))
        {
            text.Append($"\n## {group.Key.Group} ({group.Key.File})\n\n| Alert | Severity | For | Labels | Summary |\n|---|---|---|---|---|\n");
            foreach (var rule in group)
            {
                string labels = rule.Labels.Count == 0 ? "-" : string.Join(", ", rule.Labels.Select(l => $"`{l}`"));
                text.Append($"| [`{rule.Name}`](../runbooks/{rule.Name}.md) | {rule.Severity} | {rule.For ?? "-"} | {labels} | {Cell(rule.Summary)} |\n");
            }
        }
        return text.ToString();
    }

    /// <summary>docs/runbooks/README.md: what a runbook holds, then every alert's page.</summary>
    public static string RunbookIndex(IReadOnlyList<AlertRule> rules)
    {
        var text = new StringBuilder($"""
            # Runbooks

            One page per alert of `{AlertRules.Folder}/`; each alert's `runbook_url` points at its page. Every page says
            what the alert means, why it matters for rewards, what to check and what to do. `<host>` is the host the
            alert names in `instance`; the status page of its exporter is `http://<host>:19420/`.

            Severities: **critical** - income or stake is being lost now or within hours, act now (it pages); **warning** -
            act today; **info** - for your attention. A tiered alert has a row per tier. `-` under For: the alert fires at
            once. How alerts are grouped, told once or daily, and held back by others: [docs/alerts-routing.md](../alerts-routing.md).
            Notifications link `<runbook_base>/<alertname>.md`, runbook_base being an external label of Prometheus
            (prometheus/prometheus.yml), so a fork or a private copy of these pages can be linked instead.
            {Generated($"`{AlertRules.Folder}/`")}

            | Alert | Severity | For | Summary |
            |---|---|---|---|

            """);
        foreach (var rule in rules)
            text.Append($"| [{rule.Name}]({rule.Name}.md) | {rule.Severity} | {rule.For ?? "-"} | {Cell(rule.Summary)} |\n");
        return text.ToString();
    }

    /// <summary>Text in a table cell: a pipe would end the cell, an asterisk could start emphasis, an angle bracket a tag.</summary>
    private static string Cell(string text) =>
        text.Replace("\n", " ").Replace("|", @"\|").Replace("*", @"\*").Replace("<", "&lt;");
}

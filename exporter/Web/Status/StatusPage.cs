using System.Globalization;
using System.Net;
using System.Text;

namespace XxExporter.Web.Status;

/// <summary>
/// The status page: one self-contained HTML document (inline CSS, no scripts, fonts or CDNs, so it works offline
/// and behind any proxy) that refreshes itself. Every value comes from the <see cref="StatusReport"/>.
/// </summary>
public static class StatusPage
{
    public const int RefreshSeconds = 15;

    public static string Render(StatusReport report, string telemetryPath)
    {
        var html = new StringBuilder(8192);
        html.Append($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="{{RefreshSeconds}}">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>xx-exporter: {{Text(Headline(report))}}</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
            header{padding:12px 20px;color:#fff;display:flex;gap:16px;align-items:baseline}
            header h1{font-size:18px;margin:0} header a{color:#fff}
            .problems{margin:12px 20px 0} .problems ul{list-style:none;margin:0;padding:0} .problems li{padding:4px 0;border-top:1px solid #eee}
            .problems li:first-child{border-top:0} .problems .chip{min-width:58px;text-align:center;margin-right:8px}
            .notes{margin:8px 20px 0} .notes ul{margin:0;padding-left:18px} .notes li{font-family:ui-monospace,monospace;font-size:12px;word-break:break-word}
            footer{padding:0 20px 16px;color:#5f6368;font-size:12px}
            main{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px;padding:12px 20px}
            section{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002}
            h2{font-size:15px;margin:0 0 6px} table{width:100%;border-collapse:collapse} td{padding:3px 4px;border-top:1px solid #eee}
            td:last-child{text-align:right}
            .chip{display:inline-block;padding:1px 8px;border-radius:9px;font-weight:600;color:#fff}
            .ok{background:#1e8e3e}.warn{background:#e37400}.bad{background:#c5221f}.unknown{background:#80868b}.info{background:#1a73e8}
            </style></head><body>
            <header class="{{Css(report.Overall)}}"><h1>xx-exporter status: {{Text(Headline(report))}}</h1>
            <span>{{Text(report.GeneratedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))}}</span>
            {{NodeLink(report.Node)}}
            <a href="{{Text(telemetryPath)}}">metrics</a> <a href="/status.json">status.json</a></header>
            """);
        ProblemList(html, report.Problems);
        NoteList(html, report.Notes);
        html.Append("<main>\n");
        if (report.Validator is { } v)
        {
            Card(html, "Validator", v.Level, v.Summary,
                ("Status", v.State), ("Elected next era", v.ElectedNextEra is { } e ? (e ? "yes" : "no") : "not known yet"),
                ("Era", Number(v.ActiveEra)), ("Era points", $"{Number(v.EraPoints)} (median {Number(v.MedianPoints)})"),
                ("Last era", v.LastEraPoints is { } last ? $"{Number(last)} points{(v.LastEraMissed ? ", MISSED" : "")}" : "n/a"),
                ("Missed eras", $"{Number(v.MissedEras)} of the last {Number(v.MissedErasWindow)}"));
        }
        if (report.Cmix is { } c)
        {
            Card(html, "cMix node", c.Level, c.Summary, ("Activity", c.Activity ?? "unknown"),
                ("Last completed round", c.LastRoundAgeSeconds is { } age ? $"{age:0}s ago" : "none seen"),
                ($"Rounds, {Over(c.SuccessRatioSeconds)}", $"{Number(c.RecentRoundsCompleted)} completed, {Number(c.RecentRoundFailures)} failed"),
                ($"Success ratio, {Over(c.SuccessRatioSeconds)}", c.SuccessRatio is { } r ? r.ToString("P1", CultureInfo.InvariantCulture) : "n/a: no rounds"),
                ("Rounds since the exporter started", $"{Number(c.RoundsCompleted)} completed, {Number(c.RoundFailures)} failed"));
        }
        if (report.Chain is { } ch)
        {
            Card(html, "Chain", ch.Level, ch.Summary, ("Best", Number(ch.Best)), ("Finalized", Number(ch.Finalized)),
                ("Finality lag", ch.FinalityLag is { } lag ? $"{Number(lag)} blocks" : "n/a"), ("Sync target", Number(ch.Target)),
                ("Peers", Number(ch.Peers)), ("Syncing", ch.Syncing ? "yes" : "no"));
        }
        Table(html, "Databases", report.Databases.Select(d => (d.Database, d.Up ? $"up, {Bytes(d.SizeBytes)}" : "DOWN", d.Level)));
        Table(html, "Backups", report.Backups.Select(b => (b.Target, b.Summary + (b.SizeBytes is { } size ? $", {Bytes(size)}" : ""), b.Level)));
        Table(html, "Certificates", report.Certificates.Select(c => (c.File, c.Summary, c.Level)));
        Table(html, "Logs", report.Logs.Select(l => (l.Log, l.Summary, l.Level)));
        Table(html, "Reachability", report.Probes.Select(p => (p.Target, p.Summary, p.Level)));
        Table(html, "Collectors", report.Collectors.Select(c => (c.Collector, c.Success ? "working" : "FAILING", c.Level)));
        html.Append("</main>\n<footer>A problem shows here as soon as its alert's condition holds; Prometheus fires the alert once it has held for the rule's <code>for:</code>. ");
        html.Append("Not judged here: ");
        html.Append(string.Join("; ", report.NotJudgedHere.Select(n => $"<a href=\"{Text(ProblemRule.RunbookBase + n.Alert)}.md\">{Text(n.Alert)}</a> ({Text(n.Why)})")));
        html.Append(".</footer>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>What is wrong, the worst first, each with its severity and runbook: the first thing a person reads.</summary>
    private static void ProblemList(StringBuilder html, IReadOnlyList<Problem> problems)
    {
        html.Append("<section class=\"problems\"><h2>");
        if (problems.Count == 0)
        {
            html.Append("No problems: nothing the exporter can judge is wrong.</h2></section>\n");
            return;
        }
        html.Append(problems.Count == 1 ? "1 problem" : $"{problems.Count} problems").Append("</h2><ul>");
        foreach (var p in problems)
        {
            html.Append($"<li><span class=\"chip {Css(StatusBuilder.LevelOf(p.Severity))}\">{Text(p.Severity.ToString().ToLowerInvariant())}</span>");
            html.Append($"{Text(p.Summary)} <a href=\"{Text(p.Runbook)}\">runbook: {Text(p.Alert)}</a></li>");
        }
        html.Append("</ul></section>\n");
    }

    /// <summary>What sources have to say that is no metric (the error cMix stopped on), right under the problems.</summary>
    private static void NoteList(StringBuilder html, IReadOnlyList<SourceNote> notes)
    {
        if (notes.Count == 0) return;
        html.Append("<section class=\"notes\"><ul>");
        foreach (var note in notes) html.Append($"<li><b>{Text(note.Source)}</b>: {Text(note.Sentence)}</li>");
        html.Append("</ul></section>\n");
    }

    /// <summary>"needs action: 1 critical, 2 warnings", or "all good".</summary>
    private static string Headline(StatusReport report)
    {
        var counts = new[] { (Severity.Critical, "critical", "critical"), (Severity.Warning, "warning", "warnings"), (Severity.Info, "note", "notes") }
            .Select(s => (Count: report.Problems.Count(p => p.Severity == s.Item1), s.Item2, s.Item3)).Where(c => c.Count > 0)
            .Select(c => $"{c.Count} {(c.Count == 1 ? c.Item2 : c.Item3)}").ToList();
        return counts.Count == 0 ? Word(report.Overall) : $"{Word(report.Overall)}: {string.Join(", ", counts)}";
    }

    private static string Over(double seconds) => seconds >= StatusBuilder.SuccessRatioOver.TotalSeconds ? "last hour" : $"last {Judge.Span(seconds)} (since the exporter started)";

    private static void Card(StringBuilder html, string title, Level level, string summary, params (string Name, string Value)[] rows)
    {
        html.Append($"<section><h2>{Text(title)} <span class=\"chip {Css(level)}\">{Text(summary)}</span></h2><table>");
        foreach (var (name, value) in rows) html.Append($"<tr><td>{Text(name)}</td><td>{Text(value)}</td></tr>");
        html.Append("</table></section>\n");
    }

    private static void Table(StringBuilder html, string title, IEnumerable<(string Name, string Value, Level Level)> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0) return;
        html.Append($"<section><h2>{Text(title)}</h2><table>");
        foreach (var (name, value, level) in list)
            html.Append($"<tr><td>{Text(name)}</td><td><span class=\"chip {Css(level)}\">{Text(value)}</span></td></tr>");
        html.Append("</table></section>\n");
    }

    /// <summary>The node ID, linking to its page on the public dashboard (a link only: nothing is loaded from there).</summary>
    private static string NodeLink(NodeId? node) => node is null ? ""
        : $"<a href=\"https://dashboard.xx.network/nodes/{Text(node.UrlId)}\">node {Text(node.Id)}</a>";

    private static string Css(Level level) => level.ToString().ToLowerInvariant();

    private static string Word(Level level) => level switch { Level.Ok or Level.Info => "all good", Level.Warn => "needs a look", Level.Bad => "needs action", _ => "unknown" };

    private static string Number(double? value) => value is { } v ? v.ToString("#,0.##", CultureInfo.InvariantCulture) : "n/a";

    private static string Bytes(double? bytes) => bytes switch
    {
        null => "size unknown",
        >= 1 << 30 => $"{bytes / (1 << 30):0.0} GiB",
        >= 1 << 20 => $"{bytes / (1 << 20):0.0} MiB",
        _ => $"{bytes / 1024:0} KiB",
    };

    private static string Text(string text) => WebUtility.HtmlEncode(text);
}

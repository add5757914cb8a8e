using System.Globalization;
using System.Net;
using System.Text;

namespace XxExporter.Web.Status;

/// <summary>
/// The status page: one self-contained HTML document (inline CSS, no scripts, fonts or CDNs, so it works offline
/// and behind any proxy) that refreshes itself. Every value comes from the <see cref="StatusReport"/>: the alerts
/// first, coloured by their rules' severity, then the facts, which carry no colour of their own.
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
            <title>xx-exporter: {{Text(Headline(report.Alerts))}}</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
            header{padding:12px 20px;color:#fff;display:flex;gap:16px;align-items:baseline}
            header h1{font-size:18px;margin:0} header a{color:#fff}
            .alerts{margin:12px 20px 0} .alerts ul{list-style:none;margin:0;padding:0} .alerts li{padding:4px 0;border-top:1px solid #eee}
            .alerts li:first-child{border-top:0} .alerts .chip{min-width:58px;text-align:center;margin-right:8px}
            .alerts .labels,.alerts .description{color:#5f6368;font-size:12px} .alerts p{margin:0}
            .unavailable{margin:12px 20px 0;padding:10px 14px;background:#fff4e5;border-left:4px solid #e37400}
            .notes{margin:8px 20px 0} .notes ul{margin:0;padding-left:18px} .notes li{font-family:ui-monospace,monospace;font-size:12px;word-break:break-word}
            footer{padding:0 20px 16px;color:#5f6368;font-size:12px}
            main{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px;padding:12px 20px}
            section{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002}
            h2{font-size:15px;margin:0 0 6px} table{width:100%;border-collapse:collapse} td{padding:3px 4px;border-top:1px solid #eee}
            td:last-child{text-align:right}
            .chip{display:inline-block;padding:1px 8px;border-radius:9px;font-weight:600;color:#fff}
            .critical{background:#c5221f}.warning{background:#e37400}.info{background:#1a73e8}.none{background:#1e8e3e}.silenced,.inhibited,.unknown{background:#80868b}
            </style></head><body>
            <header class="{{HeaderCss(report.Alerts)}}"><h1>xx-exporter status: {{Text(Headline(report.Alerts))}}</h1>
            <span>{{Text(report.GeneratedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))}}</span>
            {{NodeLink(report.Node)}}
            <a href="{{Text(telemetryPath)}}">metrics</a> <a href="/status.json">status.json</a></header>
            """);
        AlertList(html, report.Alerts, NotShown(report, "alerts"));
        NoteList(html, report.Notes, NotShown(report, "notes"));
        html.Append("<main>\n");
        if (report.Validator is { } v)
        {
            Card(html, "Validator", ("Status", v.State), ("Elected next era", v.ElectedNextEra is { } e ? (e ? "yes" : "no") : "not known yet"),
                ("Era", Number(v.ActiveEra)), ("Era points", $"{Number(v.EraPoints)} (median {Number(v.MedianPoints)})"),
                ("Last era", v.LastEraPoints is { } last ? $"{Number(last)} points{(v.LastEraMissed ? ", missed" : "")}" : "n/a"),
                ("Missed eras", $"{Number(v.MissedEras)} of the last {Number(v.MissedErasWindow)}"));
        }
        if (report.Cmix is { } c)
        {
            Card(html, "cMix node", ("Activity", c.Activity ?? "unknown"),
                ("Last completed round", c.LastRoundAgeSeconds is { } age ? $"{StatusBuilder.Span(age)} ago" : "none seen"),
                ("Rounds since the exporter started", $"{Number(c.RoundsCompleted)} completed, {Number(c.RoundFailures)} failed"));
        }
        if (report.Chain is { } ch)
        {
            Card(html, "Chain", ("Answering", ch.Up ? "yes" : "no"), ("Best", Number(ch.Best)), ("Finalized", Number(ch.Finalized)),
                ("Finality lag", ch.FinalityLag is { } lag ? $"{Number(lag)} blocks" : "n/a"), ("Sync target", Number(ch.Target)),
                ("Peers", Number(ch.Peers)), ("Syncing", ch.Syncing ? "yes" : "no"));
        }
        Card(html, "Databases", report.Databases.Select(d => (d.Database, d.Summary)), NotShown(report, "databases"));
        Card(html, "Recovery readiness", report.Recovery.Select(r => (r.Subject, r.Summary)), NotShown(report, "recovery"));
        Card(html, "Backups", report.Backups.Select(b => (b.Target, b.Summary)), NotShown(report, "backups"));
        Card(html, "Certificates", report.Certificates.Select(c => (c.File, c.Summary)), NotShown(report, "certificates"));
        Card(html, "Logs", report.Logs.Select(l => (l.Log, l.Summary)), NotShown(report, "logs"));
        Card(html, "Reachability", report.Probes.Select(p => (p.Target, p.Summary)), NotShown(report, "probes"));
        Card(html, "Collectors", report.Collectors.Select(c => (c.Collector, c.Success ? "working" : "failing")), NotShown(report, "collectors"));
        html.Append("</main>\n<footer>What is wrong is decided by the alert rules (prometheus/rules/) and shown above as Alertmanager holds it; ");
        html.Append("the cards are the exporter's facts as its metrics have them.</footer>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>The alerts Alertmanager holds for this host, firing first, each with its severity and runbook; or why there are none to show.</summary>
    private static void AlertList(StringBuilder html, AlertsStatus alerts, int notShown)
    {
        if (alerts.Unavailable is { } why)
        {
            html.Append($"<section class=\"unavailable\"><h2>Alerts not known</h2><p>{Text(why)}</p></section>\n");
            return;
        }
        string from = $"in Alertmanager at {alerts.Alertmanager}{(alerts.Matchers.Length > 0 ? $" matching {alerts.Matchers}" : "")}";
        html.Append("<section class=\"alerts\"><h2>");
        if (alerts.Alerts.Count == 0)
        {
            html.Append($"No alerts {Text(from)}.</h2></section>\n");
            return;
        }
        html.Append($"Alerts {Text(from)}</h2><ul>");
        foreach (var a in alerts.Alerts)
        {
            string chip = a.State == "firing" ? a.Severity ?? "unknown" : $"{a.State}: {a.Severity ?? "unknown"}";
            html.Append($"<li><span class=\"chip {Css(a)}\">{Text(chip)}</span><b>{Text(a.Name)}</b>");
            if (a.Summary is { } summary) html.Append($": {Text(summary)}");
            // Only web links: the annotation is text from the rules, and a link is followed by whoever reads the page.
            if (a.Runbook is { } runbook)
                html.Append(runbook.StartsWith("https://", StringComparison.Ordinal) || runbook.StartsWith("http://", StringComparison.Ordinal)
                    ? $" <a href=\"{Text(runbook)}\">runbook</a>" : $" (runbook: {Text(runbook)})");
            if (a.Labels.Count > 0) html.Append($" <span class=\"labels\">{Text(string.Join(", ", a.Labels.Select(l => $"{l.Key}={l.Value}")))}</span>");
            if (a.Description is { } description) html.Append($"<p class=\"description\">{Text(description)}</p>");
            html.Append("</li>");
        }
        if (notShown > 0) html.Append($"<li>{More(notShown)} in Alertmanager</li>");
        html.Append("</ul></section>\n");
    }

    /// <summary>What sources have to say that is no metric (the error cMix stopped on), right under the alerts.</summary>
    private static void NoteList(StringBuilder html, IReadOnlyList<SourceNote> notes, int notShown)
    {
        if (notes.Count == 0) return;
        html.Append("<section class=\"notes\"><ul>");
        foreach (var note in notes) html.Append($"<li><b>{Text(note.Source)}</b>: {Text(note.Sentence)}</li>");
        if (notShown > 0) html.Append($"<li>{More(notShown)}</li>");
        html.Append("</ul></section>\n");
    }

    /// <summary>"2 alerts firing (1 critical, 1 warning), 1 silenced", "no alerts", or "alerts not known".</summary>
    private static string Headline(AlertsStatus alerts)
    {
        if (alerts.Unavailable is not null) return "alerts not known";
        var firing = alerts.Alerts.Where(a => a.State == "firing").ToList();
        var parts = new List<string>();
        if (firing.Count > 0)
            parts.Add($"{Count(firing.Count, "alert")} firing ({string.Join(", ", firing.GroupBy(a => a.Severity ?? "no severity").Select(g => $"{g.Count()} {g.Key}"))})");
        foreach (string state in new[] { "silenced", "inhibited" })
            if (alerts.Alerts.Count(a => a.State == state) is > 0 and var count) parts.Add($"{count} {state}");
        return parts.Count == 0 ? "no alerts" : string.Join(", ", parts);
    }

    /// <summary>The header takes the colour of the most severe firing alert (the list is sorted so), green when Alertmanager holds none firing, grey when not known.</summary>
    private static string HeaderCss(AlertsStatus alerts) =>
        alerts.Alerts.FirstOrDefault(a => a.State == "firing") is { } worst ? Css(worst) : alerts.Unavailable is null ? "none" : "unknown";

    private static string Css(HeldAlert alert) =>
        alert.State != "firing" ? alert.State : alert.Severity is "critical" or "warning" or "info" ? alert.Severity : "unknown";

    private static string Count(int count, string thing) => count == 1 ? $"1 {thing}" : $"{count} {thing}s";

    private static void Card(StringBuilder html, string title, params (string Name, string Value)[] rows) => Card(html, title, rows.AsEnumerable(), 0);

    private static void Card(StringBuilder html, string title, IEnumerable<(string Name, string Value)> rows, int notShown)
    {
        var list = rows.ToList();
        if (list.Count == 0) return;
        html.Append($"<section><h2>{Text(title)}</h2><table>");
        foreach (var (name, value) in list) html.Append($"<tr><td>{Text(name)}</td><td>{Text(value)}</td></tr>");
        if (notShown > 0) html.Append($"<tr><td colspan=\"2\">{More(notShown)} in the metrics</td></tr>");
        html.Append("</table></section>\n");
    }

    private static int NotShown(StatusReport report, string list) => report.NotShown.GetValueOrDefault(list);

    private static string More(int notShown) => $"and {Number(notShown)} more";

    /// <summary>The node ID, linking to its page on the public dashboard (a link only: nothing is loaded from there).</summary>
    private static string NodeLink(NodeId? node) => node is null ? ""
        : $"<a href=\"https://dashboard.xx.network/nodes/{Text(node.UrlId)}\">node {Text(node.Id)}</a>";

    private static string Number(double? value) => value is { } v ? v.ToString("#,0.##", CultureInfo.InvariantCulture) : "n/a";

    private static string Text(string text) => WebUtility.HtmlEncode(text);
}

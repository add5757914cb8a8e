using XxExporter.Telemetry;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Prometheus;
using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

/// <summary>
/// The facts of the status page and /status.json, built from a registry holding the given series at a fixed time:
/// the values the sources report, phrased, never judged (what is wrong is the alert rules', shown as Alertmanager
/// holds them: AlertmanagerStatusTests).
/// </summary>
public class StatusBuilderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_100_000);
    private static readonly double NowUnix = Now.ToUnixTimeSeconds();

    /// <summary>What the page shows when no Alertmanager is configured.</summary>
    private static readonly AlertsStatus NoAlertmanager = new(null, "", false, "No Alertmanager is configured.", null, 0, []);

    [Fact]
    public async Task The_facts_are_the_values_the_sources_report_without_a_verdict()
    {
        string exposition = $$"""
            xx_backup_present{target="cmix_gateway"} 1
            xx_backup_last_success_timestamp_seconds{target="cmix_gateway"} {{NowUnix - 27 * 3600}}
            xx_backup_size_bytes{target="cmix_gateway"} 3145728
            xx_backup_present{target="chain"} 0
            xx_backup_present{target="cmix_node"} 1
            xx_backup_last_success_timestamp_seconds{target="cmix_node"} {{NowUnix - 60}}
            xx_backup_size_bytes{target="cmix_node"} 0
            xx_backup_too_small{target="cmix_node"} 1
            xx_tls_certificate_expiry_timestamp_seconds{file="node-cert.crt"} {{NowUnix + 3 * 86400}}
            xx_tls_certificate_expiry_timestamp_seconds{file="old.crt"} {{NowUnix - 7200}}
            xx_log_file_present{log="cmix"} 1
            xx_log_last_record_timestamp_seconds{log="cmix"} {{NowUnix - 90}}
            xx_log_file_present{log="gateway"} 1
            xx_exporter_collector_success{collector="log_gateway"} 0
            xx_log_file_present{log="cmix_wrapper"} 0
            xx_exporter_collector_success{collector="chain"} 0
            xx_exporter_collector_success{collector="postgres_node"} 1
            xx_postgres_up{database="cmix_node"} 1
            xx_postgres_database_size_bytes{database="cmix_node"} 2147483648
            xx_postgres_up{database="cmix_gateway"} 0
            xx_probe_success{target="node"} 0
            xx_probe_success{target="gateway"} 1
            xx_probe_duration_seconds{target="gateway"} 0.0012
            """;
        var json = await Json(exposition);
        Assert.Equal("27h ago, 3.0 MiB", Summary(json, "backups", "cmix_gateway"));
        Assert.Equal("no backup file", Summary(json, "backups", "chain"));
        Assert.Equal("60s ago, 0 bytes, under --checks.backup-min-bytes", Summary(json, "backups", "cmix_node"));
        Assert.Equal("expires in 3d", Summary(json, "certificates", "node-cert.crt"));
        Assert.Equal("expired 2h ago", Summary(json, "certificates", "old.crt"));
        Assert.Equal("last record 90s ago", Summary(json, "logs", "cmix"));
        Assert.Equal("cannot be read (collector log_gateway failing)", Summary(json, "logs", "gateway"));
        Assert.Equal("no file", Summary(json, "logs", "cmix_wrapper"));
        Assert.Equal("up, 2.0 GiB", Summary(json, "databases", "cmix_node"));
        Assert.Equal("not answering", Summary(json, "databases", "cmix_gateway"));
        Assert.Equal("not reachable", Summary(json, "probes", "node"));
        Assert.Equal("reachable in 1.2 ms", Summary(json, "probes", "gateway"));
        Assert.False(Row(json, "collectors", "chain").GetProperty("success").GetBoolean());
        Assert.True(Row(json, "collectors", "postgres_node").GetProperty("success").GetBoolean());
        // No verdict anywhere: no level, no overall state, no problem list.
        string text = json.GetRawText();
        Assert.DoesNotContain("\"level\"", text);
        Assert.DoesNotContain("\"overall\"", text);
        Assert.DoesNotContain("\"problems\"", text);

        string html = await Html(exposition);
        Assert.Contains("<td>cmix_gateway</td><td>27h ago, 3.0 MiB</td>", html);
        Assert.Contains("<td>chain</td><td>failing</td>", html);
        Assert.DoesNotContain("chip", html[html.IndexOf("<main>", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task Recovery_readiness_names_each_database_its_recovery_point_and_what_is_missing()
    {
        string exposition = $$"""
            xx_restore_drill_result_file_present 1
            xx_pgbackrest_backups{repo="1",stanza="cmix_node"} 3
            xx_pgbackrest_backup_last_completed_timestamp_seconds{repo="1",stanza="cmix_node",type="full"} {{NowUnix - 5 * 3600}}
            xx_pgbackrest_backup_last_completed_timestamp_seconds{repo="1",stanza="cmix_node",type="incr"} {{NowUnix - 3600}}
            xx_restore_drill_success{database="cmix_node"} 1
            xx_restore_drill_last_run_timestamp_seconds{database="cmix_node"} {{NowUnix - 2 * 86400}}
            xx_restore_drill_backup_timestamp_seconds{database="cmix_node"} {{NowUnix - 3 * 86400}}
            xx_pgbackrest_backups{repo="1",stanza="cmix_gateway"} 2
            xx_pgbackrest_backup_last_completed_timestamp_seconds{repo="1",stanza="cmix_gateway",type="full"} {{NowUnix - 7200}}
            xx_restore_drill_success{database="cmix_gateway"} 0
            xx_restore_drill_last_run_timestamp_seconds{database="cmix_gateway"} {{NowUnix - 600}}
            xx_pgbackrest_backups{repo="1",stanza="spare"} 0
            xx_credentials_backup_problem{reason="differs"} 1
            xx_credentials_backup_problem{reason="no_backup"} 0
            xx_credentials_backup_timestamp_seconds {{NowUnix - 86400}}
            xx_chain_snapshot_present 1
            xx_chain_snapshot_timestamp_seconds {{NowUnix - 3 * 3600}}
            """;
        var json = await Json(exposition);
        // The drilled copy, older than the newest backup, is the one known to restore.
        Assert.Equal("recovery point 3d ago (known to restore); last drill passed 2d ago", Summary(json, "recovery", "cmix_node"));
        Assert.Equal(3 * 86400, Row(json, "recovery", "cmix_node").GetProperty("pointAgeSeconds").GetDouble());
        Assert.False(Row(json, "recovery", "cmix_node").TryGetProperty("missing", out _));
        Assert.Equal("recovery point 2h ago (backed up, not drilled); last drill failed 10m ago; missing: the last restore drill failed: "
            + "its newest backup is not known to restore", Summary(json, "recovery", "cmix_gateway"));
        Assert.Equal("no recovery point; missing: pgBackRest lists no backup of it: nothing restores it", Summary(json, "recovery", "spare"));
        Assert.Equal("recovery point 24h ago; missing: their newest backup is not the live files (differs)", Summary(json, "recovery", "credentials"));
        Assert.Equal("recovery point 3h ago (snapshot)", Summary(json, "recovery", "chain"));
        // The subjects most in need of a look come first.
        Assert.Equal(["cmix_gateway", "credentials", "spare", "chain", "cmix_node"],
            json.GetProperty("recovery").EnumerateArray().Select(r => r.GetProperty("subject").GetString()));

        string withoutDrill = await Html("""
            xx_restore_drill_result_file_present 0
            xx_pgbackrest_backups{repo="1",stanza="cmix_node"} 1
            xx_pgbackrest_backup_last_completed_timestamp_seconds{repo="1",stanza="cmix_node",type="full"} 1700096400
            """);
        Assert.Contains("<h2>Recovery readiness</h2><table><tr><td>cmix_node</td><td>recovery point 1h ago (backed up, not drilled); "
            + "missing: no restore drill runs on this host (--restore-drill.result-file): no backup is known to restore</td></tr>", withoutDrill);
    }

    [Theory]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 1\n", "active", "yes")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 0\n", "active", "no")]
    [InlineData("xx_validator_active 0\nxx_validator_intends_to_validate 1\n", "waiting", "not known yet")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 0\n", "chilled", "not known yet")]
    public async Task The_validator_card_says_its_state_and_election(string exposition, string state, string electedNext)
    {
        Assert.Equal(state, (await Json(exposition)).GetProperty("validator").GetProperty("state").GetString());
        string html = await Html(exposition + "xx_staking_active_era 42\nxx_validator_last_era_points 0\nxx_validator_last_era_missed 1\n");
        Assert.Contains($"<td>Status</td><td>{state}</td>", html);
        Assert.Contains($"<td>Elected next era</td><td>{electedNext}</td>", html);
        Assert.Contains("<td>Era</td><td>42</td>", html);
        Assert.Contains("<td>Last era</td><td>0 points, missed</td>", html);
    }

    [Fact]
    public async Task The_cmix_and_chain_cards_show_their_counts_and_heights()
    {
        var json = await Json($$"""
            xx_log_file_present{log="cmix"} 1
            xx_cmix_activity{state="WAITING"} 1
            xx_cmix_activity{state="REALTIME"} 0
            xx_cmix_last_round_completed_timestamp_seconds {{NowUnix - 960}}
            xx_cmix_rounds_completed_total 1090
            xx_cmix_round_failures_total{reason="timeout"} 7
            xx_cmix_round_failures_total{reason="other"} 3
            xx_chain_up 1
            xx_chain_block_height{status="best"} 1000
            xx_chain_block_height{status="finalized"} 975
            xx_chain_peers 2
            """);
        var cmix = json.GetProperty("cmix");
        Assert.Equal("WAITING; last round 16m ago", cmix.GetProperty("summary").GetString());
        Assert.Equal(10, cmix.GetProperty("roundFailures").GetDouble());
        var chain = json.GetProperty("chain");
        Assert.Equal(25, chain.GetProperty("finalityLag").GetDouble());
        Assert.Equal("#1000 (finalized #975), 2 peers", chain.GetProperty("summary").GetString());
        Assert.Equal("not answering", (await Json("xx_chain_up 0\n")).GetProperty("chain").GetProperty("summary").GetString());
    }

    [Fact]
    public async Task Permission_problems_and_certificates_not_in_use_are_said_as_such()
    {
        var json = await Json($$"""
            xx_backup_readable{target="cred"} 0
            xx_backup_readable{target="cmix_gateway"} 1
            xx_backup_present{target="cmix_gateway"} 0
            xx_log_file_present{log="cmix"} 1
            xx_log_file_readable{log="cmix"} 0
            xx_exporter_collector_success{collector="log_cmix"} 0
            xx_cmix_activity{state="REALTIME"} 1
            xx_cmix_last_round_completed_timestamp_seconds {{NowUnix - 960}}
            xx_tls_certificate_expiry_timestamp_seconds{file="gateway-cert.crt",kind="identity",state="active"} {{NowUnix + 3 * 86400}}
            xx_tls_certificate_expiry_timestamp_seconds{file="old.gateway-cert.crt",kind="identity",state="retired"} {{NowUnix - 7200}}
            xx_tls_certificate_expiry_timestamp_seconds{file="new.gateway-cert.crt",kind="identity",state="pending"} {{NowUnix + 3 * 86400}}
            """);
        // An unreadable backup folder is not "no backup file".
        Assert.Equal("cannot be read by the exporter's user (permissions)", Summary(json, "backups", "cred"));
        Assert.Equal("no backup file", Summary(json, "backups", "cmix_gateway"));
        // An unreadable cmix.log shows no state read before it became unreadable.
        Assert.Equal("cannot be read by the exporter's user (permissions, most often)", Summary(json, "logs", "cmix"));
        var cmix = json.GetProperty("cmix");
        Assert.Equal("cmix.log cannot be read; last round read 16m ago", cmix.GetProperty("summary").GetString());
        Assert.False(cmix.TryGetProperty("activity", out var activity) && activity.ValueKind != JsonValueKind.Null);
        Assert.Equal("expires in 3d", Summary(json, "certificates", "gateway-cert.crt"));
        Assert.Equal("retired, expired 2h ago", Summary(json, "certificates", "old.gateway-cert.crt"));
        Assert.Equal("pending, expires in 3d", Summary(json, "certificates", "new.gateway-cert.crt"));
    }

    [Fact]
    public async Task No_log_file_found_at_all_is_one_row_naming_the_setting()
    {
        var json = await Json("xx_log_files_found 0\nxx_log_file_present{log=\"cmix\"} 0\n");
        Assert.Equal("none of the enabled files found in --logs.dir", Summary(json, "logs", StatusBuilder.LogFilesRow));
        Assert.Equal("cmix", (await Json("xx_log_files_found 1\nxx_log_file_present{log=\"cmix\"} 1\n")).GetProperty("logs")[0].GetProperty("log").GetString());
    }

    [Fact]
    public async Task Without_alerts_to_show_the_page_says_why_at_the_top()
    {
        string html = await Html("xx_chain_up 1\n");
        Assert.Contains("<title>xx-exporter: alerts not known</title>", html);
        Assert.Contains("<header class=\"unknown\"><h1>xx-exporter status: alerts not known</h1>", html);
        int unavailable = html.IndexOf("<section class=\"unavailable\"><h2>Alerts not known</h2><p>No Alertmanager is configured.</p>", StringComparison.Ordinal);
        Assert.True(unavailable > 0 && unavailable < html.IndexOf("<main>", StringComparison.Ordinal), html);
    }

    [Fact]
    public async Task The_page_escapes_what_it_shows_and_needs_nothing_from_outside()
    {
        var alerts = new AlertsStatus("http://127.0.0.1:9093/", "", true, null, Now, 0,
            [new HeldAlert("<b>X</b>", "firing", "critical", "<script>s</script>", "d", "javascript:alert(1)", new Dictionary<string, string> { ["file"] = "<i>" }, Now)]);
        string html = StatusPage.Render(await StatusBuilder.BuildAsync(Registry("xx_exporter_collector_success{collector=\"<script>x</script>\"} 0\n"), Now, alerts, default), "/metrics");
        Assert.Contains("<td>&lt;script&gt;x&lt;/script&gt;</td><td>failing</td>", html);
        Assert.Contains("<b>&lt;b&gt;X&lt;/b&gt;</b>: &lt;script&gt;s&lt;/script&gt; (runbook: javascript:alert(1))", html);
        Assert.Contains("file=&lt;i&gt;", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("href=\"javascript", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain(" src=", html);
        Assert.Contains("http-equiv=\"refresh\"", html);
    }

    [Fact]
    public async Task A_sources_note_is_shown_under_the_alerts_and_in_status_json()
    {
        IReadOnlyList<IStatusNote> notes = [new Note("cmix_error_file", "cmix-err.log: the cMix node stopped on <round 7>"), new Note("quiet", null)];
        var report = await StatusBuilder.BuildAsync(Registry(""), Now, NoAlertmanager, default, notes);
        var note = Assert.Single(report.Notes);
        Assert.Equal(("cmix_error_file", "cmix-err.log: the cMix node stopped on <round 7>"), (note.Source, note.Sentence));
        Assert.Contains("<section class=\"notes\"><ul><li><b>cmix_error_file</b>: cmix-err.log: the cMix node stopped on &lt;round 7&gt;</li>",
            StatusPage.Render(report, "/metrics"));
        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, StatusJson.Default.StatusReport)).RootElement;
        Assert.Equal("cmix_error_file", Assert.Single(json.GetProperty("notes").EnumerateArray()).GetProperty("source").GetString());
    }

    private sealed record Note(string Name, string? StatusNote) : IStatusNote;

    [Fact]
    public async Task A_long_list_keeps_the_rows_most_in_need_of_a_look_and_counts_the_rest()
    {
        // Certificates expiring in 1..60 days, listed in name order, so the soonest are not the first written.
        int count = StatusBuilder.MaxRows + 10;
        string exposition = string.Concat(Enumerable.Range(0, count).Select(i =>
            $"xx_tls_certificate_expiry_timestamp_seconds{{file=\"c{i:D3}.crt\"}} {NowUnix + (count - i) * 86400}\n"));
        exposition += string.Concat(Enumerable.Range(0, count).Select(i => $"xx_probe_success{{target=\"t{i:D3}\"}} {(i == count - 1 ? 0 : 1)}\n"));
        var json = await Json(exposition);
        var certificates = json.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("file").GetString()).ToList();
        Assert.Equal(StatusBuilder.MaxRows, certificates.Count);
        Assert.Equal($"c{count - 1:D3}.crt", certificates[0]);
        Assert.DoesNotContain("c000.crt", certificates);
        Assert.Equal(10, json.GetProperty("notShown").GetProperty("certificates").GetInt32());
        Assert.Equal($"t{count - 1:D3}", json.GetProperty("probes")[0].GetProperty("target").GetString());
        Assert.Equal(10, json.GetProperty("notShown").GetProperty("probes").GetInt32());
        Assert.False(json.GetProperty("notShown").TryGetProperty("collectors", out _));

        string html = await Html(exposition);
        Assert.Contains("and 10 more in the metrics", html);
    }

    private static async Task<JsonElement> Json(string exposition) =>
        JsonDocument.Parse(JsonSerializer.Serialize(await StatusBuilder.BuildAsync(Registry(exposition), Now, NoAlertmanager, default),
            StatusJson.Default.StatusReport)).RootElement;

    private static async Task<string> Html(string exposition) =>
        StatusPage.Render(await StatusBuilder.BuildAsync(Registry(exposition), Now, NoAlertmanager, default), "/metrics");

    /// <summary>The row of <paramref name="list"/> (backups, certificates, logs, ...) named by its first property.</summary>
    private static JsonElement Row(JsonElement json, string list, string name) =>
        json.GetProperty(list).EnumerateArray().Single(row => row.EnumerateObject().First().Value.GetString() == name);

    private static string Summary(JsonElement json, string list, string name) => Row(json, list, name).GetProperty("summary").GetString()!;

    /// <summary>A registry holding the series written as in the exposition text (<c>name{label="value"} value</c>), all gauges.</summary>
    private static CollectorRegistry Registry(string exposition)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        foreach (string line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var series = Regex.Match(line, @"^(?<name>[a-z0-9_]+)(?:\{(?:(?<label>[a-z_]+)=""(?<value>[^""]*)"",?)*\})? (?<sample>\S+)$");
            Assert.True(series.Success, $"not a series: {line}");
            string[] labels = series.Groups["label"].Captures.Select(c => c.Value).ToArray();
            double sample = double.Parse(series.Groups["sample"].Value, CultureInfo.InvariantCulture);
            var gauge = factory.CreateGauge(series.Groups["name"].Value, "test", labels);
            if (labels.Length == 0) gauge.Set(sample);
            else gauge.WithLabels(series.Groups["value"].Captures.Select(c => c.Value).ToArray()).Set(sample);
        }
        return registry;
    }
}

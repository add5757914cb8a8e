using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Prometheus;
using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

/// <summary>
/// The status page and /status.json built from a registry holding the given series, at a fixed time. Spans are
/// written relative to the page's thresholds (<see cref="StatusBuilder"/>), which StatusThresholdsTests pins to the
/// alert rules.
/// </summary>
public class StatusBuilderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_100_000);
    private static readonly double NowUnix = Now.ToUnixTimeSeconds();

    /// <summary>An exporter that has watched its logs for a day.</summary>
    private static readonly string Watching = $"process_start_time_seconds {NowUnix - 86400}\n";

    private const string ActiveValidator = """
        xx_validator_active 1
        xx_validator_intends_to_validate 1
        xx_validator_elected_next_era 1
        xx_staking_active_era 42
        xx_validator_era_points 100
        xx_validator_era_points_active_set_median 120
        xx_validator_last_era_points 900
        xx_validator_last_era_missed 0
        xx_validator_missed_eras 0
        xx_validator_missed_eras_window 28

        """;

    private static double Ago(TimeSpan span, double seconds = 0) => NowUnix - span.TotalSeconds - seconds;

    [Theory]
    [InlineData(ActiveValidator, "active", "Ok", "active")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 0\n", "active", "Bad", "active, but NOT elected for the next era")]
    [InlineData("xx_validator_active 0\nxx_validator_intends_to_validate 1\n", "waiting", "Warn", "waiting, not in the active set")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 0\n", "chilled", "Bad", "chilled: call validate again")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_last_era_missed 1\n", "active", "Bad", "active, missed the last era")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_era_points 499\nxx_validator_era_points_active_set_median 1000\n", "active", "Warn", "active")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_era_points 10\nxx_validator_era_points_active_set_median 999\n", "active", "Ok", "active")]
    public async Task The_validator_state_reads_like_an_operator_would_say_it(string exposition, string state, string level, string summary)
    {
        var validator = (await Json(exposition)).GetProperty("validator");
        Assert.Equal(state, validator.GetProperty("state").GetString());
        Assert.Equal(level, validator.GetProperty("level").GetString());
        Assert.Equal(summary, validator.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task An_empty_newest_backup_is_red_even_when_fresh()
    {
        var backup = (await Json($"xx_backup_present{{target=\"cmix_node\"}} 1\nxx_backup_last_success_timestamp_seconds{{target=\"cmix_node\"}} {NowUnix - 60}\n"
            + "xx_backup_size_bytes{target=\"cmix_node\"} 0\nxx_backup_too_small{target=\"cmix_node\"} 1\n")).GetProperty("backups")[0];
        Assert.Equal("Bad", backup.GetProperty("level").GetString());
        Assert.StartsWith("FAILED (empty or too small)", backup.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task No_log_file_found_at_all_is_red_and_names_the_setting()
    {
        var logs = (await Json("xx_log_files_found 0\nxx_log_file_present{log=\"cmix\"} 0\n")).GetProperty("logs");
        Assert.Equal("log files", logs[0].GetProperty("log").GetString());
        Assert.Equal("Bad", logs[0].GetProperty("level").GetString());
        Assert.Equal("NONE found: check --logs.dir", logs[0].GetProperty("summary").GetString());
        Assert.Equal("cmix", (await Json("xx_log_files_found 1\nxx_log_file_present{log=\"cmix\"} 1\n")).GetProperty("logs")[0].GetProperty("log").GetString());
    }

    [Fact]
    public async Task Stale_backups_expiring_certificates_and_failing_collectors_are_flagged()
    {
        var json = await Json($$"""
            xx_backup_present{target="cmix_gateway"} 1
            xx_backup_last_success_timestamp_seconds{target="cmix_gateway"} {{Ago(StatusBuilder.BackupStaleAfter, 60)}}
            xx_backup_present{target="chain"} 1
            xx_backup_last_success_timestamp_seconds{target="chain"} {{Ago(StatusBuilder.BackupStaleAfter, -60)}}
            xx_backup_present{target="cmix_node"} 0
            xx_tls_certificate_expiry_timestamp_seconds{file="gateway-cert.crt"} {{NowUnix + StatusBuilder.CertificateWarnBefore.TotalSeconds - 60}}
            xx_tls_certificate_expiry_timestamp_seconds{file="node-cert.crt"} {{NowUnix + StatusBuilder.CertificateCriticalBefore.TotalSeconds - 60}}
            xx_tls_certificate_expiry_timestamp_seconds{file="cmix-cert.crt"} {{NowUnix - 86400}}
            xx_tls_certificate_expiry_timestamp_seconds{file="scheduling-cert.crt"} {{NowUnix + StatusBuilder.CertificateWarnBefore.TotalSeconds + 60}}
            xx_exporter_collector_success{collector="chain"} 0
            xx_exporter_collector_success{collector="log_cmix"} 1
            """);
        Assert.Equal(("Bad", "stale: 26h ago"), Row(json, "backups", "cmix_gateway"));
        Assert.Equal("Ok", Row(json, "backups", "chain").Level);
        Assert.Equal(("Bad", "missing"), Row(json, "backups", "cmix_node"));
        Assert.Equal("Warn", Row(json, "certificates", "gateway-cert.crt").Level);
        Assert.Equal("Bad", Row(json, "certificates", "node-cert.crt").Level);
        Assert.Equal(("Bad", "expired 24h ago"), Row(json, "certificates", "cmix-cert.crt"));
        Assert.Equal("Ok", Row(json, "certificates", "scheduling-cert.crt").Level);
        Assert.Equal("Bad", Level(json, "collectors", "chain"));
        Assert.Equal("Ok", Level(json, "collectors", "log_cmix"));
        Assert.Equal("Bad", json.GetProperty("overall").GetString());
    }

    [Fact]
    public async Task Only_the_node_and_gateway_logs_go_silent_and_not_while_the_validator_waits()
    {
        string logs = $$"""
            xx_log_file_present{log="cmix"} 1
            xx_log_last_record_timestamp_seconds{log="cmix"} {{Ago(StatusBuilder.LogSilentAfter, 60)}}
            xx_log_file_present{log="gateway"} 1
            xx_log_last_record_timestamp_seconds{log="gateway"} 0
            xx_log_file_present{log="cmix-wrapper"} 1
            xx_log_last_record_timestamp_seconds{log="cmix-wrapper"} {{NowUnix - 86400}}
            xx_log_file_present{log="gateway-wrapper"} 0

            """;
        var json = await Json(Watching + logs);
        Assert.Equal(("Warn", "last record 16m ago"), Row(json, "logs", "cmix"));
        Assert.Equal(("Warn", "no record since the exporter started"), Row(json, "logs", "gateway"));
        Assert.Equal(("Ok", "last record 24h ago"), Row(json, "logs", "cmix-wrapper"));
        Assert.Equal(("Unknown", "no file"), Row(json, "logs", "gateway-wrapper"));

        // Out of the active set there are no rounds to log.
        var waiting = await Json(Watching + logs + "xx_validator_active 0\n");
        Assert.Equal("Ok", Row(waiting, "logs", "cmix").Level);
        Assert.Equal("Ok", Row(waiting, "logs", "gateway").Level);
        // No record yet counts only once the exporter has watched for as long as the silence judged.
        var justStarted = await Json($"process_start_time_seconds {Ago(StatusBuilder.LogSilentAfter, -60)}\n" + logs);
        Assert.Equal(("Ok", "no record yet"), Row(justStarted, "logs", "gateway"));
    }

    [Fact]
    public async Task An_active_validator_without_rounds_is_red_and_a_failure_ratio_over_the_break_even_is_amber()
    {
        string cmix = $$"""
            xx_log_file_present{log="cmix"} 1
            xx_cmix_activity{state="WAITING"} 1
            xx_cmix_activity{state="REALTIME"} 0
            xx_cmix_rounds_completed_total 90
            xx_cmix_round_failures_total{reason="phase_timeout"} 6
            xx_cmix_round_failures_total{reason="other"} 4
            xx_cmix_last_round_completed_timestamp_seconds {{Ago(StatusBuilder.NoRoundAfter, 60)}}

            """;
        var noRound = (await Json(Watching + ActiveValidator + cmix)).GetProperty("cmix");
        Assert.Equal(0.9, noRound.GetProperty("successRatio").GetDouble(), 9);
        Assert.Equal("WAITING", noRound.GetProperty("activity").GetString());
        Assert.Equal("Bad", noRound.GetProperty("level").GetString());

        // Rounds are not expected in the first minutes of an era, nor before the exporter has watched long enough;
        // then only the failure ratio (10 of 100 rounds) is left.
        string eraJustBegun = $"xx_staking_active_era_start_timestamp_seconds {Ago(StatusBuilder.EraStartGrace, -60)}\n";
        Assert.Equal("Warn", (await Json(Watching + ActiveValidator + cmix + eraJustBegun)).GetProperty("cmix").GetProperty("level").GetString());
        string justStarted = $"process_start_time_seconds {Ago(StatusBuilder.NoRoundAfter, -60)}\n";
        Assert.Equal("Warn", (await Json(justStarted + ActiveValidator + cmix)).GetProperty("cmix").GetProperty("level").GetString());
        // A waiting validator gets no rounds.
        Assert.Equal("Warn", (await Json(Watching + cmix + "xx_validator_active 0\n")).GetProperty("cmix").GetProperty("level").GetString());

        // Under the number of rounds the ratio needs, even a high failure ratio is not judged.
        string fewRounds = $$"""
            xx_log_file_present{log="cmix"} 1
            xx_cmix_rounds_completed_total {{StatusBuilder.RoundsForFailureRatio - 2}}
            xx_cmix_round_failures_total{reason="other"} 1
            """;
        Assert.Equal("Ok", (await Json(Watching + fewRounds)).GetProperty("cmix").GetProperty("level").GetString());
    }

    [Fact]
    public async Task Chain_health_and_an_all_good_page()
    {
        var json = await Json($$"""
            xx_chain_up 1
            xx_chain_block_height{status="best"} 1000
            xx_chain_block_height{status="finalized"} {{1000 - StatusBuilder.FinalityLagBlocks}}
            xx_chain_peers {{StatusBuilder.FewPeers}}
            xx_chain_syncing 0
            """);
        Assert.Equal(StatusBuilder.FinalityLagBlocks, json.GetProperty("chain").GetProperty("finalityLag").GetDouble());
        Assert.Equal("Ok", json.GetProperty("chain").GetProperty("level").GetString());
        Assert.Equal("Ok", json.GetProperty("overall").GetString());
        Assert.False(json.TryGetProperty("validator", out _));
        Assert.Equal("Warn", (await Json($"xx_chain_up 1\nxx_chain_peers {StatusBuilder.FewPeers - 1}\n")).GetProperty("chain").GetProperty("level").GetString());
        Assert.Equal("Warn", (await Json($$"""
            xx_chain_up 1
            xx_chain_block_height{status="best"} 1000
            xx_chain_block_height{status="finalized"} {{1000 - StatusBuilder.FinalityLagBlocks - 1}}
            """)).GetProperty("chain").GetProperty("level").GetString());
        Assert.Equal("Bad", (await Json("xx_chain_up 0\n")).GetProperty("chain").GetProperty("level").GetString());
    }

    [Fact]
    public async Task The_page_shows_the_levels_escapes_what_it_shows_and_needs_nothing_from_outside()
    {
        string html = await Html("xx_exporter_collector_success{collector=\"<script>x</script>\"} 0\n");
        Assert.Contains("<td>&lt;script&gt;x&lt;/script&gt;</td><td><span class=\"chip bad\">FAILING</span>", html);
        Assert.Contains("xx-exporter status: needs action", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain(" src=", html);
        Assert.Contains("http-equiv=\"refresh\"", html);
    }

    private static async Task<JsonElement> Json(string exposition) =>
        JsonDocument.Parse(JsonSerializer.Serialize(await StatusBuilder.BuildAsync(Registry(exposition), Now, default), StatusJson.Default.StatusReport)).RootElement;

    private static async Task<string> Html(string exposition) =>
        StatusPage.Render(await StatusBuilder.BuildAsync(Registry(exposition), Now, default), "/metrics");

    /// <summary>The level and summary of the row of <paramref name="list"/> (backups, certificates, logs) named <paramref name="name"/>.</summary>
    private static (string Level, string Summary) Row(JsonElement json, string list, string name)
    {
        var row = Named(json, list, name);
        return (row.GetProperty("level").GetString()!, row.GetProperty("summary").GetString()!);
    }

    private static string Level(JsonElement json, string list, string name) => Named(json, list, name).GetProperty("level").GetString()!;

    /// <summary>A row is named by its first property (target, file, log, collector).</summary>
    private static JsonElement Named(JsonElement json, string list, string name) =>
        json.GetProperty(list).EnumerateArray().Single(row => row.EnumerateObject().First().Value.GetString() == name);

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

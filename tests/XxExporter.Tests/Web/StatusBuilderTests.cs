using XxExporter.Telemetry;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Prometheus;
using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

/// <summary>
/// The status page and /status.json built from a registry holding the given series, at a fixed time (and, where a
/// rule looks back, at earlier times into the same <see cref="SampleWindow"/>). The numbers are the alert rules',
/// which StatusProblemsTests pins to the problem table.
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

    /// <summary>
    /// For every entry of the problem table, the series that make its alert's condition hold: what the exporter
    /// shows a minute or hours before (null: nothing), how long before, what it shows now, and what a person reads.
    /// </summary>
    private static readonly Dictionary<string, (string? Before, TimeSpan By, string Now, string Reads)> Scenarios = new()
    {
        ["XxValidatorMissedEra"] = (null, default, "xx_validator_last_era_missed 1\nxx_validator_missed_eras 2", "earned no era points, so no reward for it (2 missed"),
        ["XxValidatorNotElectedNextEra"] = (null, default, "xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 0", "was not elected for the next era"),
        ["XxValidatorChilled"] = (null, default, "xx_validator_active 1\nxx_validator_intends_to_validate 0", "The validator is chilled"),
        ["XxValidatorNoEraPoints"] = ("xx_validator_active 1\nxx_validator_era_points 500\nxx_staking_active_era 42", TimeSpan.FromHours(2),
            "xx_validator_active 1\nxx_validator_era_points 500\nxx_staking_active_era 42", "has earned no era points in the last 2h"),
        ["XxValidatorEraPointsLow"] = (null, default, "xx_validator_active 1\nxx_validator_era_points 400\nxx_validator_era_points_active_set_median 1000", "has 40 % of the active set's median"),
        ["XxValidatorEnteringActiveSet"] = (null, default, "xx_validator_active 0\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 1", "is waiting and was elected for the next era"),
        ["XxValidatorCmixIdMismatch"] = (null, default, "xx_validator_cmix_id_matches 0", "is not this node's cmix-IDF.json"),
        ["XxCmixNoRoundCompleted"] = (null, default, ActiveValidator + $"xx_log_file_present{{log=\"cmix\"}} 1\nxx_cmix_last_round_completed_timestamp_seconds {NowUnix - 1860}",
            "has completed no round for 31m"),
        ["XxCmixRoundFailureRatioHigh"] = ("xx_cmix_rounds_completed_total 0\nxx_cmix_round_failures_total{reason=\"other\"} 0", TimeSpan.FromHours(1),
            "xx_cmix_rounds_completed_total 90\nxx_cmix_round_failures_total{reason=\"other\"} 10", "10.0 % of the 100 cMix rounds of the last 1h failed"),
        ["XxCrashLoop"] = ("xx_wrapper_restarts_total{service=\"cmix\"} 2\nxx_cmix_crashes_total 2", TimeSpan.FromMinutes(15),
            "xx_wrapper_restarts_total{service=\"cmix\"} 8\nxx_cmix_crashes_total 8", "The cmix process crashed 6 times in the last 15m: it is crash-looping"),
        ["XxCmixNotOnline"] = ("xx_cmix_scheduling_errors_total{kind=\"not_online\"} 3", TimeSpan.FromMinutes(5),
            "xx_cmix_scheduling_errors_total{kind=\"not_online\"} 5", "\"Your node is not online\" 2 times in the last 5m"),
        ["XxCmixDatabaseErrors"] = ("xx_cmix_database_errors_total{kind=\"timeout\"} 0", TimeSpan.FromMinutes(15),
            "xx_cmix_database_errors_total{kind=\"timeout\"} 1", "1 database error(s) of kind timeout in the last 15m"),
        ["XxWrapperUpdateFailed"] = ("xx_wrapper_errors_total{service=\"cmix\",kind=\"signature\"} 0", TimeSpan.FromHours(1),
            "xx_wrapper_errors_total{service=\"cmix\",kind=\"signature\"} 1", "The cmix wrapper logged 1 signature error(s) in the last 1h"),
        ["XxGatewayNotStoringRounds"] = (null, default, $"xx_gateway_last_stored_round_timestamp_seconds{{database=\"cmix_gateway\"}} {NowUnix - 960}", "cmix_gateway.client_rounds is 16m old"),
        ["XxGatewayNoRoundsReceived"] = (null, default, $"xx_log_file_present{{log=\"gateway\"}} 1\nxx_gateway_last_round_received_timestamp_seconds {NowUnix - 960}",
            "no \"Round N received\" for 16m"),
        ["XxGatewayDatabaseSlow"] = ("xx_gateway_slow_queries_total 0", TimeSpan.FromMinutes(15), "xx_gateway_slow_queries_total 6", "6 database queries over 1 s in the last 15m"),
        ["XxGatewayDatabaseErrors"] = ("xx_gateway_database_errors_total{kind=\"timeout\"} 0", TimeSpan.FromMinutes(15),
            "xx_gateway_database_errors_total{kind=\"timeout\"} 2", "The gateway logged 2 database error(s) of kind timeout"),
        ["XxGatewayHttpsCertificateExpired"] = ("xx_gateway_certificate_errors_total 0", TimeSpan.FromHours(1), "xx_gateway_certificate_errors_total 2",
            "reported its HTTPS certificate expired 2 times in the last 1h"),
        ["XxChainDown"] = (null, default, "xx_chain_up 0", "The chain node does not answer"),
        ["XxChainMajorSyncing"] = (null, default, "xx_chain_up 1\nxx_chain_syncing 1", "The chain node is major-syncing"),
        ["XxChainBehind"] = (null, default, "xx_chain_up 1\nxx_chain_block_height{status=\"target\"} 1000\nxx_chain_block_height{status=\"best\"} 970", "is 30 blocks behind"),
        ["XxChainBlockProductionStalled"] = ("xx_chain_block_height{status=\"best\"} 1000", TimeSpan.FromMinutes(3), "xx_chain_block_height{status=\"best\"} 1000",
            "best block (#1000) has not advanced in 3m"),
        ["XxChainFinalityLagging"] = (null, default, "xx_chain_block_height{status=\"best\"} 1000\nxx_chain_block_height{status=\"finalized\"} 970", "Finality lags 30 blocks"),
        ["XxChainFinalityStalled"] = ("xx_chain_block_height{status=\"best\"} 995\nxx_chain_block_height{status=\"finalized\"} 990", TimeSpan.FromMinutes(10),
            "xx_chain_block_height{status=\"best\"} 1095\nxx_chain_block_height{status=\"finalized\"} 990", "The finalized block (#990) has not advanced in 10m"),
        ["XxChainPeersLow"] = (null, default, "xx_chain_up 1\nxx_chain_peers 2", "has only 2 peer(s)"),
        ["XxPostgresDown"] = (null, default, "xx_postgres_up{database=\"cmix_node\"} 0", "The database cmix_node cannot be queried"),
        ["XxPostgresDeadRowsHigh"] = (null, default, "xx_postgres_table_dead_rows{database=\"cmix_gateway\",table=\"rounds\"} 200000\n"
            + "xx_postgres_table_live_rows{database=\"cmix_gateway\",table=\"rounds\"} 100000", "Table rounds of cmix_gateway has 200,000 dead rows"),
        ["XxPostgresWalArchiveFailing"] = ("xx_postgres_wal_archive_failed_total{database=\"cmix_node\"} 0", TimeSpan.FromMinutes(15),
            $"xx_postgres_wal_archive_failed_total{{database=\"cmix_node\"}} 3\nxx_postgres_wal_last_archive_failure_timestamp_seconds{{database=\"cmix_node\"}} {NowUnix - 60}\n"
            + $"xx_postgres_wal_last_archived_timestamp_seconds{{database=\"cmix_node\"}} {NowUnix - 3600}", "failed to archive WAL 3 times in the last 15m"),
        ["XxPostgresWalArchiveStale"] = (null, default, $"xx_postgres_wal_last_archived_timestamp_seconds{{database=\"cmix_node\"}} {NowUnix - 27 * 3600}",
            "last archived a WAL segment 27h ago"),
        ["XxBackupStale"] = (null, default, $"xx_backup_present{{target=\"cmix_node\"}} 1\nxx_backup_last_success_timestamp_seconds{{target=\"cmix_node\"}} {NowUnix - 27 * 3600}",
            "The newest backup of cmix_node is 27h old (over 26h)"),
        ["XxBackupMissing"] = (null, default, "xx_backup_present{target=\"chain\"} 0", "The backup target chain has no backup file at all"),
        ["XxBackupTooSmall"] = (null, default, $"xx_backup_present{{target=\"cmix_node\"}} 1\nxx_backup_last_success_timestamp_seconds{{target=\"cmix_node\"}} {NowUnix - 60}\n"
            + "xx_backup_size_bytes{target=\"cmix_node\"} 0\nxx_backup_too_small{target=\"cmix_node\"} 1", "The newest backup of cmix_node is 0 bytes"),
        ["XxCertificateExpiringSoon"] = (null, default, $"xx_tls_certificate_expiry_timestamp_seconds{{file=\"gateway-cert.crt\"}} {NowUnix + 10 * 86400}",
            "The certificate gateway-cert.crt expires in 10d"),
        ["XxCertificateExpiringVerySoon"] = (null, default, $"xx_tls_certificate_expiry_timestamp_seconds{{file=\"node-cert.crt\"}} {NowUnix + 2 * 86400}",
            "The certificate node-cert.crt expires in 2d"),
        ["XxCertificateExpired"] = (null, default, $"xx_tls_certificate_expiry_timestamp_seconds{{file=\"cmix-cert.crt\"}} {NowUnix - 86400}",
            "The certificate cmix-cert.crt expired 24h ago"),
        ["XxPortUnreachable"] = (null, default, "xx_probe_success{target=\"gateway:22840\"} 0", "gateway:22840 does not accept connections"),
        ["XxLogSilent"] = (null, default, $"xx_log_file_present{{log=\"cmix\"}} 1\nxx_log_last_record_timestamp_seconds{{log=\"cmix\"}} {NowUnix - 960}",
            "cmix.log has had no new record for 16m"),
        ["XxLogFilesNotFound"] = (null, default, "xx_log_files_found 0", "None of the enabled log files exists: check --logs.dir"),
        ["XxLogUnreadable"] = (null, default, "xx_log_file_present{log=\"cmix\"} 1\nxx_exporter_collector_success{collector=\"log_cmix\"} 0",
            "The exporter cannot read or follow the cmix log"),
        ["XxCmixStoppedOnError"] = (null, default, $"xx_cmix_error_file_present 1\nxx_cmix_error_file_modified_timestamp_seconds {NowUnix - 300}",
            "cmix-err.log was written 5m ago and is still there"),
        ["XxBinaryBehindChain"] = (null, default, "xx_binary_hash_matches_chain{binary=\"server\",source=\"file\"} 0\n"
            + "xx_binary_hash_matches_chain{binary=\"server\",source=\"cmix_wrapper\"} 1\nxx_wrapper_waiting_for_consensus{service=\"cmix\"} 0",
            "The installed server differs from its XXCmix.CmixHashes entry on chain (file)"),
        ["XxGatewayNoPeerGossip"] = ("xx_gateway_local_rounds_total 100\nxx_gateway_gossip_rounds_total 50", TimeSpan.FromMinutes(10),
            "xx_gateway_local_rounds_total 500\nxx_gateway_gossip_rounds_total 50", "The gateway logged 400 rounds of its own node in the last 10m but no peer gossip"),
        ["XxGatewayIsolated"] = ("xx_gateway_local_rounds_total 100", TimeSpan.FromMinutes(10),
            $"xx_gateway_local_rounds_total 500\nxx_gateway_last_gossip_timestamp_seconds {NowUnix - 3 * 3600}", "No peer gateway has gossiped to this gateway for 3h"),
        ["XxGatewayNodeNameNotResolving"] = (null, default, "xx_gateway_node_probe_success 0\nxx_gateway_node_probe_result{result=\"name_not_resolved\"} 1",
            "The node's name in the gateway's config (cmixAddress) does not resolve"),
        ["XxGatewayCannotReachNode"] = (null, default, "xx_gateway_node_probe_success 0\nxx_gateway_node_probe_result{result=\"name_not_resolved\"} 0\n"
            + "xx_gateway_node_probe_result{result=\"refused\"} 1", "does not accept a connection: refused"),
        ["XxGatewayConfigUnusable"] = (null, default, "xx_gateway_config_status{status=\"missing\"} 1\nxx_log_file_present{log=\"gateway\"} 1",
            "The gateway's config (--checks.gateway-config) is missing"),
        ["XxDnsNameNotResolving"] = (null, default, "xx_dns_resolution_success{name=\"scheduling.mainnet.cmix.rip\"} 0\n"
            + "xx_dns_resolution_result{name=\"scheduling.mainnet.cmix.rip\",result=\"timeout\"} 1", "scheduling.mainnet.cmix.rip does not resolve on this host (timeout)"),
        ["XxValidatorSlashQueued"] = (null, default, $"xx_validator_unapplied_slashes 1\nxx_validator_unapplied_slash_xx 100\nxx_validator_unapplied_slash_apply_era 1025\n"
            + $"xx_validator_unapplied_slash_apply_timestamp_seconds {NowUnix + 2 * 86400}", "1 slash(es) of 100 xx are queued against the validator, applied in era 1025 (in about 2d)"),
        ["XxValidatorSlashed"] = (null, default, "xx_validator_last_slash_era 998\nxx_staking_active_era 999\nxx_validator_slashed_xx 100\nxx_validator_slashed_eras 1\nxx_validator_slashed_eras_window 29",
            "The validator was slashed in era 998 (100 xx over 1 era(s) of the last 29)"),
        ["XxValidatorDisabled"] = (null, default, "xx_validator_disabled 1\nxx_validator_offending 0", "The validator is disabled or marked offending"),
        ["XxValidatorOfflineRisk"] = (null, default, "xx_validator_heartbeat_received 0\nxx_validator_session_blocks_authored 0\nxx_validator_active 1\nxx_staking_session_progress_ratio 0.9",
            "The session is 90% done and the validator has sent no heartbeat"),
        ["XxValidatorRewardsExpiringSoon"] = (null, default, "xx_validator_unpaid_oldest_era_eras_left 5\nxx_validator_unpaid_oldest_era 920\nxx_validator_unpaid_eras 3\nxx_validator_unpaid_rewards_xx 1250.5",
            "The oldest unpaid era (920) can be claimed for 5 more era(s): 3 era(s) holding 1,250.5 xx wait for payout_stakers"),
        ["XxValidatorRewardsExpiring"] = (null, default, "xx_validator_unpaid_oldest_era_eras_left 1\nxx_validator_unpaid_oldest_era 916",
            "The rewards of unpaid era 916 expire in 1 era(s)"),
        ["XxValidatorSessionKeysMissing"] = (null, default,
            "xx_validator_session_keys_on_node{stash=\"6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtt\"} 0\nxx_chain_node_role{role=\"authority\"} 1\nxx_validator_active 1",
            "This authority node's keystore lacks the stash's next session keys"),
        ["XxCollectorFailing"] = (null, default, "xx_exporter_collector_success{collector=\"backups\"} 0",
            "The backups collector is failing"),
    };

    public static TheoryData<string> Problem() => new(Scenarios.Keys);

    [Fact]
    public void Every_problem_of_the_table_has_a_scenario() =>
        Assert.Equal(Problems.All.Select(rule => rule.Alert).Order(), Scenarios.Keys.Order());

    [Theory]
    [MemberData(nameof(Problem))]
    public async Task A_person_sees_each_problem_at_the_top_with_its_severity_and_runbook(string alert)
    {
        var (before, by, now, reads) = Scenarios[alert];
        var window = new SampleWindow();
        if (before is not null) await StatusBuilder.BuildAsync(Registry(Watching + before), Now - by, window, default);
        var report = await StatusBuilder.BuildAsync(Registry(Watching + now), Now, window, default);
        var rule = Problems.All.Single(r => r.Alert == alert);
        string severity = rule.Severity.ToString().ToLowerInvariant(), css = severity switch { "critical" => "bad", "warning" => "warn", _ => "info" };

        string html = StatusPage.Render(report, "/metrics");
        string top = html[html.IndexOf("<section class=\"problems\">", StringComparison.Ordinal)..html.IndexOf("<main>", StringComparison.Ordinal)];
        var item = Assert.Single(Regex.Matches(top, "<li>.*?</li>").Select(m => m.Value), li => li.Contains(WebUtility.HtmlEncode(reads)));
        Assert.StartsWith($"<li><span class=\"chip {css}\">{severity}</span>", item);
        Assert.Contains($"<a href=\"{rule.Runbook}\">runbook: {alert}</a>", item);
        if (rule.Severity != Severity.Info) Assert.Contains($"<header class=\"{css}\">", html);

        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, StatusJson.Default.StatusReport)).RootElement;
        var problem = json.GetProperty("problems").EnumerateArray().Single(p => p.GetProperty("summary").GetString()!.Contains(reads));
        Assert.Equal(alert, problem.GetProperty("alert").GetString());
        Assert.Equal(rule.Severity.ToString(), problem.GetProperty("severity").GetString());
        Assert.Equal(rule.Runbook, problem.GetProperty("runbook").GetString());
    }

    [Fact]
    public async Task Just_below_each_number_nothing_is_wrong()
    {
        var json = await Json($$"""
            xx_backup_present{target="cmix_node"} 1
            xx_backup_last_success_timestamp_seconds{target="cmix_node"} {{NowUnix - 26 * 3600 + 60}}
            xx_tls_certificate_expiry_timestamp_seconds{file="scheduling-cert.crt"} {{NowUnix + 14 * 86400 + 60}}
            xx_log_file_present{log="cmix"} 1
            xx_log_last_record_timestamp_seconds{log="cmix"} {{NowUnix - 840}}
            xx_log_file_present{log="cmix_wrapper"} 1
            xx_log_last_record_timestamp_seconds{log="cmix_wrapper"} {{NowUnix - 86400}}
            xx_chain_up 1
            xx_chain_block_height{status="best"} 1000
            xx_chain_block_height{status="finalized"} 980
            xx_chain_peers 3
            xx_validator_active 1
            xx_validator_intends_to_validate 1
            xx_validator_era_points 10
            xx_validator_era_points_active_set_median 999
            """);
        Assert.Empty(json.GetProperty("problems").EnumerateArray());
        Assert.Equal("Ok", json.GetProperty("overall").GetString());
        Assert.Contains("No problems", await Html("xx_chain_up 1\n"));
    }

    [Fact]
    public async Task Cards_and_rows_take_the_colour_of_their_problems()
    {
        string exposition = $$"""
            xx_backup_present{target="cmix_gateway"} 1
            xx_backup_last_success_timestamp_seconds{target="cmix_gateway"} {{NowUnix - 27 * 3600}}
            xx_backup_present{target="chain"} 1
            xx_backup_last_success_timestamp_seconds{target="chain"} {{NowUnix - 60}}
            xx_tls_certificate_expiry_timestamp_seconds{file="node-cert.crt"} {{NowUnix + 3600}}
            xx_log_file_present{log="cmix"} 1
            xx_exporter_collector_success{collector="log_cmix"} 0
            xx_exporter_collector_success{collector="chain"} 0
            xx_validator_active 1
            xx_validator_intends_to_validate 0
            """;
        var json = await Json(exposition);
        Assert.Equal(("Bad", "stale: 27h ago"), Row(json, "backups", "cmix_gateway"));
        Assert.Equal("Ok", Row(json, "backups", "chain").Level);
        Assert.Equal("Bad", Row(json, "certificates", "node-cert.crt").Level);
        Assert.Equal(("Bad", "CANNOT be read"), Row(json, "logs", "cmix"));   // XxLogUnreadable
        Assert.Equal("Warn", Level(json, "collectors", "log_cmix"));          // a failing collector is never green
        Assert.Equal("Warn", Level(json, "collectors", "chain"));   // XxChainDown judges the chain, not XxCollectorFailing
        Assert.DoesNotContain(json.GetProperty("problems").EnumerateArray(), p => p.TryGetProperty("subject", out var subject) && subject.GetString() == "chain");
        Assert.Equal(("Bad", "chilled: call validate again"), (json.GetProperty("validator").GetProperty("level").GetString()!, json.GetProperty("validator").GetProperty("summary").GetString()!));
        Assert.Equal("Bad", json.GetProperty("overall").GetString());
        Assert.Equal("XxValidatorChilled", json.GetProperty("problems")[0].GetProperty("alert").GetString());   // the worst first
        Assert.Contains("xx-exporter status: needs action: 4 critical", await Html(exposition));
    }

    [Fact]
    public async Task The_round_success_ratio_is_over_the_last_hour_and_says_so()
    {
        var window = new SampleWindow();
        // A thousand good rounds two hours ago and one hour ago, then 90 completed and 10 failed in the last hour.
        await StatusBuilder.BuildAsync(Registry(Watching + "xx_log_file_present{log=\"cmix\"} 1\nxx_cmix_rounds_completed_total 0\nxx_cmix_round_failures_total{reason=\"other\"} 0\n"),
            Now - TimeSpan.FromHours(2), window, default);
        var young = await StatusBuilder.BuildAsync(Registry(Watching + "xx_log_file_present{log=\"cmix\"} 1\nxx_cmix_rounds_completed_total 1000\nxx_cmix_round_failures_total{reason=\"other\"} 0\n"),
            Now - TimeSpan.FromHours(1.5), window, default);
        Assert.Equal(1, young.Cmix!.SuccessRatio);
        Assert.EndsWith("success 100.0 % (last 30m)", young.Cmix.Summary);
        await StatusBuilder.BuildAsync(Registry(Watching + "xx_log_file_present{log=\"cmix\"} 1\nxx_cmix_rounds_completed_total 1000\nxx_cmix_round_failures_total{reason=\"other\"} 0\n"),
            Now - TimeSpan.FromHours(1), window, default);
        var report = await StatusBuilder.BuildAsync(Registry(Watching + "xx_log_file_present{log=\"cmix\"} 1\nxx_cmix_rounds_completed_total 1090\nxx_cmix_round_failures_total{reason=\"other\"} 10\n"),
            Now, window, default);
        Assert.Equal(0.9, report.Cmix!.SuccessRatio!.Value, 9);
        Assert.Equal(1100, report.Cmix.RoundsCompleted + report.Cmix.RoundFailures);
        string html = StatusPage.Render(report, "/metrics");
        Assert.Contains("<td>Success ratio, last hour</td><td>90.0%</td>", html.Replace(" %", "%"));
        Assert.Contains("<td>Rounds, last hour</td><td>90 completed, 10 failed</td>", html);
        // Over 6 h, 10 of 1100 failed: under the break-even, so no problem although the last hour is over it.
        Assert.DoesNotContain(report.Problems, p => p.Alert == "XxCmixRoundFailureRatioHigh");
    }

    [Fact]
    public async Task Silence_and_missing_rounds_wait_for_the_exporter_to_have_watched_and_for_the_validator_to_be_active()
    {
        string silent = $"xx_log_file_present{{log=\"gateway\"}} 1\nxx_log_last_record_timestamp_seconds{{log=\"gateway\"}} 0\n";
        Assert.Contains("gateway.log has had no new record since the exporter started", (await Html(Watching + silent)).Replace("&#39;", "'"));
        Assert.DoesNotContain("XxLogSilent", await Html($"process_start_time_seconds {NowUnix - 840}\n" + silent));
        Assert.DoesNotContain("XxLogSilent", await Html(Watching + silent + "xx_validator_active 0\n"));
        // A validator back in the active set within the last 30 minutes is not judged silent yet, as the rule's min_over_time.
        var window = new SampleWindow();
        await StatusBuilder.BuildAsync(Registry(Watching + silent + "xx_validator_active 0\n"), Now - TimeSpan.FromMinutes(20), window, default);
        var back = await StatusBuilder.BuildAsync(Registry(Watching + silent + "xx_validator_active 1\n"), Now, window, default);
        Assert.DoesNotContain(back.Problems, p => p.Alert == "XxLogSilent");

        string noRound = ActiveValidator + $"xx_log_file_present{{log=\"cmix\"}} 1\nxx_cmix_last_round_completed_timestamp_seconds {NowUnix - 1860}\n";
        Assert.DoesNotContain("XxCmixNoRoundCompleted", await Html(Watching + noRound + $"xx_staking_active_era_start_timestamp_seconds {NowUnix - 1740}\n"));
        Assert.DoesNotContain("XxCmixNoRoundCompleted", await Html($"process_start_time_seconds {NowUnix - 1740}\n" + noRound));
    }

    [Theory]
    [InlineData(ActiveValidator, "active", "Ok", "active")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 0\n", "active", "Warn", "active, but NOT elected for the next era")]
    [InlineData("xx_validator_active 0\nxx_validator_intends_to_validate 1\n", "waiting", "Ok", "waiting, not in the active set")]
    [InlineData("xx_validator_active 0\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 1\n", "waiting", "Info", "waiting, elected for the next era")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 0\n", "chilled", "Bad", "chilled: call validate again")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_last_era_missed 1\nxx_validator_missed_eras 1\n", "active", "Bad", "active, missed the last era")]
    public async Task The_validator_state_reads_like_an_operator_would_say_it(string exposition, string state, string level, string summary)
    {
        var validator = (await Json(exposition)).GetProperty("validator");
        Assert.Equal(state, validator.GetProperty("state").GetString());
        Assert.Equal(level, validator.GetProperty("level").GetString());
        Assert.Equal(summary, validator.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task No_log_file_found_at_all_is_one_row_naming_the_setting()
    {
        var logs = (await Json("xx_log_files_found 0\nxx_log_file_present{log=\"cmix\"} 0\n")).GetProperty("logs");
        Assert.Equal(("Warn", "NONE found: check --logs.dir"), Row(logs, Problems.LogFilesRow));
        Assert.Equal("cmix", (await Json("xx_log_files_found 1\nxx_log_file_present{log=\"cmix\"} 1\n")).GetProperty("logs")[0].GetProperty("log").GetString());
    }

    [Fact]
    public async Task The_window_keeps_a_snapshot_a_minute_for_six_hours_at_most()
    {
        var window = new SampleWindow();
        for (int minute = 0; minute < 2 * SampleWindow.Capacity; minute++)
            await StatusBuilder.BuildAsync(Registry($"xx_cmix_crashes_total {minute}\n"), Now + TimeSpan.FromSeconds(30 * minute), window, default);
        // Every other build fell within a minute of the last snapshot, and the oldest ones were dropped.
        Assert.Equal(SampleWindow.Capacity, window.Count);
        var last = Now + TimeSpan.FromSeconds(30 * (2 * SampleWindow.Capacity - 1));
        var report = await StatusBuilder.BuildAsync(Registry($"xx_cmix_crashes_total {2 * SampleWindow.Capacity}\n"), last, window, default);
        // 722 now, 690 in the newest snapshot at least 15 minutes old.
        Assert.Contains(report.Problems, p => p.Alert == "XxCrashLoop" && p.Summary.Contains("crashed 32 times in the last 15m"));
        Assert.Equal(SampleWindow.Capacity, window.Count);
    }

    [Fact]
    public async Task The_page_escapes_what_it_shows_and_needs_nothing_from_outside()
    {
        string html = await Html("xx_exporter_collector_success{collector=\"<script>x</script>\"} 0\n");
        Assert.Contains("<td>&lt;script&gt;x&lt;/script&gt;</td><td><span class=\"chip warn\">FAILING</span>", html);
        Assert.Contains("xx-exporter status: needs a look: 1 warning", html);
        Assert.Contains("Not judged here: <a href=\"https://github.com/xx-exporter/xx-exporter/blob/main/docs/runbooks/XxExporterDown.md\">XxExporterDown</a>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain(" src=", html);
        Assert.Contains("http-equiv=\"refresh\"", html);
    }

    [Fact]
    public async Task A_sources_note_is_shown_under_the_problems_and_in_status_json()
    {
        IReadOnlyList<IStatusNote> notes = [new Note("cmix_error_file", "cmix-err.log: the cMix node stopped on <round 7>"), new Note("quiet", null)];
        var report = await StatusBuilder.BuildAsync(Registry(Watching), Now, new SampleWindow(), default, notes);
        var note = Assert.Single(report.Notes);
        Assert.Equal(("cmix_error_file", "cmix-err.log: the cMix node stopped on <round 7>"), (note.Source, note.Sentence));
        Assert.Contains("<section class=\"notes\"><ul><li><b>cmix_error_file</b>: cmix-err.log: the cMix node stopped on &lt;round 7&gt;</li>",
            StatusPage.Render(report, "/metrics"));
        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, StatusJson.Default.StatusReport)).RootElement;
        Assert.Equal("cmix_error_file", Assert.Single(json.GetProperty("notes").EnumerateArray()).GetProperty("source").GetString());
    }

    private sealed record Note(string Name, string? StatusNote) : IStatusNote;

    private static async Task<JsonElement> Json(string exposition) =>
        JsonDocument.Parse(JsonSerializer.Serialize(await StatusBuilder.BuildAsync(Registry(exposition), Now, new SampleWindow(), default),
            StatusJson.Default.StatusReport)).RootElement;

    private static async Task<string> Html(string exposition) =>
        StatusPage.Render(await StatusBuilder.BuildAsync(Registry(exposition), Now, new SampleWindow(), default), "/metrics");

    /// <summary>The level and summary of the row of <paramref name="list"/> (backups, certificates, logs) named <paramref name="name"/>.</summary>
    private static (string Level, string Summary) Row(JsonElement json, string list, string name) => Row(json.GetProperty(list), name);

    private static (string Level, string Summary) Row(JsonElement rows, string name)
    {
        var row = rows.EnumerateArray().Single(r => r.EnumerateObject().First().Value.GetString() == name);
        return (row.GetProperty("level").GetString()!, row.GetProperty("summary").GetString()!);
    }

    /// <summary>A row is named by its first property (target, file, log, collector).</summary>
    private static string Level(JsonElement json, string list, string name) =>
        json.GetProperty(list).EnumerateArray().Single(row => row.EnumerateObject().First().Value.GetString() == name).GetProperty("level").GetString()!;

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

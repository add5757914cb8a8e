using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XxExporter.Postgres;
using XxExporter.Settings;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// A dashboard threshold that mirrors an alert is the alert rule's number: every threshold step of every dashboard
/// in grafana/dashboards/ is listed in <see cref="Steps"/> (by dashboard, panel title and the step's colour) as the
/// number of an alert rule (read from its expression in prometheus/rules/ where <c>{}</c> stands in the template, or
/// its <c>for:</c>), as a setting's default, or as the dashboard's own with the reason. Change a rule's number and
/// the dashboard step must follow; add a step and it must be listed here.
/// </summary>
public sealed partial class DashboardThresholdTests
{
    /// <summary>What a step's number is.</summary>
    private abstract record Source;

    /// <param name="Template">The rule's expression around its number, <c>{}</c> where it stands; null: the rule's <c>for:</c>.</param>
    /// <param name="WholeCount">The panel counts whole things: the rule's "&gt; N" (or "&lt;= N") turns at N + 1.</param>
    private sealed record Rule(string Alert, string? Template, bool WholeCount = false, string? Severity = null) : Source;

    /// <summary>The step is the default of a setting, as a number of seconds for a duration.</summary>
    private sealed record SettingDefault(Setting Setting) : Source;

    /// <summary>The dashboard's own colouring, which no alert has: why.</summary>
    private sealed record Own(string Why) : Source;

    private static readonly Dictionary<(string Dashboard, string Panel, string Color), Source[]> Steps = new()
    {
        [("chain-staking.json", "Peers", "orange")] = [new Own("one or two peers: still connected, fewer than the rule wants")],
        [("chain-staking.json", "Peers", "green")] = [new Rule("XxChainPeersLow", "xx_chain_peers{site_role!=\"standby\"} < {}")],
        [("chain-staking.json", "Peers over time", "green")] = [new Rule("XxChainPeersLow", "xx_chain_peers{site_role!=\"standby\"} < {}")],
        [("chain-staking.json", "Finality lag", "red")] = [new Rule("XxChainFinalityLagging", "ignoring(status) xx_chain_block_height{status=\"finalized\"} > {}")],
        [("chain-staking.json", "Last era", "green")] = [new Own("any points; XxValidatorMissedEra is last_era_missed == 1, which has no number")],
        [("chain-staking.json", "Missed eras", "red")] = [new Own("any missed era in the window; XxValidatorMissedEra has no number")],
        [("chain-staking.json", "Era points vs median", "green")] = [new Rule("XxValidatorEraPointsLow", "xx_validator_era_points{site_role!=\"standby\"} / xx_validator_era_points_active_set_median < {}", Severity: "warning")],
        [("chain-staking.json", "Queued slashes", "red")] = [new Rule("XxValidatorSlashed", "xx_validator_unapplied_slashes{site_role!=\"standby\"} > {}", WholeCount: true)],
        [("chain-staking.json", "Slashed eras", "red")] = [new Own("any slashed era in the window; XxValidatorSlashed compares eras, not a count")],
        [("chain-staking.json", "Binaries behind the chain", "orange")] = [new Own("a minute behind: the wrapper may be installing the release")],
        [("chain-staking.json", "Binaries behind the chain", "red")] = [new Rule("XxBinaryBehindChain", null)],
        [("chain-staking.json", "Unpaid eras", "blue")] = [new Own("unpaid eras are normal until someone sends payout_stakers")],
        [("chain-staking.json", "Eras left to claim", "orange")] = [new Rule("XxValidatorRewardsExpiring", "xx_validator_unpaid_oldest_era_eras_left{site_role!=\"standby\"}) <= {}", WholeCount: true, Severity: "critical")],
        [("chain-staking.json", "Eras left to claim", "green")] = [new Rule("XxValidatorRewardsExpiring", "xx_validator_unpaid_oldest_era_eras_left{site_role!=\"standby\"}) <= {}", WholeCount: true, Severity: "warning")],
        [("chain-staking.json", "Authority nodes with the keys", "green")] = [new Own("one node holds the keys; none is XxValidatorSessionKeysMissing, which has no number")],
        [("chain-staking.json", "Blocks authored and expected this session", "red")] = [new Rule("XxValidatorNoBlocksAuthored", "/ xx_staking_active_set_size{site_role!=\"standby\"} ) >= {}")],
        [("chain-staking.json", "Authority nodes with the keys", "red")] = [new Rule("XxValidatorSessionKeysLiveTwice", ") ) ) > {}", WholeCount: true)],

        [("cmix-gateway.json", "Round failure ratio (1 h)", "orange")] = [new Own("a warning colour below the alert's ratio")],
        [("cmix-gateway.json", "Round failure ratio (1 h)", "red")] = [new Rule("xx:cmix:round_failure_break_even_ratio", "label_replace(vector({}), \"source\", \"fallback\"")],
        [("cmix-gateway.json", "Time since last round", "red")] = [new Rule("XxCmixNoRoundCompleted", "time() - xx_cmix_last_round_completed_timestamp_seconds{site_role!=\"standby\"} > {}")],
        [("cmix-gateway.json", "cMix database errors (1 h)", "red")] = [new Rule("XxDatabaseErrors", "increase(xx_cmix_database_errors_total{site_role!=\"standby\"}[15m]) > {}", WholeCount: true)],
        [("cmix-gateway.json", "Gateway round age", "red")] =
        [
            new Rule("XxGatewayNoRounds", "time() - xx_gateway_last_round_received_timestamp_seconds{site_role!=\"standby\"} > {}"),
            new Rule("XxGatewayNoRounds", "time() - xx_gateway_last_stored_round_timestamp_seconds{site_role!=\"standby\"} > {}"),
        ],
        [("cmix-gateway.json", "Gateway slow queries (15 min)", "red")] = [new Rule("XxGatewayDatabaseSlow", "increase(xx_gateway_slow_queries_total{site_role!=\"standby\"}[15m]) > {}")],
        [("cmix-gateway.json", "Gateway database errors (1 h)", "red")] = [new Rule("XxDatabaseErrors", "increase(xx_gateway_database_errors_total{site_role!=\"standby\"}[15m]) > {}", WholeCount: true)],
        [("cmix-gateway.json", "Last record age", "orange")] = [new Rule("XxLogSilent", "time() - xx_log_last_record_timestamp_seconds{log=~\"cmix|gateway\",site_role!=\"standby\"} > {}")],
        [("cmix-gateway.json", "Wrapper chain errors (5 min)", "red")] =
            [new Rule("XxWrapperChainUnreachable", "increase(xx_wrapper_errors_total{kind=~\"no_local_chain|chain_connection|sync_state\",site_role!=\"standby\"}[5m]) ) > {}", WholeCount: true)],
        [("cmix-gateway.json", "Gateway certificate renewal failures (1 h)", "red")] = [new Rule("XxGatewayHttpsCertificateExpired", "+ increase(xx_gateway_certificate_renewal_failures_total[1h]) >= {}")],
        [("cmix-gateway.json", "Served certificate valid for", "green")] =
            [new Rule("XxCertificateExpiring", "probe_ssl_earliest_cert_expiry{job=\"xx-gateway-tls\",site_role!=\"standby\"} - time() < {}", Severity: "warning")],
        [("cmix-gateway.json", "cMix error file age", "red")] = [new Rule("XxServiceDown", "time() - xx_cmix_error_file_modified_timestamp_seconds{site_role!=\"standby\"} > {}")],

        [("overview.json", "Era points vs median", "orange")] = [new Rule("XxValidatorEraPointsLow", "xx_validator_era_points{site_role!=\"standby\"} / xx_validator_era_points_active_set_median < {}", Severity: "warning")],
        [("overview.json", "Era points vs median", "green")] = [new Own("near the median: green only from four fifths of it")],
        [("overview.json", "Missed eras", "red")] = [new Own("any missed era in the window; XxValidatorMissedEra has no number")],
        [("overview.json", "Peers", "orange")] = [new Own("one or two peers: still connected, fewer than the rule wants")],
        [("overview.json", "Peers", "green")] = [new Rule("XxChainPeersLow", "xx_chain_peers{site_role!=\"standby\"} < {}")],
        [("overview.json", "Last round", "orange")] = [new Own("ten minutes without a round: worth a look before the alert")],
        [("overview.json", "Last round", "red")] = [new Rule("XxCmixNoRoundCompleted", "time() - xx_cmix_last_round_completed_timestamp_seconds{site_role!=\"standby\"} > {}")],
        [("overview.json", "Round failures (6 h)", "orange")] = [new Own("a warning colour below the alert's ratio")],
        [("overview.json", "Round failures (6 h)", "red")] = [new Rule("xx:cmix:round_failure_break_even_ratio", "label_replace(vector({}), \"source\", \"fallback\"")],
        [("overview.json", "Crashes (24 h)", "orange")] = [new Own("any crash in a day")],
        [("overview.json", "Crashes (24 h)", "red")] = [new Rule("XxServiceDown", "increase(xx_cmix_crashes_total{site_role!=\"standby\"}[15m]) >= {}")],
        [("overview.json", "Gateway stored round", "orange")] = [new Own("five minutes without a stored round: worth a look before the alert")],
        [("overview.json", "Gateway stored round", "red")] = [new Rule("XxGatewayNoRounds", "time() - xx_gateway_last_stored_round_timestamp_seconds{site_role!=\"standby\"} > {}")],
        [("overview.json", "Backup age", "red")] = [new Rule("xx:backup:overdue_age_seconds", "time() - xx_backup_last_success_timestamp_seconds > {}")],
        [("overview.json", "Certificate expiry", "orange")] = [new Rule("XxCertificateExpiring", "xx_tls_certificate_expiry_timestamp_seconds{state=\"active\",kind=\"identity\"} - time() < {}", Severity: "critical")],
        [("overview.json", "Certificate expiry", "green")] = [new Rule("XxCertificateExpiring", "xx_tls_certificate_expiry_timestamp_seconds{state=\"active\",kind=\"identity\"} - time() < {}", Severity: "warning")],
        [("overview.json", "Log silence", "orange")] = [new Rule("XxLogSilent", "time() - xx_log_last_record_timestamp_seconds{log=~\"cmix|gateway\",site_role!=\"standby\"} > {}")],
        [("overview.json", "Last drill", "red")] = [new Rule("XxRestoreDrillFailing", "time() - xx_restore_drill_last_run_timestamp_seconds > {}")],
        [("overview.json", "Oldest backup", "red")] = [new Rule("xx:backup:overdue_age_seconds", "time() - xx_backup_last_success_timestamp_seconds > {}")],
        [("overview.json", "Certificates valid for", "orange")] = [new Own("expired; XxCertificateExpiring's critical tier holds from 7 days before (identity certificates)")],
        [("overview.json", "Certificates valid for", "green")] = [new Rule("XxCertificateExpiring", "xx_tls_certificate_expiry_timestamp_seconds{state=\"active\",kind=\"identity\"} - time() < {}", Severity: "warning")],

        [("postgres.json", "Oldest transaction", "orange")] = [new Own("ten minutes: worth a look before the alert")],
        [("postgres.json", "Oldest transaction", "red")] = [new Rule("XxPostgresLongTransaction", "xx_postgres_oldest_transaction_age_seconds > {}")],
        [("postgres.json", "Oldest transaction over time", "red")] = [new Rule("XxPostgresLongTransaction", "xx_postgres_oldest_transaction_age_seconds > {}")],
        [("postgres.json", "Connections used of max_connections", "red")] = [new Rule("XxPostgresConnectionsNearLimit", "sum without (state) (xx_postgres_connections) / xx_postgres_max_connections > {}")],
        [("postgres.json", "Dead rows per live row", "red")] = [new Rule("XxPostgresDatabaseGrowing", "clamp_min(xx_postgres_table_live_rows, 1) > {}")],
        [("postgres.json", "Scrape duration", "red")] = [new SettingDefault(PostgresSettings.Table.Timeout)],
    };

    [Fact]
    public void Every_threshold_step_is_listed_and_every_listed_step_exists()
    {
        var steps = DashboardSteps().Select(s => s.Key).ToList();
        Assert.Equal(steps.Count, steps.Distinct().Count());   // a panel's colours name its steps
        Assert.Empty(steps.Except(Steps.Keys).Select(s => $"not listed: {s}"));
        Assert.Empty(Steps.Keys.Except(steps).Select(s => $"no such step: {s}"));
    }

    [Fact]
    public void A_step_that_mirrors_an_alert_or_a_setting_has_its_number() =>
        Assert.Empty(Mismatches(Rules()));

    [Fact]
    public void A_rule_whose_number_changes_fails_the_check()
    {
        var changed = Rules().Select(a => a.Name == "xx:backup:overdue_age_seconds" ? a with { Expr = a.Expr.Replace("26 * 3600", "30 * 3600") } : a).ToList();
        Assert.Equal(
        [
            "overview.json / Backup age / red is 93600, xx:backup:overdue_age_seconds has 108000",
            "overview.json / Oldest backup / red is 93600, xx:backup:overdue_age_seconds has 108000",
        ], Mismatches(changed));
    }

    /// <summary>The alerts and the recording rules (a step may mirror the number of a recorded series that alerts read).</summary>
    private static List<PrometheusRulesTests.Alert> Rules() =>
        [.. PrometheusRulesTests.Alerts(), .. PrometheusRulesTests.Records().Select(record => new PrometheusRulesTests.Alert(record.Name, record.Expr, null, [], []))];

    /// <summary>Every step whose number differs from what it mirrors, or whose panel does not query the rule's series, in words.</summary>
    private static List<string> Mismatches(IReadOnlyList<PrometheusRulesTests.Alert> rules)
    {
        var problems = new List<string>();
        foreach (var (key, value, queries) in DashboardSteps())
        {
            foreach (var source in Steps.GetValueOrDefault(key) ?? [])
            {
                string at = $"{key.Dashboard} / {key.Panel} / {key.Color}";
                switch (source)
                {
                    case Rule rule:
                        var alert = rules.Single(a => a.Name == rule.Alert && (rule.Severity is null || a.Label("severity") == rule.Severity));
                        double number = rule.Template is null ? Seconds(alert.For ?? "0s") : Bound(alert.Name, Normalised(alert.Expr), rule.Template);
                        if (rule.WholeCount) number += 1;
                        if (value != number) problems.Add($"{at} is {value.ToString(CultureInfo.InvariantCulture)}, {alert.Name} has {number.ToString(CultureInfo.InvariantCulture)}");
                        // The panel shows what the rule compares (or, for a for:, how long its condition has held).
                        foreach (string series in Series().Matches(rule.Template ?? "").Select(m => m.Value).Distinct())
                            if (!queries.Any(q => q.Contains(series, StringComparison.Ordinal))) problems.Add($"{at} mirrors {alert.Name}, but does not query {series}");
                        break;
                    case SettingDefault setting:
                        double seconds = Seconds(setting.Setting.Default);
                        if (value != seconds) problems.Add($"{at} is {value}, {setting.Setting.Name} defaults to {setting.Setting.Default}");
                        break;
                }
            }
        }
        return problems;
    }

    /// <summary>Every threshold step with a number (the base step has none), with its panel's queries.</summary>
    private static IEnumerable<((string Dashboard, string Panel, string Color) Key, double Value, List<string> Queries)> DashboardSteps() =>
        Dashboards.Load().SelectMany(d => Dashboards.Panels(d.Json).SelectMany(panel =>
        {
            var config = panel["fieldConfig"];
            var lists = new[] { config?["defaults"]?["thresholds"]?["steps"] }.Concat((config?["overrides"]?.AsArray() ?? [])
                .SelectMany(o => (o!["properties"]?.AsArray() ?? []).Where(p => p!["id"]?.GetValue<string>() == "thresholds").Select(p => p!["value"]?["steps"])));
            var queries = (panel["targets"]?.AsArray() ?? []).Select(t => t!["expr"]?.GetValue<string>() ?? "").ToList();
            return lists.SelectMany(steps => steps?.AsArray() ?? []).Where(step => step!["value"] is JsonValue)
                .Select(step => ((Path.GetFileName(d.File), panel["title"]!.GetValue<string>(), step!["color"]!.GetValue<string>()), step["value"]!.GetValue<double>(), queries));
        }));

    /// <summary>The expression with every run of white space made one space.</summary>
    private static string Normalised(string expr) => Regex.Replace(expr, @"\s+", " ").Trim();

    /// <summary>
    /// The number standing where <paramref name="template"/> has <c>{}</c>: a literal, a duration (<c>15m</c>, in
    /// seconds) or a product such as <c>26 * 3600</c>; it must be the same wherever the template matches.
    /// </summary>
    private static double Bound(string alert, string expr, string template)
    {
        const string number = @"\d+(?:\.\d+)?(?:e\d+)?[smhd]?";
        string[] around = template.Split("{}");
        Assert.True(around.Length == 2, $"{alert}: the template \"{template}\" needs one {{}}");
        var bounds = Regex.Matches(expr, $@"{Regex.Escape(around[0])}({number}(?: \* {number})*)(?![\d.*]){Regex.Escape(around[1])}")
            .Select(m => m.Groups[1].Value.Split(" * ").Aggregate(1.0, (product, factor) => product * Seconds(factor)))
            .Distinct().ToList();
        Assert.True(bounds.Count == 1, $"{alert}: expected one number at {{}} of \"{template}\", found [{string.Join(", ", bounds)}] in: {expr}");
        return bounds[0];
    }

    private static double Seconds(string factor) => factor[^1] switch
    {
        's' when factor.EndsWith("ms", StringComparison.Ordinal) => double.Parse(factor[..^2], CultureInfo.InvariantCulture) / 1000,
        's' => double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        'm' => 60 * double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        'h' => 3600 * double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        'd' => 86400 * double.Parse(factor[..^1], CultureInfo.InvariantCulture),
        _ => double.Parse(factor, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"\bxx_[a-z_]+")]
    private static partial Regex Series();
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;
using XxSimulator.Chain;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The whole bundle end to end on loopback (<see cref="SimulatedSite"/>): simulated node → exporter → Prometheus with
/// the shipped rules → Alertmanager with the shipped routing → a webhook; and the dashboards' queries against that
/// Prometheus. The healthy and the troubled node run as two classes, one after the other (<see cref="CompressedClockStacks"/>).
/// </summary>
[FullLane]
[Collection(CompressedClockStacks.Name)]
public sealed class HealthyStackEndToEndTests
{
    [Fact]
    public async Task A_healthy_node_fires_no_alert_and_every_dashboard_query_returns_data()
    {
        // Eras short enough to see several, long enough that a 5 s (compressed) for: fits in one.
        var eraLength = TimeSpan.FromSeconds(12);
        await using var site = await SimulatedSite.StartAsync(Scenario.Healthy, eraLength, TimeSpan.FromSeconds(1.5));
        var stack = site.Stack;
        await stack.WaitForExporterUpAsync(TimeSpan.FromSeconds(60));
        double firstEra = await StackAssertions.ActiveEraAsync(stack);
        // The chain's stall rules need two scrapes a block apart; on a loaded machine the first two can fall in one
        // (simulated) second and make them pending for an evaluation. Judge the alerts from when Prometheus has seen
        // both heights move.
        var watching = Stopwatch.StartNew();
        while ((await stack.QueryAsync("delta(xx_chain_block_height[5m]) > 0")).Count < 2 && watching.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(500);
        watching.Restart();

        // Every panel query returns data once there has been time for it: rates need two scrapes, the last
        // era's points a finished era.
        // The host panels need a node_exporter, the outside-in probes a blackbox exporter, which this stack has not
        // (NodeExporterTests and BlackboxTests check their series).
        var pending = Dashboards.Queries(SimulatedSite.Site).Where(q => q.ReturnsDataWhenHealthy && !q.ReadsNodeExporter && !q.ReadsBlackbox).ToList();
        Assert.NotEmpty(pending);
        var waited = Stopwatch.StartNew();
        while (pending.Count > 0 && waited.Elapsed < 4 * eraLength + TimeSpan.FromSeconds(30))
        {
            foreach (var query in pending.ToList())
                if ((await stack.QueryAsync(query.Expr)).Count > 0) pending.Remove(query);
            await Task.Delay(1000);
        }
        Assert.True(pending.Count == 0, "no data for:\n" + string.Join('\n', pending.Select(q => $"{q}: {q.Expr}")));

        // Two era changes seen by Prometheus, so the rules watched a node through elections and finished eras.
        waited.Restart();
        while (await StackAssertions.ActiveEraAsync(stack) < firstEra + 2 && waited.Elapsed < 3 * eraLength)
            await Task.Delay(500);
        Assert.True(await StackAssertions.ActiveEraAsync(stack) >= firstEra + 2, "the simulated eras did not advance");

        // Not one alert but the heartbeat was even pending since (no watcher alert either: Prometheus and
        // Alertmanager scraped, nothing lost, no failed evaluation or reload), every rule evaluates cleanly, and
        // nothing was sent but the heartbeat, to the dead man's switch.
        var everAlerting = await stack.QueryAsync($"max_over_time(ALERTS{{alertname!=\"XxWatchdog\"}}[{(int)watching.Elapsed.TotalSeconds}s])");
        Assert.True(everAlerting.Count == 0, "alerts on a healthy node: " + everAlerting.ToJsonString());
        Assert.Empty(await stack.FailingRulesAsync());
        Assert.Empty(stack.Webhook.Received("/webhook"));
        var watched = await stack.QueryAsync("min_over_time(up{job=~\"prometheus|alertmanager\"}[1h])");
        Assert.Equal(["alertmanager", "prometheus"], watched.Select(s => s!["metric"]!["job"]!.GetValue<string>()).Order());
        Assert.All(watched, s => Assert.Equal("1", s!["value"]![1]!.GetValue<string>()));
        // Prometheus drops alerts it evaluates before it knows its Alertmanager and resends firing ones after a
        // minute (--rules.alert.resend-delay): the first heartbeat may come about 70 s after the stack started.
        var heartbeat = JsonNode.Parse((await stack.Webhook.WaitFor("/heartbeat", 1, TimeSpan.FromSeconds(90)))[0])!;
        Assert.Equal("xx-dead-mans-switch", heartbeat["receiver"]!.GetValue<string>());
        Assert.Equal("XxWatchdog", Assert.Single(heartbeat["alerts"]!.AsArray())!["labels"]!["alertname"]!.GetValue<string>());
    }
}

[FullLane]
[Collection(CompressedClockStacks.Name)]
public sealed class TroubledStackEndToEndTests
{
    [Fact]
    public async Task A_missed_era_and_failing_rounds_reach_the_webhook_with_their_runbooks()
    {
        // The troubled node starts in the era after a missed one, and fails every tenth round. An era of 60 s keeps
        // that missed era the last finished one well past the alert (which has no for:). A round every 2.5 s
        // gives the 20 rounds the failure ratio alert wants at 50 s, within the first era (the second, waiting, has
        // none), so it (then 15 s) and Alertmanager's 1 min wait for warnings come at about 2 min, well before the
        // fifth crash (round 50, at about 3 min, in the fourth era) turns it into a crash loop, which would hold it back.
        await using var site = await SimulatedSite.StartAsync(Scenario.Troubled, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(2.5));
        var stack = site.Stack;
        await stack.WaitForExporterUpAsync(TimeSpan.FromSeconds(60));

        // Alertmanager as shipped: critical alerts wait 10 s for their group, warnings 1 min.
        string[] expected = ["XxValidatorMissedEra", "XxCmixRoundFailureRatioHigh"];
        Dictionary<string, (JsonNode Alert, string Receiver)> notified = [];
        // What the overview's firing-alerts panel showed, with this host selected, while the missed era was paging (it
        // resolves with the era): a validator's alert has no host, and shows for the validator of the hosts selected.
        List<JsonArray>? shownWhilePaging = null;
        var firingPanels = Dashboards.Queries(SimulatedSite.Site, Regex.Escape(site.Exporter.Authority)).Where(q => !q.ReturnsDataWhenHealthy).ToList();
        Assert.NotEmpty(firingPanels);
        // On a loaded machine the ratio alert's minute of group wait can end after the crash loop began; then
        // Alertmanager holds it back (inhibit_rules: the crash loop explains the failing rounds), which is the routing
        // as shipped, and the crash loop is what pages.
        bool ratioHeldBack = false;
        var waited = Stopwatch.StartNew();
        while (!(notified.ContainsKey(expected[0]) && (notified.ContainsKey(expected[1]) || ratioHeldBack)) && waited.Elapsed < TimeSpan.FromMinutes(4))
        {
            ratioHeldBack = notified.ContainsKey("XxServiceDown") && await HeldBackByCrashLoopAsync(stack, expected[1]);
            foreach (string body in stack.Webhook.Received("/webhook"))
            {
                var notification = JsonNode.Parse(body)!;
                foreach (var alert in notification["alerts"]!.AsArray().Where(a => a!["status"]!.GetValue<string>() == "firing"))
                    notified[alert!["labels"]!["alertname"]!.GetValue<string>()] = (alert, notification["receiver"]!.GetValue<string>());
            }
            if (shownWhilePaging is null && notified.ContainsKey(expected[0]))
            {
                shownWhilePaging = [];
                foreach (var panel in firingPanels) shownWhilePaging.Add(await stack.QueryAsync(panel.Expr));
            }
            await Task.Delay(500);
        }
        Assert.True(notified.ContainsKey(expected[0]) && (notified.ContainsKey(expected[1]) || ratioHeldBack),
            $"notified within {waited.Elapsed}: {string.Join(", ", notified.Keys)}; firing: {(await stack.QueryAsync("ALERTS{alertstate=\"firing\"}")).ToJsonString()}");

        foreach (var (name, receiver, severity) in new[] { (expected[0], "xx-page", "critical"), (expected[1], "xx-default", "warning"), ("XxServiceDown", "xx-page", "critical") }
            .Where(expect => notified.ContainsKey(expect.Item1)))
        {
            var (alert, sentTo) = notified[name];
            Assert.Equal(receiver, sentTo);
            Assert.Equal(severity, alert["labels"]!["severity"]!.GetValue<string>());
            // An alert about the validator on chain is one per validator (its label, as prometheus.yml ships it); the others name the host.
            if (name.StartsWith("XxValidator", StringComparison.Ordinal))
                Assert.Equal("validator-1", alert["labels"]!["validator"]!.GetValue<string>());
            else
            {
                Assert.Equal(SimulatedSite.Site, alert["labels"]!["site"]!.GetValue<string>());
                Assert.Equal(site.Exporter.Authority, alert["labels"]!["instance"]!.GetValue<string>());
            }
            string runbook = alert["annotations"]!["runbook_url"]!.GetValue<string>();
            Assert.EndsWith($"/docs/runbooks/{name}.md", runbook);
            Assert.True(File.Exists(Repository.PathOf($"docs/runbooks/{name}.md")), runbook);
            Assert.False(string.IsNullOrWhiteSpace(alert["annotations"]!["description"]?.GetValue<string>()), name);
        }

        // The overview's firing-alerts panel showed the page.
        Assert.All(shownWhilePaging!, shown =>
            Assert.Contains(shown, series => series!["metric"]!["alertname"]!.GetValue<string>() == expected[0]));

        // Only what the scenario causes (and the heartbeat) was ever pending or firing: a node in trouble with its validator, but with
        // its chain node, databases, logs and exporter all fine.
        var everAlerting = (await stack.QueryAsync("count by (alertname) (max_over_time(ALERTS{alertname!=\"XxWatchdog\"}[1h]))"))
            .Select(series => series!["metric"]!["alertname"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(expected.ToHashSet(), everAlerting);
        var falseAlarms = everAlerting.Except(CausedByTheScenario).ToList();
        // A scrape slower than the compressed clock's 1 s timeout makes XxExporterDown pending: say how slow they were.
        Assert.True(falseAlarms.Count == 0, $"alerts the scenario does not cause: {string.Join(", ", falseAlarms)}; the exporter's slowest scrape " +
            (await stack.QueryAsync("max_over_time(scrape_duration_seconds{job=\"xx-exporter\"}[1h])")).ToJsonString() + ", failed scrapes " +
            (await stack.QueryAsync("count_over_time((up{job=\"xx-exporter\"} == 0)[1h:1s])")).ToJsonString());
    }

    /// <summary>Whether Alertmanager holds <paramref name="alert"/> back, inhibited by the crash loop.</summary>
    private static async Task<bool> HeldBackByCrashLoopAsync(MonitoringStack stack, string alert)
    {
        var alerts = JsonNode.Parse(await stack.Alertmanager.Http.GetStringAsync($"/api/v2/alerts?filter=alertname%3D%22{alert}%22"))!.AsArray();
        return alerts.Any(a => a!["status"]!["state"]!.GetValue<string>() == "suppressed" && a["status"]!["inhibitedBy"]!.AsArray().Count > 0);
    }

    /// <summary>The alerts the troubled timeline may raise in its first eras; any other would be a false alarm.</summary>
    private static readonly HashSet<string> CausedByTheScenario =
    [
        "XxValidatorMissedEra", "XxValidatorNotElectedNextEra", "XxValidatorEnteringActiveSet", "XxValidatorEraPointsLow",
        "XxCmixRoundFailureRatioHigh", "XxServiceDown", "XxValidatorRewardsExpiring",
        // The troubled stash's queued slash, and in its missed era: disabled, no heartbeat and no block.
        "XxValidatorSlashed", "XxValidatorOfflineRisk",
    ];
}

internal static class StackAssertions
{
    public static async Task<double> ActiveEraAsync(MonitoringStack stack)
    {
        var result = await stack.QueryAsync("xx_staking_active_era");
        Assert.True(result.Count == 1, "xx_staking_active_era: " + result.ToJsonString());
        return double.Parse(result[0]!["value"]![1]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The monitoring stack watching itself and fleets (docs/operations.md "Watching the watchers", "Fleets") on a real
/// prometheus-alertmanager 0.25: the heartbeat's route, the fleet inhibitions over several simulated hosts, and the
/// counter XxAlertNotificationsFailing reads rising when a receiver cannot be reached.
/// </summary>
public partial class AlertmanagerTests
{
    /// <summary>The shipped config with every receiver on <paramref name="listener"/> and waits of seconds.</summary>
    private static string ShortWaits(string config)
    {
        config = Regex.Replace(config, @"group_wait: \S+", "group_wait: 1s");
        config = Regex.Replace(config, @"group_interval: \S+", "group_interval: 2s");
        return Regex.Replace(config, @"repeat_interval: \S+", "repeat_interval: 1h");
    }

    private static readonly Posted FleetNoRounds = new("XxFleetStalled", "", "critical", false, ("fleet", "eu"), ("service", "cmix"));
    private static readonly Posted FleetGateways = new("XxFleetStalled", "", "critical", false, ("service", "gateway"));

    /// <summary>Six nodes in two fleets and three gateways without a fleet label, as several hosts would send them.</summary>
    private static readonly Posted[] FleetHosts =
    [
        // Fleet eu has its aggregate alert: its nodes' own are held back.
        new("XxCmixNoRoundCompleted", "eu-1:19420", "critical", true, ("fleet", "eu")),
        new("XxCmixNoRoundCompleted", "eu-2:19420", "critical", true, ("fleet", "eu")),
        new("XxCmixNoRoundCompleted", "eu-3:19420", "critical", true, ("fleet", "eu")),
        // Fleet us has none (too few hosts): its nodes page.
        new("XxCmixNoRoundCompleted", "us-1:19420", "critical", false, ("fleet", "us")),
        new("XxCmixNoRoundCompleted", "us-2:19420", "critical", false, ("fleet", "us")),
        // Without a fleet label every host is one fleet: the unlabelled aggregate holds the gateways back...
        new("XxGatewayNoRounds", "gw-1:19420", "critical", true),
        new("XxGatewayNoRounds", "gw-2:19420", "critical", true),
        new("XxGatewayNoRounds", "gw-3:19420", "critical", true),
        // ...but not a labelled fleet's, nor another alert of an eu host.
        new("XxGatewayNoRounds", "eu-1:19420", "critical", false, ("fleet", "eu")),
        new("XxChainPeersLow", "eu-2:19420", "warning", false, ("fleet", "eu")),
    ];

    /// <summary>A fleet alert as Prometheus sends it: no instance or site, only the fleet (if any).</summary>
    private static JsonObject Aggregate(Posted posted)
    {
        var json = posted.Json();
        var labels = json["labels"]!.AsObject();
        labels.Remove("instance");
        labels.Remove("site");
        labels.Remove("validator");
        return json;
    }

    private static JsonObject Watchdog() => new()
    {
        ["labels"] = new JsonObject { ["alertname"] = "XxWatchdog", ["severity"] = "info" },
        ["annotations"] = new JsonObject { ["summary"] = "The monitoring stack is alive (the heartbeat of the dead man's switch)" },
    };

    [FullLane]
    [Fact]
    public async Task The_heartbeat_reaches_the_dead_mans_switch_and_a_fleet_alert_holds_back_its_hosts_alerts()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var folder = new TempFolder();
        string config = ShortWaits(File.ReadAllText(ConfigFile)
            .Replace(HeartbeatPlaceholder, $"{listener.Url}/heartbeat")
            .Replace("http://127.0.0.1:5001/", $"{listener.Url}/webhook"));
        await using var alertmanager = await AlertmanagerProcess.StartAsync(folder.Path, config);
        var http = alertmanager.Http;

        await PostJson(http, new JsonArray(Watchdog()));
        await PostJson(http, new JsonArray(Aggregate(FleetNoRounds), Aggregate(FleetGateways)));
        await Post(http, FleetHosts);

        // The heartbeat goes to the dead man's switch only.
        var heartbeat = JsonNode.Parse((await listener.WaitFor("/heartbeat", 1, TimeSpan.FromSeconds(20)))[0])!;
        Assert.Equal("xx-dead-mans-switch", heartbeat["receiver"]!.GetValue<string>());
        Assert.Equal("XxWatchdog", Assert.Single(heartbeat["alerts"]!.AsArray())!["labels"]!["alertname"]!.GetValue<string>());

        // Each host alert is held back exactly when its fleet's aggregate fires.
        JsonArray alerts = [];
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            alerts = await Get(http, "/api/v2/alerts");
            if (FleetHosts.All(p => Find(alerts, p) is not null && IsInhibited(alerts, p) == p.Inhibited)) break;
            await Task.Delay(100);
        }
        Assert.All(FleetHosts, p => Assert.True(IsInhibited(alerts, p) == p.Inhibited,
            $"{p.Key} should {(p.Inhibited ? "" : "not ")}be held back: {Find(alerts, p)?["status"]?.ToJsonString()}"));
        string fleetEu = Find(alerts, FleetNoRounds)!["fingerprint"]!.GetValue<string>();
        Assert.Equal(new[] { fleetEu }, Find(alerts, FleetHosts[0])!["status"]!["inhibitedBy"]!.AsArray().Select(f => f!.GetValue<string>()));

        // Notified: the two aggregates and what they do not explain; never a held-back host.
        var expected = FleetHosts.Where(p => !p.Inhibited).Append(FleetNoRounds).Append(FleetGateways).Select(p => p.Key).Order().ToList();
        var notified = new List<string>();
        waited.Restart();
        while (waited.Elapsed < TimeSpan.FromSeconds(20) && notified.Count < expected.Count)
        {
            notified = listener.Received("/webhook").SelectMany(n => JsonNode.Parse(n)!["alerts"]!.AsArray()).Select(a => Posted.KeyOf(a!)).Distinct().ToList();
            await Task.Delay(200);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));   // a held-back group that leaked would be flushed by now
        notified = listener.Received("/webhook").SelectMany(n => JsonNode.Parse(n)!["alerts"]!.AsArray()).Select(a => Posted.KeyOf(a!)).Distinct().ToList();
        Assert.Equal(expected, notified.Order().ToList());

        // A lost notification stops the heartbeat, so the dead man's switch pages even when the pager is what broke.
        await Post(http, [new("XxAlertNotificationsFailing", "alertmanager:9093", "warning", false, ("integration", "webhook"))]);
        waited.Restart();
        bool held = false;
        while (!held && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            var watchdog = (await Get(http, "/api/v2/alerts")).First(a => a!["labels"]!["alertname"]!.GetValue<string>() == "XxWatchdog")!;
            held = watchdog["status"]!["state"]!.GetValue<string>() == "suppressed";
            if (!held) await Task.Delay(100);
        }
        Assert.True(held, "XxAlertNotificationsFailing does not hold XxWatchdog back");
    }

    [FullLane]
    [Fact]
    public async Task A_receiver_that_refuses_raises_the_failed_notifications_counter()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var folder = new TempFolder();
        // The pager's URL on a port nothing listens on (connection refused); the other receivers work.
        int refusing = Loopback.FreePort();
        string config = ShortWaits(File.ReadAllText(ConfigFile)
            .Replace(HeartbeatPlaceholder, $"{listener.Url}/heartbeat")
            .Replace("'http://127.0.0.1:5001/'   # REPLACE with your pager/relay", $"'http://127.0.0.1:{refusing}/page'   # REPLACE with your pager/relay")
            .Replace("http://127.0.0.1:5001/", $"{listener.Url}/webhook"));
        Assert.Contains($"http://127.0.0.1:{refusing}/page", config);
        await using var alertmanager = await AlertmanagerProcess.StartAsync(folder.Path, config);
        Assert.Equal(0, await FailedWebhookNotifications(alertmanager.Http));

        await Post(alertmanager.Http, [new("XxChainDown", "node-a:19420", "critical", false)]);

        // Alertmanager retries until the flush times out (at least 10 s), then counts the loss.
        var waited = Stopwatch.StartNew();
        double failed = 0;
        while (failed == 0 && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(500);
            failed = await FailedWebhookNotifications(alertmanager.Http);
        }
        Assert.True(failed > 0, $"alertmanager_notifications_failed_total{{integration=\"webhook\"}} stayed 0 for {waited.Elapsed}\n{alertmanager.Log}");
        Assert.Empty(listener.Received("/webhook"));   // the critical alert reached nobody: what the alert is for
    }

    private static async Task<double> FailedWebhookNotifications(HttpClient http)
    {
        string metrics = await http.GetStringAsync("/metrics");
        var sample = Regex.Match(metrics, @"(?m)^alertmanager_notifications_failed_total\{integration=""webhook""[^}]*\} (\S+)$");
        Assert.True(sample.Success, "alertmanager_notifications_failed_total{integration=\"webhook\"} is not on /metrics");
        return double.Parse(sample.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task PostJson(HttpClient http, JsonArray body)
    {
        using var response = await http.PostAsync("/api/v2/alerts", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

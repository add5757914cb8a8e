using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// alertmanager/alertmanager.yml and its templates, checked with Debian's amtool and a real
/// prometheus-alertmanager 0.25 on 127.0.0.1 (apt-get install prometheus-alertmanager).
/// </summary>
public partial class AlertmanagerTests
{
    private static string ConfigFile => Repository.PathOf("alertmanager/alertmanager.yml");

    private const string Config = "--config.file=alertmanager/alertmanager.yml";

    /// <summary>The dead man's switch's ping URL as shipped (demo/run.sh points it at /heartbeat beside the webhook).</summary>
    private const string HeartbeatPlaceholder = "http://127.0.0.1:5001/heartbeat";

    /// <summary>The alerts the rules define: the config may name no other (a typo would silently never match).</summary>
    private static readonly string[] AlertNames = Regex.Matches(
            File.ReadAllText(Path.Combine(Repository.Root, "prometheus", "rules", "xx-alerts.yml")), @"(?m)^\s*- alert:\s*(\w+)")
        .Select(m => m.Groups[1].Value).ToArray();

    [Fact]
    public async Task Amtool_check_config_succeeds()
    {
        var (code, output) = await Run("amtool", "check-config", "alertmanager/alertmanager.yml");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output);
        Assert.Contains(" - 1 templates", output);    // templates/*.tmpl was found and parsed
        Assert.DoesNotContain("FAILED", output);
    }

    [Theory]
    [InlineData("critical", "XxChainDown", "xx-page")]
    [InlineData("critical", "XxValidatorMissedEra", "xx-page")]
    [InlineData("critical", "XxServiceDown", "xx-page")]
    [InlineData("critical", "XxExporterDown", "xx-page")]
    [InlineData("critical", "XxNodeActiveAtTwoSites", "xx-page")]
    [InlineData("critical", "XxCertificateExpiring", "xx-page")]
    [InlineData("warning", "XxCertificateExpiring", "xx-default")]
    [InlineData("warning", "XxChainPeersLow", "xx-default")]
    [InlineData("warning", "XxBackupFailing", "xx-default")]
    [InlineData("info", "XxPostgresDatabaseGrowing", "xx-low-noise")]
    [InlineData("info", "XxWatchdog", "xx-dead-mans-switch")]   // the heartbeat, before the severity routes
    [InlineData("critical", "XxFleetStalled", "xx-page")]
    [InlineData("warning", "XxAlertNotificationsFailing", "xx-default")]
    [InlineData(null, "XxLogSilent", "xx-default")]          // no severity label: the default route
    [InlineData("page-me", "XxLogSilent", "xx-default")]     // an unknown severity is not lost either
    public async Task Amtool_routes_each_severity_to_its_receiver(string? severity, string alertname, string receiver)
    {
        var labels = new List<string> { "config", "routes", "test", Config };
        if (severity is not null) labels.Add($"severity={severity}");
        labels.AddRange([$"alertname={alertname}", "instance=node-1:19420", "site=home", "validator=val-1"]);
        var (code, output) = await Run("amtool", [.. labels]);
        Assert.True(code == 0, output);
        Assert.Equal(receiver, output.Split('\n')[0].Trim());   // stdout first; amtool's flag warning goes to stderr
    }

    [Fact]
    public async Task Amtool_shows_one_route_per_severity_under_the_default()
    {
        var (code, output) = await Run("amtool", "config", "routes", Config);
        Assert.True(code == 0, output);
        Assert.Contains("default-route  receiver: xx-default", output);
        Assert.Contains("{severity=\"critical\"}  receiver: xx-page", output);
        Assert.Contains("{severity=\"warning\"}  receiver: xx-default", output);
        Assert.Contains("{severity=\"info\"}  receiver: xx-low-noise", output);
    }

    [Fact]
    public void The_configuration_names_only_the_rules_alerts_and_known_severities()
    {
        string yaml = File.ReadAllText(ConfigFile);
        var named = AlertName().Matches(yaml).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(named);
        Assert.All(named, name => Assert.Contains(name, AlertNames));   // a typo would silently never match
        var severities = Severity().Matches(yaml).SelectMany(m => m.Groups[1].Value.Split('|')).Distinct();
        Assert.All(severities, s => Assert.Contains(s, new[] { "critical", "warning", "info" }));
        // Placeholders are visibly placeholders, and nothing leaves the host as shipped.
        Assert.All(WebhookUrl().Matches(yaml), m => Assert.Contains(m.Groups[1].Value, new[] { "http://127.0.0.1:5001/", HeartbeatPlaceholder }));
        Assert.Contains($"- url: '{HeartbeatPlaceholder}'   # REPLACE", yaml);
        foreach (string field in new[] { "to", "from", "smarthost", "auth_username", "auth_password_file", "bot_token", "webhook_url" })
            Assert.Matches($@"(?m)^\s+-?\s*{field}: '[^']*REPLACE", yaml);
    }

    // ---- templates ------------------------------------------------------------------------------------------

    private const string TemplateData = """
        {"receiver": "xx-page", "status": "firing", "externalURL": "http://127.0.0.1:9093",
         "groupLabels": {"alertname": "XxChainDown", "site": "home", "instance": "node-1:19420"},
         "commonLabels": {"alertname": "XxChainDown", "site": "home", "instance": "node-1:19420", "severity": "critical"},
         "commonAnnotations": {},
         "alerts": [
          {"status": "firing", "startsAt": "2026-01-02T03:04:05Z", "endsAt": "0001-01-01T00:00:00Z",
           "labels": {"alertname": "XxChainDown", "site": "home", "instance": "node-1:19420", "severity": "critical"},
           "annotations": {"summary": "Chain node on node-1:19420 is <down>",
                           "description": "xx_chain_up has been 0 for 2m & staking alerts are inhibited.",
                           "runbook_url": "https://example.org/runbooks/xx#XxChainDown"}},
          {"status": "resolved", "startsAt": "2026-01-02T01:00:00Z", "endsAt": "2026-01-02T02:00:00Z",
           "labels": {"alertname": "XxChainDown", "site": "home", "instance": "node-1:19420", "severity": "critical"},
           "annotations": {"summary": "An earlier outage"}}]}
        """;

    private static async Task<string> Render(string template, string type = "text")
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("data.json"), TemplateData);
        var (code, output) = await Run("amtool", "template", "render",
            "--template.glob=" + Path.Combine(Repository.Root, "alertmanager", "templates", "*.tmpl"),
            $"--template.text={{{{ template \"{template}\" . }}}}", $"--template.type={type}", "--template.data=" + folder.File("data.json"));
        Assert.True(code == 0, output);
        return output;
    }

    [Fact]
    public async Task Title_is_one_line_with_status_count_severity_alert_and_where()
    {
        Assert.Equal("[FIRING:1] critical XxChainDown on node-1:19420 (home)", (await Render("xx.title")).Trim());
    }

    [Fact]
    public async Task Text_has_summary_description_runbook_and_the_resolved_ones()
    {
        string text = await Render("xx.text");
        Assert.Contains("Chain node on node-1:19420 is <down>\n"
            + "xx_chain_up has been 0 for 2m & staking alerts are inhibited.\n"
            + "Runbook: https://example.org/runbooks/xx#XxChainDown\n"
            + "Labels: alertname=XxChainDown instance=node-1:19420 severity=critical site=home\n"
            + "Since: 2026-01-02 03:04:05 UTC\n", text);
        Assert.Contains("RESOLVED: An earlier outage\n", text);
        Assert.DoesNotContain("Runbook: \n", text);   // absent annotations leave no empty lines behind
        Assert.True(text.IndexOf("<down>", StringComparison.Ordinal) < text.IndexOf("RESOLVED", StringComparison.Ordinal), "firing first");
    }

    [Fact]
    public async Task Email_and_telegram_html_escape_annotations_and_link_the_runbook()
    {
        string html = await Render("xx.email.html", "html");
        Assert.Contains("<b>Chain node on node-1:19420 is &lt;down&gt;</b>", html);
        Assert.Contains("&amp; staking alerts", html);
        Assert.Contains("<a href=\"https://example.org/runbooks/xx#XxChainDown\">Runbook</a>", html);
        Assert.Contains("<h3>[FIRING:1] critical XxChainDown on node-1:19420 (home)</h3>", html);

        string telegram = await Render("xx.telegram.message", "html");
        Assert.Contains("<b>Chain node on node-1:19420 is &lt;down&gt;</b>", telegram);
        Assert.Contains("<a href=\"https://example.org/runbooks/xx#XxChainDown\">Runbook</a>", telegram);
        Assert.DoesNotContain("<br>", telegram);   // Telegram's HTML mode rejects tags it does not know
        Assert.DoesNotContain("<li>", telegram);
    }

    // ---- a real Alertmanager -------------------------------------------------------------------------------

    /// <summary>One alert posted to the running Alertmanager, and what the shipped config must make of it.</summary>
    private sealed record Posted(string Name, string Instance, string Severity, bool Inhibited, params (string Key, string Value)[] Extra)
    {
        public string Key => $"{Name}@{Instance}" + string.Concat(Extra.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $",{e.Key}={e.Value}")) + $",{Severity}";

        /// <summary>The validator label that ties a validator's hosts together: node-a and gw-a are val-a's.</summary>
        public string Validator => "val-" + Instance.Split(':')[0].Split('-').Last();

        public string? Notify => Extra.Where(e => e.Key == "notify").Select(e => e.Value).FirstOrDefault();

        public JsonObject Json()
        {
            var labels = new JsonObject
            {
                ["alertname"] = Name, ["instance"] = Instance, ["severity"] = Severity, ["job"] = "xx",
                ["site"] = Instance.Replace("node-", "site-").Split(':')[0],
                ["validator"] = Validator,
            };
            foreach (var (key, value) in Extra) labels[key] = value;
            return new JsonObject
            {
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    ["summary"] = $"{Name} on {Instance}",
                    ["description"] = $"{Name} fired in the end-to-end test.",
                    ["runbook_url"] = $"https://example.org/runbooks/xx#{Name}",
                },
                ["generatorURL"] = "http://127.0.0.1:9090/graph",
            };
        }

        public static string KeyOf(JsonNode alert)
        {
            var labels = alert["labels"]!.AsObject();
            // The job is part of the key only when a test sets one (node_exporter's "node"), as Extra.
            string extra = string.Concat(labels.Where(l => l.Key is not ("alertname" or "instance" or "severity" or "site" or "validator")
                    && !(l.Key == "job" && l.Value!.GetValue<string>() == "xx"))
                .OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $",{l.Key}={l.Value}"));
            return $"{labels["alertname"]}@{labels["instance"]}{extra},{labels["severity"]}";
        }
    }

    private const string A = "node-a:19420", B = "node-b:19420", C = "node-c:19420", D = "node-d:19420", E = "node-e:19420";

    /// <summary>The alerts that inhibit (posted first), then the ones they may inhibit.</summary>
    private static readonly Posted[] Sources =
    [
        new("XxChainDown", A, "critical", false),
        new("XxServiceDown", C, "critical", false, ("service", "cmix"), ("cause", "crash_loop")),
        new("XxPostgresDown", C, "critical", false, ("database", "cmix_node")),
        new("XxExporterDown", D, "warning", false),
        new("XxPostgresDown", E, "critical", false, ("database", "cmix_gateway")),
        new("XxServiceDown", GwF, "critical", false, ("service", "gateway"), ("cause", "crash_loop")),
        new("XxPostgresAccessDenied", GwG, "warning", false, ("database", "cmix_gateway")),
    ];

    private static readonly Posted[] Targets =
    [
        // Chain down on A: its health, its wrapper's lost chain and the validator's offline risk and blocks are held
        // back; a missed era (a fact) and the cMix node's own alerts are not.
        new("XxValidatorOfflineRisk", A, "critical", true),
        new("XxChainPeersLow", A, "warning", true),
        new("XxValidatorMissedEra", A, "critical", false, ("notify", "once")),
        new("XxCmixNoRoundCompleted", A, "critical", false),
        new("XxValidatorNoBlocksAuthored", A, "critical", true),
        new("XxWrapperChainUnreachable", A, "warning", true, ("service", "cmix")),
        // B: nothing holds its alerts back, but the higher tier of a certificate holds back its lower one.
        new("XxValidatorMissedEra", B, "critical", false, ("notify", "once")),
        new("XxValidatorChilled", B, "critical", false, ("notify", "daily")),
        new("XxChainPeersLow", B, "warning", false),
        new("XxWrapperChainUnreachable", B, "warning", false, ("service", "cmix")),
        new("XxBackupFailing", B, "warning", false, ("target", "cmix_node")),
        new("XxBackupFailing", B, "warning", false, ("target", "chain")),
        new("XxCertificateExpiring", B, "critical", false, ("file", "node.crt")),
        new("XxCertificateExpiring", B, "warning", true, ("file", "node.crt")),
        new("XxCertificateExpiring", B, "warning", false, ("file", "gateway.crt")),
        new("XxHostFilesystemFull", B, "critical", false, ("mountpoint", "/opt/xxnetwork"), ("resource", "space")),
        // The cases of one alert are not tiers: a new controller does not hold back a new commission.
        new("XxValidatorStakingChanged", B, "critical", false, ("notify", "once"), ("change", "controller")),
        new("XxValidatorStakingChanged", B, "warning", false, ("notify", "once"), ("change", "commission")),
        new("XxPostgresDatabaseGrowing", B, "info", false, ("database", "cmix_gateway")),
        // cMix down on C: its rounds, and its gateway's on the gateway host gw-c (the same validator), are held back;
        // Postgres down only its own database's.
        new("XxCmixRoundFailureRatioHigh", C, "warning", true),
        new("XxCmixNoRoundCompleted", C, "critical", true),
        new("XxGatewayNoRounds", GwC, "critical", true),
        new("XxGatewayCannotReachNode", GwC, "warning", true),
        new("XxPostgresDatabaseGrowing", C, "warning", true, ("database", "cmix_node")),
        new("XxPostgresDatabaseGrowing", C, "warning", false, ("database", "cmix_gateway")),
        new("XxGatewayDatabaseSlow", C, "warning", false),
        // The gateway's Postgres down on E: its slow queries follow.
        new("XxGatewayDatabaseSlow", E, "warning", true),
        // Exporter down on D silences everything else of D, chain down included, and its node_exporter down too (the
        // host is down: one alert), but not D's host alerts from node_exporter (a full disk may be why).
        new("XxBackupFailing", D, "warning", true, ("target", "chain")),
        new("XxNodeExporterDown", D, "warning", true, ("job", "node")),
        new("XxHostFilesystemFull", D, "warning", false, ("job", "node"), ("mountpoint", "/"), ("resource", "space")),
        // node_exporter down alone (B's exporter answers) is told.
        new("XxNodeExporterDown", B, "warning", false, ("job", "node")),
        new("XxChainDown", D, "critical", true),
        new("XxValidatorMissedEra", D, "critical", true, ("notify", "once")),
        // The gateway down on gw-f: seen from outside (its public address, same validator) it is unreachable too;
        // another validator's unreachable gateway is not held back.
        new("XxGatewayUnreachableFromOutside", "gw-f:22840", "critical", true),
        new("XxGatewayHttpsUnusable", "gw-f:22840", "warning", true, ("problem", "certificate")),
        new("XxGatewayUnreachableFromOutside", "gw-b:22840", "critical", false),
        // The gateway database on gw-g refuses the exporter's role: its statistics are held back, not the gateway's
        // own trouble (it logs in with its own role).
        new("XxPostgresDatabaseGrowing", GwG, "warning", true, ("database", "cmix_gateway")),
        new("XxGatewayDatabaseSlow", GwG, "warning", false),
        new("XxGatewayNoRounds", GwG, "critical", false),
    ];

    private const string GwC = "gw-c:19420", GwF = "gw-f:19420", GwG = "gw-g:19420";

    /// <summary>
    /// The alerts one notification of the shipped routes holds: critical ones per validator (facts and long-lived
    /// conditions per validator and alert, a host's machine per host), the others per alert, validator and host.
    /// </summary>
    private static string GroupOf(Posted p) => p.Severity switch
    {
        "critical" when p.Notify is not null => $"page {p.Validator} {p.Name}",
        "critical" when p.Name.StartsWith("XxHost", StringComparison.Ordinal) => $"page {p.Validator} {p.Instance}",
        "critical" => $"page {p.Validator}",
        var severity => $"{severity} {p.Name} {p.Validator} {p.Instance}",
    };

    [FullLane]
    [Fact]
    public async Task A_running_alertmanager_routes_groups_and_inhibits_as_configured()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var folder = new TempFolder();
        string config = ShippedConfigFor(listener);
        Assert.Equal(3, Regex.Matches(config, Regex.Escape(listener.Url + "/webhook")).Count);
        Assert.Contains(listener.Url + "/discord", config);
        await using var alertmanager = await AlertmanagerProcess.StartAsync(folder.Path, config);
        var http = alertmanager.Http;

        await Post(http, Sources);
        await Post(http, Targets);
        var all = Sources.Concat(Targets).ToList();

        // Every alert arrives; the inhibited ones are "suppressed" with the source's fingerprint, the others active.
        JsonArray alerts = [];
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            alerts = await Get(http, "/api/v2/alerts");
            if (alerts.Count == all.Count && all.All(p => IsInhibited(alerts, p) == p.Inhibited)) break;
            await Task.Delay(100);
        }
        Assert.Equal(all.Select(p => p.Key).Order(), alerts.Select(a => Posted.KeyOf(a!)).Order());
        Assert.All(all, p => Assert.True(IsInhibited(alerts, p) == p.Inhibited,
            $"{p.Key} should {(p.Inhibited ? "" : "not ")}be inhibited: {Find(alerts, p)?["status"]?.ToJsonString()}"));
        string chainDownA = Find(alerts, Sources[0])!["fingerprint"]!.GetValue<string>();
        var offlineRiskA = Find(alerts, Targets[0])!;
        Assert.Equal("suppressed", offlineRiskA["status"]!["state"]!.GetValue<string>());
        Assert.Equal(new[] { chainDownA }, offlineRiskA["status"]!["inhibitedBy"]!.AsArray().Select(f => f!.GetValue<string>()));

        // The API's own filter agrees: missed era on A hidden, on B shown.
        var visible = (await Get(http, "/api/v2/alerts?silenced=false&inhibited=false")).Select(a => Posted.KeyOf(a!)).Order().ToList();
        Assert.Equal(all.Where(p => !p.Inhibited).Select(p => p.Key).Order(), visible);
        Assert.DoesNotContain("XxValidatorOfflineRisk@node-a:19420,critical", visible);
        Assert.Contains("XxValidatorMissedEra@node-a:19420,notify=once,critical", visible);

        // Routing as the API sees it: each alert's receiver follows its severity.
        Assert.All(alerts, a =>
        {
            string expected = ReceiverFor(a!["labels"]!["severity"]!.GetValue<string>());
            Assert.Equal(new[] { expected }, a["receivers"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        });

        // Notifications: one per route and group with an active alert, holding exactly that group's alerts.
        var expectedGroups = all.Where(p => !p.Inhibited && p.Severity != "info").GroupBy(GroupOf).ToList();
        var webhooks = await listener.WaitFor("/webhook", expectedGroups.Count, TimeSpan.FromSeconds(20));
        var discord = await listener.WaitFor("/discord", 1, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(3));   // a wrongly routed or uninhibited group would be flushed by now
        webhooks = listener.Received("/webhook");

        var notified = webhooks.Select(w => JsonNode.Parse(w)!).ToList();
        Assert.All(notified, n => Assert.Equal("firing", n["status"]!.GetValue<string>()));
        static string Keys(IEnumerable<string> keys) => string.Join(" | ", keys.Order(StringComparer.Ordinal));
        Assert.Equal(expectedGroups.Select(g => Keys(g.Select(p => p.Key))).Order(StringComparer.Ordinal),
            notified.Select(n => Keys(n["alerts"]!.AsArray().Select(a => Posted.KeyOf(a!)))).Order(StringComparer.Ordinal));   // each group once
        Assert.All(notified, n => Assert.Equal(n["alerts"]![0]!["labels"]!["severity"]!.GetValue<string>() == "critical" ? "xx-page" : "xx-default",
            n["receiver"]!.GetValue<string>()));
        // One page for validator val-a: its chain down, and its cMix node's rounds, not its missed era (a fact, told once apart).
        Assert.Contains(notified, n => Keys(n["alerts"]!.AsArray().Select(a => Posted.KeyOf(a!)))
            == Keys([Sources[0].Key, Targets[3].Key]));
        var everNotified = notified.SelectMany(n => n!["alerts"]!.AsArray()).Select(a => Posted.KeyOf(a!)).ToHashSet();
        Assert.All(all.Where(p => p.Inhibited), p => Assert.DoesNotContain(p.Key, everNotified));

        // The Discord receiver as shipped, rendered with templates/xx.tmpl by Alertmanager.
        var embed = JsonNode.Parse(Assert.Single(discord))!["embeds"]![0]!;
        Assert.Equal("[FIRING:1] info XxPostgresDatabaseGrowing of validator val-b on node-b:19420 (site-b)", embed["title"]!.GetValue<string>());
        string message = embed["description"]!.GetValue<string>();
        Assert.Contains("XxPostgresDatabaseGrowing on node-b:19420\nXxPostgresDatabaseGrowing fired in the end-to-end test.\n", message);
        Assert.Contains("Runbook: https://example.org/runbooks/xx#XxPostgresDatabaseGrowing\n", message);
    }

    /// <summary>
    /// The shipped config with the webhook pointed at the listener, info alerts sent through the shipped Discord
    /// receiver (to the listener too, so its templates are rendered by Alertmanager itself), and short waits so the
    /// test sees notifications within seconds.
    /// </summary>
    private static string ShippedConfigFor(WebhookListener listener)
    {
        string config = File.ReadAllText(ConfigFile)
            .Replace(HeartbeatPlaceholder, $"{listener.Url}/heartbeat")
            .Replace("http://127.0.0.1:5001/", $"{listener.Url}/webhook")
            .Replace("https://discord.com/api/webhooks/REPLACE-channel-id/REPLACE-webhook-token", $"{listener.Url}/discord")
            .Replace("receiver: xx-low-noise", "receiver: xx-discord");
        config = Regex.Replace(config, @"group_wait: \S+", "group_wait: 1s");
        return Regex.Replace(config, @"group_interval: \S+", "group_interval: 2s");
    }

    /// <summary>
    /// A network-wide stall, as the rules send it (no validator, instance or fleet label): a lone node's round, gateway
    /// and points alerts and a fleet's stall are held back, the node's other alerts are not, and the stall itself is
    /// told once. Apart from the test above, where it would hold back the rounds of every validator posted there.
    /// </summary>
    [FullLane]
    [Fact]
    public async Task A_network_stall_holds_back_the_round_and_points_alerts_of_a_lone_node()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var folder = new TempFolder();
        await using var alertmanager = await AlertmanagerProcess.StartAsync(folder.Path, ShippedConfigFor(listener));
        var http = alertmanager.Http;

        var stall = new Posted("XxNetworkRoundsStalled", "", "warning", false);
        var fleet = new Posted("XxFleetStalled", "", "critical", true, ("fleet", "eu"), ("service", "cmix"));
        Posted[] node =
        [
            new("XxCmixNoRoundCompleted", A, "critical", true),
            new("XxGatewayNoRounds", "gw-a:19420", "critical", true),
            new("XxValidatorEraPointsLow", A, "critical", true),
            new("XxValidatorEraPointsLow", A, "warning", true),
            new("XxCmixRoundFailureRatioHigh", A, "warning", false),
            new("XxChainPeersLow", A, "warning", false),
        ];
        await PostJson(http, [Unscoped(stall), Unscoped(fleet)]);
        await Post(http, node);
        Posted[] all = [stall, fleet, .. node];

        JsonArray alerts = [];
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            alerts = await Get(http, "/api/v2/alerts");
            if (alerts.Count == all.Length && all.All(p => IsInhibited(alerts, p) == p.Inhibited)) break;
            await Task.Delay(100);
        }
        Assert.Equal(all.Select(p => p.Key).Order(), alerts.Select(a => Posted.KeyOf(a!)).Order());
        Assert.All(all, p => Assert.True(IsInhibited(alerts, p) == p.Inhibited,
            $"{p.Key} should {(p.Inhibited ? "" : "not ")}be inhibited: {Find(alerts, p)?["status"]?.ToJsonString()}"));

        // Told: the stall in a notification of its own, and the node's two other warnings; nothing held back.
        await listener.WaitFor("/webhook", 3, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(3));   // an uninhibited page would be flushed by now
        var notified = listener.Received("/webhook").Select(w => JsonNode.Parse(w)!["alerts"]!.AsArray().Select(a => Posted.KeyOf(a!)).ToList()).ToList();
        Assert.Equal(new[] { stall.Key, node[4].Key, node[5].Key }.Order(), notified.Select(n => Assert.Single(n)).Order());
    }

    /// <summary>
    /// A site whose series stop arriving (uplink or its Prometheus down) is one page for the site, holding back the
    /// vanished-host alerts of its hosts and no other site's; each site's heartbeat is a notification of its own, so the
    /// dead man's switch can tell one site's silence from the others'.
    /// </summary>
    [FullLane]
    [Fact]
    public async Task A_vanished_site_is_one_page_and_each_sites_heartbeat_is_its_own()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var folder = new TempFolder();
        await using var alertmanager = await AlertmanagerProcess.StartAsync(folder.Path, ShippedConfigFor(listener));
        var http = alertmanager.Http;

        // The site label is not part of a Posted's key: each is posted with the site given here.
        var site = new Posted("XxSiteVanished", "", "critical", false);
        Posted[] hosts =
        [
            new("XxHostVanished", A, "warning", true),
            new("XxHostVanished", "gw-a:19420", "warning", true),
            new("XxHostVanished", B, "warning", false),
        ];
        var heartbeat = new Posted("XxWatchdog", "", "info", false);
        static JsonObject At(string site, JsonObject alert) { alert["labels"]!["site"] = site; return alert; }
        await PostJson(http, [At("cloud", Unscoped(site)), At("home", Unscoped(heartbeat)), At("cloud", Unscoped(heartbeat))]);
        await PostJson(http, [At("cloud", hosts[0].Json()), At("cloud", hosts[1].Json()), At("home", hosts[2].Json())]);
        Posted[] heartbeats = [heartbeat, heartbeat];
        Posted[] all = [site, .. hosts, .. heartbeats];

        JsonArray alerts = [];
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            alerts = await Get(http, "/api/v2/alerts");
            if (alerts.Count == all.Length && all.All(p => IsInhibited(alerts, p) == p.Inhibited)) break;
            await Task.Delay(100);
        }
        Assert.All(all, p => Assert.True(IsInhibited(alerts, p) == p.Inhibited,
            $"{p.Key} should {(p.Inhibited ? "" : "not ")}be inhibited: {Find(alerts, p)?["status"]?.ToJsonString()}"));

        await listener.WaitFor("/webhook", 2, TimeSpan.FromSeconds(20));
        var beats = await listener.WaitFor("/heartbeat", 2, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(3));   // an uninhibited host would be flushed by now
        var notified = listener.Received("/webhook").Select(w => JsonNode.Parse(w)!).ToList();
        Assert.Equal(new[] { site.Key, hosts[2].Key }.Order(),
            notified.Select(n => Posted.KeyOf(Assert.Single(n["alerts"]!.AsArray())!)).Order());
        Assert.Equal("xx-page", notified.Single(n => n["alerts"]![0]!["labels"]!["alertname"]!.GetValue<string>() == "XxSiteVanished")["receiver"]!.GetValue<string>());
        Assert.Equal(new[] { "cloud", "home" }, beats.Take(2).Select(b => JsonNode.Parse(b)!["groupLabels"]!["site"]!.GetValue<string>()).Order());
        Assert.All(beats.Take(2), b => Assert.Single(JsonNode.Parse(b)!["alerts"]!.AsArray()));
    }

    /// <summary>An alert as an aggregate over hosts sends it: without the instance, validator, site and job labels.</summary>
    private static JsonObject Unscoped(Posted posted)
    {
        var json = posted.Json();
        foreach (string label in new[] { "instance", "validator", "site", "job" }) json["labels"]!.AsObject().Remove(label);
        return json;
    }

    /// <summary>The receiver the test's copy of the config routes a severity to (info: the shipped Discord receiver).</summary>
    private static string ReceiverFor(string severity) => severity switch
    {
        "critical" => "xx-page", "warning" => "xx-default", _ => "xx-discord",
    };

    private static bool IsInhibited(JsonArray alerts, Posted posted) =>
        Find(alerts, posted)?["status"]?["inhibitedBy"]?.AsArray().Count > 0;

    private static JsonNode? Find(JsonArray alerts, Posted posted) => alerts.FirstOrDefault(a => Posted.KeyOf(a!) == posted.Key);

    private static Task Post(HttpClient http, IEnumerable<Posted> alerts) => PostJson(http, alerts.Select(a => a.Json()));

    private static async Task PostJson(HttpClient http, IEnumerable<JsonObject> alerts)
    {
        var body = new JsonArray(alerts.Select(a => (JsonNode?)a).ToArray());
        using var response = await http.PostAsync("/api/v2/alerts", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonArray> Get(HttpClient http, string path) =>
        JsonNode.Parse(await http.GetStringAsync(path))!.AsArray();

    private static Task<(int Code, string Output)> Run(string program, params string[] args) => Repository.RunAsync(program, args);

    [GeneratedRegex(@"\bXx[A-Z][A-Za-z]+\b")]
    private static partial Regex AlertName();

    [GeneratedRegex(@"severity=~?""([^""]+)""")]
    private static partial Regex Severity();

    [GeneratedRegex(@"(?m)^\s+- url: '([^']*)'")]
    private static partial Regex WebhookUrl();
}

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Node;
using Xunit.Abstractions;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// One validator as operators run it, watched by the shipped Prometheus and Alertmanager on the compressed clock
/// (<see cref="MonitoringStack.CompressedClock"/>: rules evaluated every second, their <c>for:</c> minutes as seconds; Alertmanager's
/// waits as shipped): a node host (cMix and the validator's chain node) at one site, a gateway host at another whose
/// exporter reads the same chain node (the chain node scraped twice) with the stash given, its gateway rotated (the expired
/// certificate kept as old.gateway-cert.crt), and a ready standby copy of
/// the node host (its own synced chain node without the session keys, the IDF, certificate and backups, cMix stopped)
/// at a third site. All three carry <c>validator="validator-1"</c>. The story counts the notifications that reach the
/// webhook: a healthy hour (nothing but the heartbeat), the validator waiting for an era (its election lost, then won
/// back), a missed era, then cMix dying on the node host.
/// docs/alerts.md "Notifications per incident" is this test's table.
/// </summary>
[FullLane]
[Collection(MoreCompressedClockStacks.Name)]
public sealed class ValidatorStoryEndToEndTests(ITestOutputHelper output)
{
    private const string Validator = "validator-1";
    private static readonly TimeSpan EraLength = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The era (counted from the start) the validator waits in; it is elected again for the era after. Its election
    /// is lost in the last third of the era before, which is long (<see cref="LostElectionEraLength"/>) and holds the
    /// healthy hour in its first two thirds.
    /// </summary>
    private const uint WaitingEra = 2;

    /// <summary>
    /// The era before the waiting one lasts this long: its last third, the validator active and not elected for the
    /// next era, outlasts the warnings' minute of group wait, so the warning is told as on the shipped clock (the
    /// third of a 24 h era); in an era of 20 s it would be over before Alertmanager told it.
    /// </summary>
    private static readonly TimeSpan LostElectionEraLength = TimeSpan.FromSeconds(240);

    /// <summary>The era the validator misses: the second after the waiting one, in which it is back in the active set.</summary>
    private const uint MissedEra = WaitingEra + 2;

    /// <summary>
    /// From the start of the missed era: the era itself (no points, no heartbeat), then the missed era told at
    /// its end (no <c>for:</c>, 10 s group wait), and the minute of group wait of the warnings it raised late.
    /// </summary>
    private static readonly TimeSpan MissedEraWindow = EraLength + TimeSpan.FromSeconds(80);

    /// <summary>
    /// An hour at the compressed clock, plus Alertmanager's minute of group wait for warnings: anything the healthy
    /// layout raised (the slowest <c>for:</c>, the standby's 30 minutes, is 30 s here) would have reached the webhook.
    /// </summary>
    private static readonly TimeSpan HealthyHour = TimeSpan.FromSeconds(60 + 60);

    /// <summary>
    /// After cMix stops: cmix-err.log older than a minute (real seconds: the rule compares file times) is a node that
    /// stays down (XxServiceDown), then the critical route's 10 s group wait. Shorter than the routes' 5 min group
    /// interval, so an alert joining a group later would only be told after this window.
    /// </summary>
    private static readonly TimeSpan CmixDyingWindow = TimeSpan.FromSeconds(100);

    [Fact]
    public async Task Each_incident_of_a_three_host_validator_reaches_the_webhook_as_its_count_of_notifications()
    {
        var started = Stopwatch.StartNew();
        // The healthy hour from the targets up, then the validator waiting (the election for the era after it lost),
        // then the missed era, then cMix stops.
        await using var hosts = await ValidatorHosts.StartAsync(WaitingEra, MissedEra);
        var stack = hosts.Stack;
        await hosts.WaitForTargetsUpAsync(TimeSpan.FromSeconds(60));
        var healthyFrom = DateTimeOffset.UtcNow;

        // The healthy hour: a ready standby, the rotated gateway at its own site, the chain node read by two exporters
        // (one peer id: not equivocation). Nothing but the heartbeat.
        var electionLost = hosts.Node.NextElectionKnownAt(SimulatedChain.FirstEra + WaitingEra - 1);
        Assert.True(electionLost - healthyFrom >= HealthyHour, $"the start took {started.Elapsed}: no healthy hour before the lost election");
        await DelayUntil(electionLost);
        var healthy = Notifications(stack, healthyFrom, electionLost);
        output.WriteLine($"healthy hour ({Seconds(electionLost - healthyFrom)}): {Describe(healthy)}");
        Assert.True(healthy.Count == 0, "notified in the healthy hour: " + Describe(healthy) + "\nfiring: " +
            (await stack.QueryAsync("ALERTS{alertname!=\"XxWatchdog\"}")).ToJsonString());
        var heartbeats = stack.Webhook.ReceivedWithTimes("/heartbeat").Where(r => r.Arrived > healthyFrom && r.Arrived <= electionLost).ToList();
        Assert.NotEmpty(heartbeats);
        Assert.All(heartbeats, h => Assert.Equal("xx-dead-mans-switch", JsonNode.Parse(h.Body)!["receiver"]!.GetValue<string>()));
        // The standby was watched and judged ready (its rule evaluated, nothing pending), the gateway host's exporter saw the
        // node's session keys live on the chain node it shares with the node host.
        Assert.Empty(await stack.QueryAsync(
            "ALERTS{alertname=~\"XxStandbyNotReady|XxValidatorSessionKeysLiveTwice|XxNodeIdentityOnTwoHosts|XxCertificateExpiring|XxCertificateMismatch\"}"));
        // The retired certificate was read, as retired.
        Assert.Single(await stack.QueryAsync("xx_tls_certificate_info{file=\"old.gateway-cert.crt\",state=\"retired\"}"));
        Assert.Equal(2, (await stack.QueryAsync("xx_validator_session_keys_on_node{site_role!=\"standby\"} == 1")).Count);
        Assert.Single(await stack.QueryAsync("xx_exporter_build_info{site_role=\"standby\"}"));

        // The validator waits: the election for the next era is lost (it is still a candidate), then for an era it is
        // in neither the era's exposures nor the session's validators, and its cMix node gets no rounds. Both hosts that
        // know the stash see it; nothing of the gateway host's is pending or firing (its rules are quiet while the
        // validator waits, joined on the validator label).
        await DelayUntil(hosts.Node.EraStartsAt(SimulatedChain.FirstEra + WaitingEra) + EraLength / 2);
        Assert.Equal(new Dictionary<string, double> { [hosts.NodeHost.Authority] = 0, [hosts.GatewayHost.Authority] = 0 }, await ActiveAsync(stack));
        Assert.Empty(await stack.QueryAsync($"ALERTS{{instance=\"{hosts.GatewayHost.Authority}\"}}"));
        // Elected again, it is back in the active set for the era after.
        await DelayUntil(hosts.Node.EraStartsAt(SimulatedChain.FirstEra + WaitingEra + 1) + EraLength / 2);
        Assert.Equal(new Dictionary<string, double> { [hosts.NodeHost.Authority] = 1, [hosts.GatewayHost.Authority] = 1 }, await ActiveAsync(stack));
        var missedEraStarts = hosts.Node.EraStartsAt(SimulatedChain.FirstEra + MissedEra);
        await DelayUntil(missedEraStarts);
        var waiting = Notifications(stack, electionLost, missedEraStarts);
        output.WriteLine($"the validator waiting ({Seconds(missedEraStarts - electionLost)}): {Describe(waiting)}");
        // One warning, once for the validator (not per host): the lost election. Nothing from the gateway host.
        var notElected = Assert.Single(waiting);
        Assert.Equal("xx-default", notElected.Receiver);
        Assert.Equal(Validator, notElected.GroupLabels["validator"]?.GetValue<string>());
        var lostAlert = Assert.Single(notElected.Firing);
        Assert.Equal("XxValidatorNotElectedNextEra", lostAlert["alertname"]!.GetValue<string>());
        Assert.Equal(Validator, lostAlert["validator"]!.GetValue<string>());
        Assert.False(lostAlert.ContainsKey("instance"), "the validator's alert names a host: " + lostAlert.ToJsonString());
        output.WriteLine($"  told {Seconds(notElected.Arrived - electionLost)} after the election was lost, "
            + $"{Seconds(hosts.Node.EraStartsAt(SimulatedChain.FirstEra + WaitingEra) - notElected.Arrived)} before the waiting era");

        // The validator misses an era.
        var cmixDown = hosts.CmixDownAt;
        await DelayUntil(cmixDown);
        var missed = Notifications(stack, missedEraStarts, cmixDown);
        output.WriteLine($"a missed era ({Seconds(cmixDown - missedEraStarts)}): {Describe(missed)}");
        // One page, once for the validator (notify: once), as the era ends.
        var missedPage = Assert.Single(missed, n => n.Receiver == "xx-page");
        Assert.True(missed.Count == 1, "notified for the missed era: " + Describe(missed));
        Assert.Equal(Validator, missedPage.GroupLabels["validator"]?.GetValue<string>());
        var missedAlert = Assert.Single(missedPage.Firing);
        Assert.Equal("XxValidatorMissedEra", missedAlert["alertname"]!.GetValue<string>());
        Assert.Equal(Validator, missedAlert["validator"]!.GetValue<string>());

        // cMix dies on the node host, on a database it cannot reach (simulator/README.md): one page for the validator, and
        // the cause as a warning of its own; its consequences, on the node host and on the gateway host, held back.
        await Task.Delay(CmixDyingWindow);
        var dying = Notifications(stack, cmixDown, DateTimeOffset.UtcNow);
        output.WriteLine($"cMix dying ({Seconds(CmixDyingWindow)}): {Describe(dying)}");
        Assert.True(dying.Count == 2, "notified as cMix died: " + Describe(dying));
        var page = Assert.Single(dying, n => n.Receiver == "xx-page");
        Assert.Equal(Validator, page.GroupLabels["validator"]?.GetValue<string>());
        var down = Assert.Single(page.Firing);
        AssertAlert(down, "XxServiceDown", "cmix", hosts.NodeHost);
        var cause = Assert.Single(dying, n => n.Receiver == "xx-default");
        AssertAlert(Assert.Single(cause.Firing), "XxDatabaseErrors", "cmix", hosts.NodeHost);
        output.WriteLine($"the story took {started.Elapsed}");
    }

    private static async Task DelayUntil(DateTimeOffset moment)
    {
        var left = moment - DateTimeOffset.UtcNow;
        if (left > TimeSpan.Zero) await Task.Delay(left);
    }

    /// <summary>xx_validator_active of the hosts that are not a standby, by host.</summary>
    private static async Task<Dictionary<string, double>> ActiveAsync(MonitoringStack stack) =>
        (await stack.QueryAsync("xx_validator_active{site_role!=\"standby\"}")).ToDictionary(
            s => s!["metric"]!["instance"]!.GetValue<string>(),
            s => double.Parse(s!["value"]![1]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));

    private static void AssertAlert(JsonObject labels, string alertname, string service, Uri host)
    {
        Assert.Equal(alertname, labels["alertname"]!.GetValue<string>());
        Assert.Equal(service, labels["service"]!.GetValue<string>());
        Assert.Equal(Validator, labels["validator"]!.GetValue<string>());
        Assert.Equal(host.Authority, labels["instance"]!.GetValue<string>());
    }

    private sealed record Notification(string Receiver, JsonObject GroupLabels, List<JsonObject> Firing, DateTimeOffset Arrived);

    /// <summary>The notifications (heartbeat aside) that reached the webhook in (from, to].</summary>
    private static List<Notification> Notifications(MonitoringStack stack, DateTimeOffset from, DateTimeOffset to) =>
        stack.Webhook.ReceivedWithTimes("/webhook").Where(r => r.Arrived > from && r.Arrived <= to).Select(r =>
        {
            var body = JsonNode.Parse(r.Body)!;
            return new Notification(body["receiver"]!.GetValue<string>(), body["groupLabels"]!.AsObject(),
                body["alerts"]!.AsArray().Where(a => a!["status"]!.GetValue<string>() == "firing").Select(a => a!["labels"]!.AsObject()).ToList(),
                r.Arrived);
        }).ToList();

    private static string Describe(List<Notification> notifications) => notifications.Count == 0 ? "none" : string.Join("; ",
        notifications.Select(n => $"{n.Receiver} {n.GroupLabels.ToJsonString()}: " +
            string.Join(", ", n.Firing.Select(a => $"{a["alertname"]}@{a["instance"]}"))));

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0} s";

    /// <summary>The validator's three hosts on loopback, each an exporter over simulated files and chain nodes, and the stack scraping them.</summary>
    private sealed class ValidatorHosts : IAsyncDisposable
    {
        private readonly TempFolder _folder = new();
        private readonly Listeners _cmixPort = new();
        private readonly List<IAsyncDisposable> _running = [];
        private uint _waitingEra, _missedEra;

        /// <summary>From the node's start: the missed era and its window (the eras before it of 20 s, the one before the waiting era long).</summary>
        private TimeSpan CmixDownAfter => _missedEra * EraLength + (LostElectionEraLength - EraLength) + MissedEraWindow;

        public MonitoringStack Stack { get; private set; } = null!;

        public Uri NodeHost { get; private set; } = null!;

        public Uri GatewayHost { get; private set; } = null!;

        /// <summary>The node host's simulated node (its chain's eras).</summary>
        public SimulatedNode Node { get; private set; } = null!;

        public DateTimeOffset CmixDownAt { get; private set; }

        /// <summary>The hosts, the validator waiting in <paramref name="waitingEra"/> and missing <paramref name="missedEra"/>; cMix stops after the missed era's window.</summary>
        public static async Task<ValidatorHosts> StartAsync(uint waitingEra, uint missedEra)
        {
            var hosts = new ValidatorHosts { _waitingEra = waitingEra, _missedEra = missedEra };
            try
            {
                await hosts.StartAllAsync();
                return hosts;
            }
            catch
            {
                await hosts.DisposeAsync();
                throw;
            }
        }

        private async Task StartAllAsync()
        {
            // The node host: cMix, its logs and the validator's chain node; the gateway's files sit in the same
            // simulated folders, read by the gateway host's exporter below.
            var started = DateTimeOffset.UtcNow;
            var node = Node = await StartNodeAsync("node", CmixDownAfter, SessionKeysOnNode.Held);
            CmixDownAt = started + CmixDownAfter;
            NodeHost = await StartExporterAsync(
                "--logs.dir", Folder("node/log"), "--logs.enabled", "cmix,cmix_wrapper",
                "--chain.rpc-url", node.RpcUrl, "--chain.idf-path", Folder("node/cred/cmix-IDF.json"),
                "--checks.backups", $"cmix_node={Folder("node/backup/cmix_node")},chain={Folder("node/backup/chain")}",
                "--checks.certificates", Folder("node/cred/*.crt"),
                "--binaries.paths", Binaries("node", "cmix"),
                "--checks.probes", Probe(node), "--collector.gateway_node=false");

            // The gateway host: the gateway's logs, config and certificate, and the node host's chain node read a
            // second time, for the validator given by its stash (no IDF there).
            // Rotated as in October 2023: the certificate in use is the one its node host keeps, and the expired one
            // from before the rotation stays beside it as old.gateway-cert.crt.
            var gatewayCred = Directory.CreateDirectory(Folder("gateway/cred")).FullName;
            File.Copy(Folder("node/cred/gateway-cert.crt"), Path.Combine(gatewayCred, "gateway-cert.crt"));
            WriteExpiredCertificate(Path.Combine(gatewayCred, "old.gateway-cert.crt"));
            var gatewayHost = GatewayHost = await StartExporterAsync(
                "--logs.dir", Folder("node/log"), "--logs.enabled", "gateway,gateway_wrapper",
                "--chain.rpc-url", node.RpcUrl, "--chain.stash", node.Stash, "--collector.identity=false",
                "--checks.backups", $"cmix_gateway={Folder("node/backup/cmix_gateway")}",
                "--checks.certificates", Path.Combine(gatewayCred, "*.crt"),
                "--binaries.paths", Binaries("node", "gateway"),
                "--checks.probes", Probe(node), "--checks.gateway-config", Folder("node/config/gateway.yaml"));

            // The standby: the same IDF (the same seed), its own synced chain node (the same chain) without the session
            // keys, backups and certificate; cMix stopped, so no log written there.
            var standby = await StartNodeAsync("standby", null, SessionKeysOnNode.Missing);
            // A copy of the node host's credentials, so the gateway certificate too.
            File.Copy(Folder("node/cred/gateway-cert.crt"), Folder("standby/cred/gateway-cert.crt"), overwrite: true);
            var standbyHost = await StartExporterAsync(
                "--logs.dir", Directory.CreateDirectory(Folder("standby/stopped-log")).FullName,
                "--chain.rpc-url", standby.RpcUrl, "--chain.idf-path", Folder("standby/cred/cmix-IDF.json"),
                "--checks.backups", $"cmix_node={Folder("standby/backup/cmix_node")},chain={Folder("standby/backup/chain")}",
                "--checks.certificates", Folder("standby/cred/*.crt"),
                "--binaries.paths", Binaries("standby", "cmix"),
                "--checks.probes", Probe(standby), "--collector.gateway_node=false");

            Stack = await MonitoringStack.StartAsync(NodeHost, "home", MonitoringStack.CompressedClock,
            [
                new ScrapedHost(gatewayHost, [("validator", Validator), ("site", "cloud-fra")]),
                new ScrapedHost(standbyHost, [("validator", Validator), ("site", "cloud-ams"), ("site_role", "standby")]),
            ]);
        }

        private string Folder(string path) => _folder.File(path);

        private static void WriteExpiredCertificate(string path)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = new CertificateRequest("CN=gateway.xx-simulator", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-2), DateTimeOffset.UtcNow.AddYears(-1));
            File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
        }

        private string Binaries(string host, string wrapper) => string.Join(",",
            SimulatedBinaries.All.Where(b => b.Wrapper == wrapper).Select(b => $"{b.Name}={Folder(host)}/opt/{b.File}"));

        private static string Probe(SimulatedNode node)
        {
            var rpc = new Uri(node.RpcUrl);
            return $"chain_rpc={rpc.Host}:{rpc.Port}";
        }

        private async Task<SimulatedNode> StartNodeAsync(string host, TimeSpan? cmixDownAfter, SessionKeysOnNode keys)
        {
            var node = await SimulatedNode.StartAsync(new SimulatedNodeOptions
            {
                LogFolder = Directory.CreateDirectory(Folder($"{host}/log")).FullName,
                CredFolder = Directory.CreateDirectory(Folder($"{host}/cred")).FullName,
                BackupFolder = Directory.CreateDirectory(Folder($"{host}/backup")).FullName,
                InstallFolder = Folder($"{host}/opt"),
                ConfigFolder = Folder($"{host}/config"),
                GatewayNodeAddress = $"localhost:{_cmixPort.Listening()}",
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                EraLength = EraLength,
                RoundInterval = TimeSpan.FromSeconds(1.5),
                Scenario = Scenario.Healthy,
                SessionKeys = keys,
                CmixDownAfter = cmixDownAfter,
                WaitingEra = _waitingEra,
                MissedEra = _missedEra,
                LongEra = (_waitingEra - 1, LostElectionEraLength),
            });
            _running.Add(node);
            return node;
        }

        private async Task<Uri> StartExporterAsync(params string[] flags)
        {
            var (app, address) = await ExporterTesting.StartAsync(
                ["--web.listen-address", "127.0.0.1:0", "--log.level", "warn", "--collector.dns=false", .. flags]);
            _running.Add(app);
            return address;
        }

        /// <summary>Waits until Prometheus has scraped all three exporters successfully.</summary>
        public async Task WaitForTargetsUpAsync(TimeSpan limit)
        {
            var waited = Stopwatch.StartNew();
            string health = "";
            while (waited.Elapsed < limit)
            {
                var targets = JsonNode.Parse(await Stack.Prometheus.Http.GetStringAsync("/api/v1/targets"))!["data"]!["activeTargets"]!.AsArray()
                    .Where(t => t!["labels"]!["job"]!.GetValue<string>() == "xx-exporter").ToList();
                health = string.Join("; ", targets.Select(t => $"{t!["labels"]!["site"]}: {t["health"]} {t["lastError"]}"));
                if (targets.Count == 3 && targets.All(t => t!["health"]!.GetValue<string>() == "up")) return;
                await Task.Delay(200);
            }
            Assert.Fail($"the three exporters are not up after {limit}: {health}\n{Stack.Prometheus.Log}");
        }

        public async ValueTask DisposeAsync()
        {
            var steps = new List<Func<ValueTask>> { () => Stack?.DisposeAsync() ?? ValueTask.CompletedTask };
            steps.AddRange(Enumerable.Reverse(_running).Select(r => (Func<ValueTask>)r.DisposeAsync));
            steps.Add(() => { _cmixPort.Dispose(); _folder.Dispose(); return ValueTask.CompletedTask; });
            await Teardown.AllAsync([.. steps]);
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Node;
using Xunit.Abstractions;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The alerts of issue #22 through the notification model (docs/alerts-routing.md), one incident per row of
/// <see cref="Incidents"/>: each caused on a validator of its own by the simulated node (or by the test: the connections
/// of a real PostgreSQL, a transaction left open on one whose clock it moves ahead, a closed port or a self-signed TLS server the shipped blackbox exporter probes), watched by the shipped rules and routing on the compressed clock
/// (<see cref="MonitoringStack.CompressedClock"/>), and each reaching the webhook as exactly one firing notification to
/// the receiver the model names, with the validator and host labels it names, and nothing else in the window. Every
/// validator is in the active set and its eras are long (no era change in the test; sessions of 1000 slots, so blocks
/// are expected). The network-wide stall is a fact of the whole network that any node's rounds disprove, so it has a
/// stack of its own with one node (a lone operator); so has the stack watching itself (<see cref="Watchers"/>), whose
/// causes are in its own prometheus.yml. docs/alerts.md "Notifications per incident" is this test's table.
/// </summary>
[FullLane]
[Collection(CompressedClockStacks.Name)]
public sealed class IncidentNotificationsEndToEndTests(ITestOutputHelper output)
{
    /// <summary>Eras of 50 minutes: sessions of 1000 one-second slots, of which a validator of the ten expects a tenth.</summary>
    private static readonly TimeSpan EraLength = TimeSpan.FromSeconds(3000);

    /// <summary>Every chain is 40 % into its first session at the start: heartbeats are in (from 30 %), 40 blocks expected.</summary>
    private static readonly TimeSpan IntoTheEra = TimeSpan.FromSeconds(400);

    /// <summary>The simulated causes start this long after the nodes: once Prometheus has scraped every host as it was before.</summary>
    private static readonly TimeSpan CausesAfter = TimeSpan.FromSeconds(45);

    /// <summary>
    /// From the causes: the slowest incidents (a warning: 15 s compressed <c>for:</c>, the counters' first increase,
    /// Alertmanager's minute of group wait; a process gone: the rule's minute of range without it, which no clock
    /// compresses) with room for a loaded machine. Shorter than the 5 min group interval, so it
    /// counts first notifications, not updates.
    /// </summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(150);

    /// <summary>
    /// The database's max_connections; the test holds <see cref="ConnectionsHeld"/>, over 80 % with the exporter's own,
    /// and leaves more than the 3 reserved for superusers free, so that the refused exporter's logins are refused for
    /// their password, not for want of a connection.
    /// </summary>
    private const int MaxConnections = 40, ConnectionsHeld = 33;

    /// <summary>One incident: its validator (a host or two of it), what causes it, and the one notification it must give.</summary>
    /// <param name="Cause">The node's options with the cause, given the time from the node's start to the causes' moment.</param>
    /// <param name="Labels">The labels the alert must carry beyond alertname, validator and severity.</param>
    /// <param name="Names">What the alert is about: a host (validator and instance), a validator (no instance), the network (neither), or a target
    /// of the stack itself (no validator; the instance of the federated Prometheus, or of the stack's own for its remote write).</param>
    /// <param name="TwoHosts">A second host of the validator (its gateway host) reads the same chain node for the stash.</param>
    /// <param name="Database">The host's exporter watches the database whose connections the test holds.</param>
    /// <param name="WrongPassword">... with a password file that holds a wrong password.</param>
    /// <param name="Outside">The validator's gateway as the blackbox exporter probes it from outside, if it does: the alert's host is that address.</param>
    /// <param name="Installed">The node runs stand-ins for the cMix and gateway processes from installed binaries, which the exporter looks for (--binaries.paths).</param>
    /// <param name="TransactionLeftOpen">The host's exporter watches a database server of its own, on which the test leaves a transaction open and moves the server's clock ahead.</param>
    /// <param name="Closed">What the stack's prometheus.yml names at a closed port on 127.0.0.1, the cause (no node of its own unless it is the host's node_exporter).</param>
    private sealed record Incident(string Name, string Validator, Func<SimulatedNodeOptions, TimeSpan, SimulatedNodeOptions> Cause, string Alert,
        string Receiver, (string Name, string Value)[] Labels, Names Names, bool TwoHosts = false, bool Database = false, bool WrongPassword = false,
        ProbedGateway Outside = ProbedGateway.None, bool Installed = false, bool TransactionLeftOpen = false, Closed Closed = Closed.None);

    private enum Names { Host, Validator, Network, Stack }

    private enum Closed { None, NodeExporter, Federated, RemoteWriteStore }

    /// <summary>What the blackbox exporter finds at the validator's gateway address: nothing probed, a closed port, or TLS with a self-signed certificate.</summary>
    private enum ProbedGateway { None, ClosedPort, SelfSigned }

    /// <summary>
    /// The incidents on the shared stack. Not here, with why: the network-wide stall (its own stack, below); a served
    /// certificate expiring and a gateway that is not HTTP/2 (they need a certificate the blackbox exporter trusts, which
    /// the shipped module takes from the system's CAs: BlackboxTests).
    /// </summary>
    private static readonly Incident[] Incidents =
    [
        new("online but authoring no block, seen by its node host and its gateway host", "validator-1",
            (node, _) => node with { NoBlocksAuthored = true }, "XxValidatorNoBlocksAuthored", "xx-page", [], Names.Validator, TwoHosts: true),
        new("the reward destination changed", "validator-payee",
            (node, causes) => node with { PayeeChangedAfter = causes }, "XxValidatorStakingChanged", "xx-page", [("change", "payee")], Names.Validator),
        new("the cMix wrapper restarted and waits for consensus while the validator is active", "validator-waiting",
            (node, causes) => node with { WrapperWaitingAfter = causes }, "XxWrapperWaitingWhileActive", "xx-page", [("service", "cmix")], Names.Host),
        new("the cMix wrapper cut off from its chain node (processes running)", "validator-cut-off",
            (node, causes) => node with { WrapperChainLostAfter = causes }, "XxWrapperChainUnreachable", "xx-default", [("service", "cmix")], Names.Host),
        new("the gateway's HTTPS certificate renewal failing", "validator-renewal",
            (node, causes) => node with { GatewayRenewalFailingAfter = causes }, "XxGatewayHttpsCertificateExpired", "xx-default", [], Names.Host),
        new($"{ConnectionsHeld + 1} of the database server's {MaxConnections} connections in use", "validator-database",
            (node, _) => node, "XxPostgresConnectionsNearLimit", "xx-default", [("database", "cmix_gateway")], Names.Host, Database: true),
        new("the database refusing the exporter's role (a wrong password in its password file), the server up", "validator-refused",
            (node, _) => node, "XxPostgresAccessDenied", "xx-default", [("database", "cmix_gateway")], Names.Host, Database: true, WrongPassword: true),
        // The transaction's age is the server's now() - xact_start: the server's clock, moved two hours ahead, makes an hour pass.
        new("a transaction left open on its own database server, whose clock then moves two hours ahead", "validator-long-transaction",
            (node, _) => node, "XxPostgresLongTransaction", "xx-default", [("database", "cmix_gateway")], Names.Host, TransactionLeftOpen: true),
        new("the gateway's public port closed to the monitoring host's blackbox exporter", "validator-outside",
            (node, _) => node, "XxGatewayUnreachableFromOutside", "xx-page", [("job", "xx-gateway-tcp")], Names.Host, Outside: ProbedGateway.ClosedPort),
        // The TCP probe succeeds and the TLS probe fails, so the certificate alert alone; the HTTP/2 probe fails in the
        // handshake too, and its alert waits for a verified one.
        new("the gateway's public port answering TLS with a self-signed certificate", "validator-https",
            (node, _) => node, "XxGatewayHttpsUnusable", "xx-default", [("problem", "certificate"), ("job", "xx-gateway-tls")], Names.Host,
            Outside: ProbedGateway.SelfSigned),
        new("cMix's process gone without an error file (nothing restarts it)", "validator-gone",
            (node, causes) => node with { CmixExitAfter = causes }, "XxServiceDown", "xx-page", [("service", "cmix"), ("cause", "not_running")], Names.Host,
            Installed: true),
        // The wrapper's fifth start opens the validator's page; cMix, stopped with the wrapper, is gone a minute later
        // (XxServiceDown, cause not_running): it joins that open page as an update after the 5 min group interval,
        // after the window, so the page is one notification holding the restarts alone.
        new("the cMix wrapper restarting, started again by systemd each round with cMix stopped", "validator-restarting",
            (node, causes) => node with { WrapperRestartingAfter = causes }, "XxWrapperRestarting", "xx-page", [("service", "cmix")], Names.Host,
            Installed: true),
    ];

    /// <summary>The incident of the stack of its own: a lone node, stalled from its start, in a network where no cMix round completes.</summary>
    private static readonly Incident NetworkStall = new("no cMix round completes anywhere in the network", "validator-1",
        (node, _) => node with { NetworkStalledAfter = TimeSpan.Zero }, "XxNetworkRoundsStalled", "xx-default", [], Names.Network);

    /// <summary>
    /// The stack watching itself, on a stack of its own around one healthy validator: the host's node_exporter, a site's
    /// Prometheus to federate and the store to remote-write to are closed ports (before Prometheus 2.54 a queue that never
    /// sent has no sent timestamp: RemoteWriteTests).
    /// </summary>
    private static readonly Incident[] Watchers =
    [
        new("the host's node_exporter unreachable, its xx-exporter up", "validator-1", (node, _) => node, "XxNodeExporterDown", "xx-default",
            [("job", "node")], Names.Host, Closed: Closed.NodeExporter),
        new("a site's Prometheus unreachable by federation", "", (node, _) => node, "XxFederationTargetDown", "xx-default",
            [("job", "xx-federate"), ("site", "far")], Names.Stack, Closed: Closed.Federated),
        new("the remote write store's port closed", "", (node, _) => node, "XxRemoteWriteFailing", "xx-default",
            [("job", "prometheus"), ("remote_name", "central"), ("problem", "behind")], Names.Stack, Closed: Closed.RemoteWriteStore),
    ];

    [Fact]
    public async Task Each_new_alert_reaches_the_webhook_once_to_its_receiver_with_its_labels()
    {
        var started = Stopwatch.StartNew();
        await using var network = new Network();
        var shared = network.StartStackAsync(Incidents, "home");
        // A lone node in a network where no cMix round completes: the chain's points grow by its blocks' only.
        var stalled = network.StartStackAsync([NetworkStall], "lone");
        var watchers = network.StartStackAsync(Watchers, "watchers");
        var (sharedStack, sharedHosts) = await shared;
        var (stalledStack, stalledHosts) = await stalled;
        var (watchersStack, watchersHosts) = await watchers;
        var causes = network.NodesStarted + CausesAfter;
        Assert.True(DateTimeOffset.UtcNow < causes, $"the start took {started.Elapsed}: the causes came before Prometheus saw the hosts as they were");

        // The database's connections: the test holds them from the causes' moment on.
        await DelayUntil(causes);
        await using var held = await network.HoldConnectionsAsync(ConnectionsHeld);
        await using var open = await network.LeaveTransactionOpenAsync(TimeSpan.FromHours(2));
        await DelayUntil(causes + Window);

        var stacks = new[] { (Stack: sharedStack, Hosts: sharedHosts), (Stack: stalledStack, Hosts: stalledHosts), (Stack: watchersStack, Hosts: watchersHosts) };
        foreach (var (stack, _) in stacks)
            output.WriteLine(string.Join('\n', Notifications(stack).Select(n => $"{Seconds(n.Arrived - causes)} after the causes: {n}")));
        foreach (var (stack, hosts) in stacks)
        {
            var notified = Notifications(stack);
            foreach (var (incident, host) in hosts)
            {
                // Exactly one notification holding the incident's alert of its validator, to the model's receiver, holding just that alert.
                var about = notified.Where(n => n.Firing.Any(a => Label(a, "alertname") == incident.Alert
                    && (incident.Names is Names.Network or Names.Stack || Label(a, "validator") == incident.Validator))).ToList();
                Assert.True(about.Count == 1, $"{incident.Name}: {about.Count} notifications of {incident.Alert}:\n{string.Join('\n', about)}");
                var one = about[0];
                Assert.Equal(incident.Receiver, one.Receiver);
                var alert = Assert.Single(one.Firing);
                Assert.Equal(incident.Receiver == "xx-page" ? "critical" : "warning", Label(alert, "severity"));
                foreach (var (name, value) in incident.Labels) Assert.Equal(value, Label(alert, name));
                Assert.Equal(incident.Names is Names.Network or Names.Stack ? null : incident.Validator, Label(alert, "validator"));
                Assert.Equal(incident.Names is Names.Host or Names.Stack ? host.Authority : null, Label(alert, "instance"));
                Assert.EndsWith($"/docs/runbooks/{incident.Alert}.md", alert["annotations"]!["runbook_url"]!.GetValue<string>());
            }
            // Nothing else: every notification is one of the incidents'.
            Assert.True(notified.Count == hosts.Count, $"{notified.Count} notifications for {hosts.Count} incidents:\n{string.Join('\n', notified)}");
        }
        output.WriteLine($"the test took {started.Elapsed}");
    }

    private static async Task DelayUntil(DateTimeOffset moment)
    {
        var left = moment - DateTimeOffset.UtcNow;
        if (left > TimeSpan.Zero) await Task.Delay(left);
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0} s";

    private static string? Label(JsonNode alert, string name) => alert["labels"]![name]?.GetValue<string>();

    /// <summary>A notification as the webhook received it: its receiver, group and firing alerts (labels and annotations).</summary>
    private sealed record Notification(string Receiver, JsonObject GroupLabels, List<JsonNode> Firing, DateTimeOffset Arrived)
    {
        public override string ToString() => $"{Receiver} {GroupLabels.ToJsonString()}: {string.Join(", ", Firing.Select(a => a["labels"]!.ToJsonString()))}";
    }

    /// <summary>Every notification (heartbeat aside) that reached the stack's webhook.</summary>
    private static List<Notification> Notifications(MonitoringStack stack) =>
        stack.Webhook.ReceivedWithTimes("/webhook").Select(r =>
        {
            var body = JsonNode.Parse(r.Body)!;
            return new Notification(body["receiver"]!.GetValue<string>(), body["groupLabels"]!.AsObject(),
                body["alerts"]!.AsArray().Where(a => a!["status"]!.GetValue<string>() == "firing").Select(a => a!).ToList(),
                r.Arrived);
        }).ToList();

    /// <summary>The simulated nodes, their exporters, the database server and the stacks, all on loopback.</summary>
    private sealed class Network : IAsyncDisposable
    {
        private readonly TempFolder _folder = new();
        private readonly List<IAsyncDisposable> _running = [];
        private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
        private PostgresServer? _database, _movableClockDatabase;
        private ServerProcess? _blackbox;

        /// <summary>Keeps <paramref name="running"/> to dispose of; the two stacks start side by side.</summary>
        private void Track(IAsyncDisposable running)
        {
            lock (_running) _running.Add(running);
        }

        /// <summary>When the first node started: the causes' times count from it (within a second of every node's start).</summary>
        public DateTimeOffset NodesStarted => _started;

        /// <summary>Starts a node (and its exporters) per incident but the stack's own, then one stack scraping them all; the first incident's validator is the stack's shipped target.</summary>
        public async Task<(MonitoringStack Stack, List<(Incident Incident, Uri Host)> Hosts)> StartStackAsync(Incident[] incidents, string site)
        {
            var hosts = new List<(Incident, Uri)>();
            var scraped = new List<ScrapedHost>();
            foreach (var incident in incidents.Where(i => i.Names != Names.Stack))
            {
                // The simulated nodes share one stash and node identity (the simulator's): only the first validator's
                // reads its IDF and runs its chain node as the authority, or one validator on many hosts would be what
                // the stack sees (XxNodeActiveAtTwoSites, XxValidatorSessionKeysLiveTwice); the others are told the stash.
                bool first = hosts.Count == 0;
                string folder = _folder.File($"{site}/{incident.Validator}");
                var node = await StartNodeAsync(folder, incident, first ? "Authority" : "Full");
                string[] identity = first ? ["--chain.idf-path", $"{folder}/cred/cmix-IDF.json"] : ["--chain.stash", node.Stash, "--collector.identity=false"];
                string[] postgres = incident.Database || incident.TransactionLeftOpen ? DatabaseFlags(incident) : [];
                string[] processes = incident.Installed
                    ? ["--binaries.paths", string.Join(",", SimulatedBinaries.All.Select(b => $"{b.Name}={folder}/opt/{b.File}"))] : [];
                var host = await StartExporterAsync(["--logs.dir", $"{folder}/log", "--chain.rpc-url", node.RpcUrl, .. identity, .. postgres, .. processes]);
                hosts.Add((incident, incident.Outside == ProbedGateway.None ? host : await ProbedGatewayAsync(incident, site)));
                if (hosts.Count > 1) scraped.Add(new ScrapedHost(host, [("validator", incident.Validator), ("site", site)]));
                // The validator's gateway host: its exporter reads the same chain node for the stash.
                if (incident.TwoHosts)
                    scraped.Add(new ScrapedHost(await StartExporterAsync(["--logs.dir", $"{folder}/log", "--logs.enabled", "gateway,gateway_wrapper",
                        "--chain.rpc-url", node.RpcUrl, "--chain.stash", node.Stash, "--collector.identity=false"]), [("validator", incident.Validator), ("site", site + "-gateway")]));
            }
            Assert.Equal("validator-1", incidents[0].Validator);
            var closed = incidents.Select(i => i.Closed).Where(c => c != Closed.None).ToDictionary(c => c, _ => Loopback.FreePort());
            var stack = await MonitoringStack.StartAsync(hosts[0].Item2, site, MonitoringStack.CompressedClock, scraped,
                // The probed gateways are the shared stack's only, however far it got when another stack starts.
                yml => WithClosed(incidents.Any(i => i.Outside != ProbedGateway.None) ? ProbedGateways(yml) : yml, closed, hosts[0].Item2));
            Track(stack);
            await WaitForTargetsUpAsync(stack, scraped.Count + 1);
            foreach (var incident in incidents.Where(i => i.Names == Names.Stack))
                hosts.Add((incident, incident.Closed == Closed.RemoteWriteStore ? stack.Prometheus.Address : new Uri($"http://127.0.0.1:{closed[incident.Closed]}")));
            return (stack, hosts);
        }

        /// <summary>
        /// prometheus.yml with the ports of <paramref name="closed"/>: the node_exporter target of the shipped host (its
        /// instance <paramref name="exporter"/>'s), a federate job as prometheus/examples/fleet-central.yml has, a remote write queue.
        /// </summary>
        private static string WithClosed(string yml, Dictionary<Closed, int> closed, Uri exporter)
        {
            static string Replace(string text, string old, string replacement)
            {
                Assert.True(text.Contains(old, StringComparison.Ordinal), $"the generated prometheus.yml has no \"{old}\"");
                return text.Replace(old, replacement, StringComparison.Ordinal);
            }
            if (closed.TryGetValue(Closed.NodeExporter, out int node))
                yml = Replace(Replace(yml, "  - job_name: node\n    static_configs:\n      - targets: []", $"  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{node}']"),
                    "instance: xx-exporter:19420", $"instance: {exporter.Authority}");
            if (closed.TryGetValue(Closed.Federated, out int federated))
                yml += $$"""

                      - job_name: xx-federate
                        honor_labels: true
                        metrics_path: /federate
                        params:
                          'match[]': ['{job=~"xx-exporter|node"}']
                        static_configs:
                          - targets: ['127.0.0.1:{{federated}}']
                            labels:
                              site: far

                    """;
            if (closed.TryGetValue(Closed.RemoteWriteStore, out int store))
                yml += $"""
                    remote_write:
                      - url: http://127.0.0.1:{store}/api/v1/write
                        name: central

                    """;
            return yml;
        }

        private string? _probedGateways;
        private X509Certificate2? _selfSigned;

        /// <summary>
        /// The shipped blackbox exporter (blackbox/blackbox.yml, started once) and, for its probes to find as the gateway
        /// of <paramref name="incident"/>'s validator, a port on 127.0.0.1 that refuses connections or a TLS server with
        /// a self-signed certificate; returns that address (the alert's instance).
        /// </summary>
        private async Task<Uri> ProbedGatewayAsync(Incident incident, string site)
        {
            _blackbox ??= await ServerProcess.StartAsync("prometheus-blackbox-exporter", _folder.Path,
                port => [$"--config.file={Repository.PathOf("blackbox/blackbox.yml")}", $"--web.listen-address=127.0.0.1:{port}"], readyPath: "/-/healthy");
            // The self-signed certificate's name is localhost (the module prefers IPv4: 127.0.0.1), so only its issuer fails the probe.
            var gateway = incident.Outside == ProbedGateway.SelfSigned
                ? new Uri($"http://localhost:{await StartSelfSignedGatewayAsync()}") : new Uri($"http://127.0.0.1:{Loopback.FreePort()}");
            _probedGateways += $"      - targets: ['{gateway.Authority}']\n        labels:\n          validator: {incident.Validator}\n          site: {site}\n";
            return gateway;
        }

        /// <summary>A gateway's HTTPS on 127.0.0.1 with a self-signed certificate for localhost, valid for a year; returns its port.</summary>
        private async Task<int> StartSelfSignedGatewayAsync()
        {
            _selfSigned = GatewayHttps.LocalhostCertificate((request, _) => request.CreateSelfSigned(_started.AddDays(-1), _started.AddDays(365)));
            var server = await GatewayHttps.StartAsync(_selfSigned);
            Track(server);
            return server.Port;
        }

        /// <summary>prometheus.yml with the blackbox exporter's address and the gateway it probes (the jobs xx-gateway-* as shipped).</summary>
        private string ProbedGateways(string prometheusYml)
        {
            if (_probedGateways is null) return prometheusYml;
            var gateways = System.Text.RegularExpressions.Regex.Match(prometheusYml, @"static_configs: &xx-gateways\n(?:\s*#.*\n)*(      - targets: \[\]\n)");
            Assert.True(gateways.Success, "the generated prometheus.yml has no empty xx-gateways target list");
            string probed = prometheusYml.Remove(gateways.Groups[1].Index, gateways.Groups[1].Length).Insert(gateways.Groups[1].Index, _probedGateways);
            Assert.Contains("'blackbox-exporter:9115'", probed);
            return probed.Replace("'blackbox-exporter:9115'", $"'{_blackbox!.Http.BaseAddress!.Authority}'", StringComparison.Ordinal);
        }

        private async Task<SimulatedNode> StartNodeAsync(string folder, Incident incident, string role)
        {
            var node = await SimulatedNode.StartAsync(incident.Cause(new SimulatedNodeOptions
            {
                LogFolder = Directory.CreateDirectory($"{folder}/log").FullName,
                CredFolder = Directory.CreateDirectory($"{folder}/cred").FullName,
                InstallFolder = incident.Installed ? $"{folder}/opt" : null,
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                EraLength = EraLength,
                ChainStartedBefore = IntoTheEra + (DateTimeOffset.UtcNow - _started),
                RoundInterval = TimeSpan.FromSeconds(3),
                Scenario = Scenario.Healthy,
                Role = role,
            }, _started + CausesAfter - DateTimeOffset.UtcNow)); // the causes at one moment on every node, however late it started
            Track(node);
            return node;
        }

        /// <summary>
        /// The exporter's flags for an empty gateway database, with the right password or a wrong one: on a server of few
        /// connections (started once), or, for the transaction left open, on a server of its own with a movable clock.
        /// </summary>
        private string[] DatabaseFlags(Incident incident)
        {
            var server = incident.TransactionLeftOpen
                ? _movableClockDatabase ??= GatewayDatabaseServer(new PostgresServer(movableClock: true))
                : _database ??= GatewayDatabaseServer(new PostgresServer($"max_connections={MaxConnections}"));
            string password = _folder.File(incident.WrongPassword ? "wrong-postgres-password" : "postgres-password");
            File.WriteAllText(password, incident.WrongPassword ? "not-the-exporter-password" : "Exp0rter-S3cret-Pw");
            return ["--postgres.gateway.host", "127.0.0.1", "--postgres.gateway.port", server.Port.ToString(), "--postgres.gateway.user", "xx_exporter",
                "--postgres.gateway.password-file", password, "--postgres.gateway.sslmode", "disable"];
        }

        private static PostgresServer GatewayDatabaseServer(PostgresServer server)
        {
            server.Execute("postgres", """
                CREATE DATABASE cmix_gateway;
                CREATE ROLE xx_exporter LOGIN PASSWORD 'Exp0rter-S3cret-Pw';
                GRANT pg_monitor TO xx_exporter;
                GRANT CONNECT ON DATABASE cmix_gateway TO xx_exporter;
                """);
            return server;
        }

        /// <summary>Opens a transaction on the gateway database of the server with a movable clock, then moves its clock <paramref name="ahead"/>; the transaction is open until disposed.</summary>
        public async Task<IAsyncDisposable> LeaveTransactionOpenAsync(TimeSpan ahead)
        {
            var connection = new NpgsqlConnection(_movableClockDatabase!.ConnectionString("cmix_gateway"));
            await connection.OpenAsync();
            await using (var begin = new NpgsqlCommand("BEGIN; SELECT 1", connection)) await begin.ExecuteNonQueryAsync();
            _movableClockDatabase.ClockAhead = ahead;
            return connection;
        }

        /// <summary>Opens <paramref name="count"/> idle connections to the gateway database, held until disposed.</summary>
        public async Task<IAsyncDisposable> HoldConnectionsAsync(int count)
        {
            var connections = new HeldConnections();
            for (int i = 0; i < count; i++)
            {
                var connection = new NpgsqlConnection(_database!.ConnectionString("cmix_gateway"));
                connections.Add(connection);
                await connection.OpenAsync();
            }
            return connections;
        }

        private async Task<Uri> StartExporterAsync(string[] flags)
        {
            var (app, address) = await ExporterTesting.StartAsync(
            [
                "--web.listen-address", "127.0.0.1:0", "--log.level", "warn", "--collector.dns=false", "--collector.gateway_node=false",
                "--checks.backups", "", "--checks.certificates", "", "--checks.probes", "", .. flags,
            ]);
            Track(app);
            return address;
        }

        private async Task WaitForTargetsUpAsync(MonitoringStack stack, int count)
        {
            var waited = Stopwatch.StartNew();
            string health = "";
            while (waited.Elapsed < TimeSpan.FromSeconds(40))
            {
                var targets = JsonNode.Parse(await stack.Prometheus.Http.GetStringAsync("/api/v1/targets"))!["data"]!["activeTargets"]!.AsArray()
                    .Where(t => t!["labels"]!["job"]!.GetValue<string>() == "xx-exporter").ToList();
                health = string.Join("; ", targets.Select(t => $"{t!["labels"]!["validator"]}: {t["health"]} {t["lastError"]}"));
                if (targets.Count == count && targets.All(t => t!["health"]!.GetValue<string>() == "up")) return;
                await Task.Delay(200);
            }
            Assert.Fail($"the {count} exporters are not up: {health}\n{stack.Prometheus.Log}");
        }

        public async ValueTask DisposeAsync()
        {
            var steps = Enumerable.Reverse(_running).Select(r => (Func<ValueTask>)r.DisposeAsync).ToList();
            steps.Add(() => _blackbox?.DisposeAsync() ?? ValueTask.CompletedTask);
            steps.Add(() => { _database?.Dispose(); _selfSigned?.Dispose(); _movableClockDatabase?.Dispose(); _folder.Dispose(); return ValueTask.CompletedTask; });
            await Teardown.AllAsync([.. steps]);
        }
    }

    /// <summary>Connections held open, closed together.</summary>
    private sealed class HeldConnections : List<NpgsqlConnection>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var connection in this) await connection.DisposeAsync();
        }
    }
}

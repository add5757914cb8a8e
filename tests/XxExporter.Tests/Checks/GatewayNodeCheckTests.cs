using System.Net;
using XxExporter.Checks;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

/// <summary>The gateway's node address probed as the gateway dials it: against ports these tests open on 127.0.0.1.</summary>
public sealed class GatewayNodeCheckTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Listeners _ports = new();

    public void Dispose()
    {
        _ports.Dispose();
        _folder.Dispose();
    }

    private string Config(string address)
    {
        File.WriteAllText(_folder.File("gateway.yaml"), $"port: 22840\ncmixAddress: \"{address}\"\n");
        return _folder.File("gateway.yaml");
    }

    /// <summary>A series every probe sets: the name's first lookup has ended.</summary>
    private const string Probed = "xx_gateway_node_probe_success";

    private static ChecksHarness Harness(string config, TimeSpan? connectTimeout = null, NameResolver? resolver = null) =>
        new(ChecksHarness.Off with { GatewayConfig = config, ProbeTimeout = connectTimeout ?? TimeSpan.FromSeconds(5), DnsTimeout = TimeSpan.FromSeconds(5) }, resolver);

    private static void AssertResult(Exposition m, string result)
    {
        foreach (string each in new[] { "ok", "name_not_resolved", "refused", "timeout", "unreachable", "error" })
            Assert.Equal(each == result ? 1 : 0, m[$"xx_gateway_node_probe_result{{result=\"{each}\"}}"]);
        Assert.Equal(result == "ok" ? 1 : 0, m["xx_gateway_node_probe_success"]);
        Assert.Equal(1, m["xx_gateway_config_status{status=\"ok\"}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"gateway_node\"}"]); // a node that does not answer is a finding
    }

    [Fact]
    public async Task A_node_that_listens_is_reached_by_address_and_by_name()
    {
        int port = _ports.Listening();
        var m = await Harness(Config($"127.0.0.1:{port}")).ScrapeUntil(Probed);
        AssertResult(m, "ok");
        Assert.True(m["xx_gateway_node_probe_duration_seconds"] >= 0);
        await Promtool.AssertLintClean(m.Text);

        AssertResult(await Harness(Config($"localhost:{port}")).ScrapeUntil(Probed), "ok");
    }

    [Fact]
    public async Task A_closed_port_is_refused_and_logged_once_until_it_answers()
    {
        int port = Loopback.FreePort();
        string config = Config($"localhost:{port}");
        var harness = Harness(config);
        AssertResult(await harness.ScrapeUntil(Probed), "refused");
        await harness.Scrape();
        string line = Assert.Single(harness.Logs.Lines);
        Assert.Contains($"gateway_node node localhost:{port} (cmixAddress in {config}): Connection refused (it resolves to 127.0.0.1", line);

        using var node = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        node.Start();
        harness.Clock.Advance(FlipLimitedLog.Interval); // a change is logged at most once a minute
        AssertResult(await harness.Scrape(), "ok");
        Assert.Contains(harness.Logs.Lines, l => l.StartsWith("Information") && l.Contains("working again"));
    }

    [Fact]
    public async Task A_node_that_never_answers_times_out()
    {
        var harness = Harness(Config($"127.0.0.1:{_ports.Hanging()}"), connectTimeout: TimeSpan.FromMilliseconds(300));
        AssertResult(await harness.ScrapeUntil(Probed), "timeout");
        Assert.Contains("no connection within 0.3s", harness.Logs.All);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_told_apart_from_a_connection_failure()
    {
        var harness = Harness(Config("xx-node.example.invalid:11420"));
        AssertResult(await harness.ScrapeUntil(Probed), "name_not_resolved");
        Assert.Contains("gateway_node node xx-node.example.invalid:11420", harness.Logs.All);
        Assert.Contains("the name does not resolve", harness.Logs.All);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_holds_no_scrape_and_is_asked_once()
    {
        int lookups = 0;
        var silent = new NameResolver((_, _) => { Interlocked.Increment(ref lookups); return new TaskCompletionSource<IPAddress[]>().Task; });
        var harness = new ChecksHarness(ChecksHarness.Off with
        {
            GatewayConfig = Config("xx-node.example.invalid:11420"), DnsTimeout = TimeSpan.FromMinutes(1), ProbeTimeout = TimeSpan.FromSeconds(1),
        }, silent);
        var m = await harness.ScrapeUntil("xx_gateway_config_status{status=\"ok\"}"); // and starts the lookup
        await ChecksHarness.Asked(() => Volatile.Read(ref lookups), 1);
        for (int scrape = 0; scrape < 3; scrape++)
        {
            m = await harness.Scrape().WaitAsync(TimeSpan.FromSeconds(30)); // a scrape that waited for the lookup would take the minute
            Assert.Equal(1, m["xx_gateway_config_status{status=\"ok\"}"]);
            Assert.False(m.Has(Probed)); // no lookup has ended: nothing to report
            Assert.Equal(1, m["xx_exporter_collector_success{collector=\"gateway_node\"}"]);
        }
        Assert.Equal(1, lookups); // the lookup under way is not started again
    }

    [Fact]
    public async Task A_lookup_that_times_out_is_reported_as_the_name_not_resolved_and_asked_once()
    {
        int lookups = 0;
        var silent = new NameResolver((_, _) => { Interlocked.Increment(ref lookups); return new TaskCompletionSource<IPAddress[]>().Task; });
        var harness = new ChecksHarness(ChecksHarness.Off with
        {
            GatewayConfig = Config("xx-node.example.invalid:11420"), DnsTimeout = TimeSpan.FromMilliseconds(200), ProbeTimeout = TimeSpan.FromSeconds(1),
        }, silent);
        var m = await harness.ScrapeUntil(Probed);
        for (int scrape = 0; scrape < 3; scrape++) m = await harness.Scrape();
        AssertResult(m, "name_not_resolved");
        Assert.Equal(1, lookups); // a lookup younger than DnsCheck.ResolveEvery is reported again
        Assert.Contains("no answer from the resolver within 0.2s", harness.Logs.All);
    }

    [Theory]
    [InlineData("cmixAddress: \"0.0.0.0:11420\n", "invalid", "is not valid YAML")]
    [InlineData("port: 22840\n", "no_address", "names no cmixAddress")]
    public async Task A_config_that_does_not_parse_or_names_no_address_is_a_status_and_one_log_line(string text, string status, string problem)
    {
        File.WriteAllText(_folder.File("gateway.yaml"), text);
        var harness = Harness(_folder.File("gateway.yaml"));
        var m = await harness.ScrapeUntil($"xx_gateway_config_status{{status=\"{status}\"}}");
        await harness.Scrape();

        foreach (string each in new[] { "ok", "missing", "unreadable", "invalid", "no_address" })
            Assert.Equal(each == status ? 1 : 0, m[$"xx_gateway_config_status{{status=\"{each}\"}}"]);
        Assert.False(m.Has("xx_gateway_node_probe_success"));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"gateway_node\"}"]);
        string line = Assert.Single(harness.Logs.Lines);
        Assert.Contains($"gateway_node config: the gateway config {_folder.File("gateway.yaml")} {problem}", line);
    }

    [Fact]
    public async Task A_host_without_a_gateway_config_shows_missing_and_logs_nothing()
    {
        var harness = Harness(_folder.File("gateway.yaml"));
        var m = await harness.ScrapeUntil("xx_gateway_config_status{status=\"missing\"}");
        Assert.Equal(1, m["xx_gateway_config_status{status=\"missing\"}"]);
        Assert.Equal(0, m["xx_gateway_config_status{status=\"ok\"}"]);
        Assert.False(m.Has("xx_gateway_node_probe_success"));
        Assert.Empty(harness.Logs.Lines);
    }
}

/// <summary>The simulator's gateway config, as the demo uses it to show a gateway that cannot reach its node.</summary>
public sealed class SimulatedGatewayConfigTests
{
    [Fact]
    public async Task The_simulators_gateway_config_names_a_closed_port_the_check_finds_refused()
    {
        using var folder = new TempFolder();
        int closed = Loopback.FreePort();
        await using (await XxSimulator.Node.SimulatedNode.StartAsync(new()
        {
            LogFolder = folder.File("log"), ConfigFolder = folder.File("config"), GatewayNodeAddress = $"localhost:{closed}",
            Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
        })) { }

        var config = GatewayConfig.Read(folder.File("config/gateway.yaml"));
        Assert.Equal((GatewayConfigStatus.Ok, "localhost", closed), (config.Status, config.Host, config.Port));
        var m = await new ChecksHarness(ChecksHarness.Off with { GatewayConfig = folder.File("config/gateway.yaml"), DnsTimeout = TimeSpan.FromSeconds(5) })
            .ScrapeUntil("xx_gateway_node_probe_result{result=\"refused\"}");
        Assert.Equal(1, m["xx_gateway_node_probe_result{result=\"refused\"}"]);
    }
}

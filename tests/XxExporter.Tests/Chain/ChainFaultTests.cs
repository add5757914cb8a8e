using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Chain;

/// <summary>The chain and staking sources against a node that is down, restarts, hangs, talks nonsense or stores garbage.</summary>
public sealed class ChainFaultTests : IAsyncDisposable
{
    private static readonly byte[] Stash = Convert.FromHexString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
    private readonly SyntheticRuntime _runtime = new();
    private readonly FakeChainNode _node;
    private readonly CapturedLogs _logs = new();
    private readonly List<CancellationTokenSource> _stops = new();

    public ChainFaultTests() => _node = new FakeChainNode(_runtime.Healthy);

    /// <summary>The chain and staking sources reading <paramref name="url"/>.</summary>
    private CollectorRegistry Exporter(string url, string timeout = "5s", string? stash = null, string idf = "/nonexistent/idf.json")
    {
        var args = new List<string> { "--chain.rpc-url", url, "--chain.timeout", timeout, "--chain.idf-path", idf };
        if (stash is not null) args.AddRange(["--chain.stash", stash]);
        var (stop, registry) = ExporterTesting.Chain(_logs.Factory, [.. args]);
        _stops.Add(stop);
        return registry;
    }

    /// <summary>A node serving the golden staking values, read for Alice (stash given, cMix ID 0x11…).</summary>
    private async Task<(SyntheticRuntime Runtime, CollectorRegistry Registry)> GoldenStakingAsync(string idf, string timeout = "5s")
    {
        var runtime = SyntheticRuntime.FromGoldenVectors(legacy: false);
        _node.Handler = runtime.Healthy;
        await _node.StartAsync();
        return (runtime, Exporter(_node.WsUrl, timeout, Ss58.Encode(Stash), idf));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops) await stop.CancelAsync();
        await _node.DisposeAsync();
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("http")]
    public async Task A_healthy_node_over_either_transport(string scheme)
    {
        await _node.StartAsync();
        var registry = Exporter(scheme == "ws" ? _node.WsUrl : _node.HttpUrl);
        var m = await Exposition.Of(registry);
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.Equal(100, m["xx_chain_block_height{status=\"best\"}"]);
        Assert.Equal(98, m["xx_chain_block_height{status=\"finalized\"}"]);
        Assert.Equal(105, m["xx_chain_block_height{status=\"target\"}"]);
        Assert.Equal(5, m["xx_chain_peers"]);
        Assert.Equal(207, m["xx_chain_runtime_spec_version"]);
        Assert.Equal(1, m[$"xx_chain_node_info{{chain=\"xx network\",version=\"0.2.7-test\",peer_id=\"{_runtime.PeerId}\"}}"]);
    }

    [Fact]
    public async Task One_connection_serves_every_scrape()
    {
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl);
        for (int i = 0; i < 20; i++) Assert.Equal(1, (await Exposition.Of(registry))["xx_chain_up"]);
        Assert.Equal(1, _node.WebSocketConnections);
        var last = await Exposition.Of(registry);
        Assert.Equal(_node.Calls, last["xx_chain_rpc_requests_total"]);
    }

    [Fact]
    public async Task Down_at_start_then_up_after_the_backoff()
    {
        int port = Loopback.FreePort();
        var registry = Exporter($"ws://127.0.0.1:{port}");
        var m = await Exposition.Of(registry);
        Assert.Equal(0, m["xx_chain_up"]);
        Assert.False(m.Has("xx_chain_peers"));
        Assert.Contains("is not answering", _logs.All);
        await _node.StartAsync(port);
        var up = await Exposition.Until(registry, x => x["xx_chain_up"] == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, up["xx_chain_up"]);
    }

    [Fact]
    public async Task A_restarted_node_is_reconnected_once()
    {
        await _node.StartAsync();
        int port = _node.Port;
        var registry = Exporter(_node.WsUrl);
        Assert.Equal(1, (await Exposition.Of(registry))["xx_chain_up"]);
        await _node.StopAsync();
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]);
        await _node.StartAsync(port);
        var up = await Exposition.Until(registry, x => x["xx_chain_up"] == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, up["xx_chain_up"]);
        Assert.Equal(2, _node.WebSocketConnections);
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("http")]
    public async Task A_call_that_never_answers_is_down_within_the_timeout(string scheme)
    {
        _node.Handler = (method, parameters) => method == "system_health" ? new Answer.Silence() : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(scheme == "ws" ? _node.WsUrl : _node.HttpUrl, timeout: "500ms");
        var elapsed = Stopwatch.StartNew();
        var m = await Exposition.Of(registry);
        Assert.InRange(elapsed.Elapsed.TotalSeconds, 0.4, 2.5);
        Assert.Equal(0, m["xx_chain_up"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"chain\"}"]);
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("http")]
    public async Task An_answer_that_is_not_json_is_down(string scheme)
    {
        _node.Handler = (method, parameters) => method == "chain_getHeader" ? new Answer.Garbage("<html>502 Bad Gateway</html>") : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(scheme == "ws" ? _node.WsUrl : _node.HttpUrl, timeout: "500ms");
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]);
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("http")]
    public async Task An_answer_too_big_to_be_a_node_is_refused(string scheme)
    {
        string huge = "\"" + new string('x', RpcBounds.MaxMessageBytes) + "\""; // a string past the size bound
        _node.Handler = (method, parameters) => method == "system_health" ? new Answer.Result(huge) : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(scheme == "ws" ? _node.WsUrl : _node.HttpUrl);
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]);
        Assert.Contains($"a message of more than {RpcBounds.MaxMessageBytes} bytes", _logs.All);
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("http")]
    public async Task An_answer_with_more_tokens_than_a_node_gives_is_refused_over_either_transport(string scheme)
    {
        // 2 bytes a value, far under the size bound, but a parse would keep 12 bytes of bookkeeping for each.
        string huge = "[" + string.Join(',', Enumerable.Repeat('0', RpcBounds.MaxTokensPerMessage + 1)) + "]";
        _node.Handler = (method, parameters) => method == "system_health" ? new Answer.Result(huge) : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(scheme == "ws" ? _node.WsUrl : _node.HttpUrl);
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]);
        Assert.Contains($"a message of more than {RpcBounds.MaxTokensPerMessage} JSON tokens", _logs.All);
        _node.Handler = _runtime.Healthy;
        var m = await Exposition.Until(registry, x => x["xx_chain_up"] == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, m["xx_chain_up"]);
    }

    [Theory]
    [InlineData("chain_getBlockHash", "\"0x1234\"")]
    [InlineData("chain_getFinalizedHead", "\"0xzz00000000000000000000000000000000000000000000000000000000000000\"")]
    [InlineData("chain_getBlockHash", "null")]
    public async Task A_block_hash_that_is_not_32_bytes_of_hex_is_never_sent_back(string method, string hash)
    {
        int sentBack = 0;
        _node.Handler = (m, parameters) =>
        {
            if (parameters.GetRawText().Contains(hash.Trim('"'))) Interlocked.Increment(ref sentBack);
            return m == method ? new Answer.Result(hash) : _runtime.Healthy(m, parameters);
        };
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl);
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]);
        Assert.Contains($"{method} gave no block hash (0x and 64 hex digits)", _logs.All);
        Assert.Equal(0, sentBack);
    }

    [Fact]
    public async Task A_node_version_longer_than_a_label_is_cut()
    {
        string version = new('v', 1 << 20);
        _node.Handler = (method, parameters) => method == "system_version" ? new Answer.Result($"\"{version}\"") : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var m = await Exposition.Of(Exporter(_node.WsUrl));
        string info = Assert.Single(m.Series, s => s.StartsWith("xx_chain_node_info{"));
        Assert.Matches($"^xx_chain_node_info{{chain=\"xx network\",version=\"v{{114}}…#[0-9a-f]{{12}}\",peer_id=\"{_runtime.PeerId}\"}}$", info);
    }

    [Fact]
    public async Task A_connection_that_goes_silent_is_replaced_by_the_next_collection()
    {
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl, timeout: "500ms");
        Assert.Equal(1, (await Exposition.Of(registry))["xx_chain_up"]);
        // The first connection stays open but answers nothing more (a hung node, a NAT that forgot it); a new one is answered.
        _node.Handler = (method, parameters) => _node.WebSocketConnections == 1 ? new Answer.Silence() : _runtime.Healthy(method, parameters);
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]);
        var m = await Exposition.Until(registry, x => x["xx_chain_up"] == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.Equal(2, _node.WebSocketConnections);
    }

    [Fact]
    public async Task A_malformed_idf_fails_staking_with_a_clear_line()
    {
        await _node.StartAsync();
        string idf = Path.Combine(Path.GetTempPath(), $"bad-idf-{Guid.NewGuid():N}.json");
        File.WriteAllText(idf, "{\"hexNodeID\": \"0xnothex\"}");
        try
        {
            var m = await Exposition.Of(Exporter(_node.WsUrl, idf: idf));
            Assert.Equal(1, m["xx_chain_up"]);
            Assert.Equal(0, m["xx_exporter_collector_success{collector=\"staking\"}"]);
            Assert.Contains("is not a cMix IDF with a hexNodeID", _logs.All);
        }
        finally
        {
            File.Delete(idf);
        }
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":"x","result":1}""")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}""")]
    [InlineData("[1,2,3]")]
    public async Task A_message_whose_id_is_not_a_number_is_ignored(string message)
    {
        int calls = 0;
        _node.Handler = (method, parameters) => Interlocked.Increment(ref calls) == 1 ? new Answer.Garbage(message) : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl, timeout: "1s");
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]); // the call it stood in for went unanswered
        var m = await Exposition.Until(registry, x => x["xx_chain_up"] == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, m["xx_chain_up"]);
        // An object without a numeric id is read and set aside. A bare array is sometimes set aside and sometimes ends
        // the connection (which the next collection replaces); recovery is what this asserts for it (see the note of
        // this change: the difference is not explained yet).
        if (message.StartsWith('{')) Assert.Contains("Ignoring a message from", _logs.All);
    }

    [Theory]
    [InlineData("\"1\"")]
    [InlineData("null")]
    [InlineData("\"0x1ffffffffffffffff\"")]
    public async Task A_header_whose_number_is_not_hex_takes_the_chain_down(string number)
    {
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl);
        Assert.Equal(1, (await Exposition.Of(registry))["xx_chain_up"]);
        _node.Handler = (method, parameters) => method == "chain_getHeader"
            ? new Answer.Result($$"""{"parentHash":"0x00","digest":{"logs":[]},"stateRoot":"0x00","extrinsicsRoot":"0x00","number":{{number}}}""")
            : _runtime.Healthy(method, parameters);
        var m = await Exposition.Of(registry);
        Assert.Equal(0, m["xx_chain_up"]);
        Assert.False(m.Has("xx_chain_block_height{status=\"best\"}"));
        Assert.Contains($"the block number {number} is not a 0x-prefixed hex number", _logs.All);
    }

    [Fact]
    public async Task An_idf_that_cannot_be_read_fails_staking_and_removes_its_series()
    {
        using var folder = new TempFolder();
        string idf = folder.File("cmix-IDF.json");
        File.WriteAllText(idf, """{"hexNodeID": "0x1111111111111111111111111111111111111111111111111111111111111111"}""");
        var (_, registry) = await GoldenStakingAsync(idf);
        Assert.Equal(1, (await Exposition.Of(registry))["xx_exporter_collector_success{collector=\"staking\"}"]);
        // Root reads any file, so "unreadable" is a (sparse) file far larger than an IDF may be: reading it fails.
        using (var file = File.Create(idf)) file.SetLength(3L << 30);
        var m = await Exposition.Of(registry);
        AssertStakingFailedAlone(m, "xx_staking_active_era");
    }

    [Fact]
    public async Task A_storage_read_that_never_answers_fails_staking_and_removes_its_series()
    {
        var (runtime, registry) = await GoldenStakingAsync("/nonexistent/idf.json", timeout: "1s");
        Assert.Equal(1, (await Exposition.Of(registry))["xx_exporter_collector_success{collector=\"staking\"}"]);
        _node.Handler = (method, parameters) => method == "state_queryStorageAt" ? new Answer.Silence() : runtime.Healthy(method, parameters);
        var m = await Exposition.Of(registry);
        AssertStakingFailedAlone(m, "xx_validator_era_points");
        Assert.Contains("no answer within 1s", _logs.All);
    }

    [Fact]
    public async Task A_stopped_node_fails_staking_too_with_no_staking_series_and_one_log_line()
    {
        var (_, registry) = await GoldenStakingAsync("/nonexistent/idf.json");
        var up = await Exposition.Of(registry);
        Assert.Equal(1, up["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.Equal(42, up["xx_staking_active_era"]);
        await _node.StopAsync();
        for (int i = 0; i < 3; i++)
        {
            var m = await Exposition.Of(registry);
            Assert.Equal(0, m["xx_chain_up"]);
            Assert.Equal(0, m["xx_exporter_collector_success{collector=\"chain\"}"]);
            Assert.Equal(0, m["xx_exporter_collector_success{collector=\"staking\"}"]);
            // Only the down view and the exporter's own request counter are left of the chain's series.
            Assert.Equal(new[] { "xx_chain_rpc_requests_total", "xx_chain_up" },
                m.Series.Where(s => s.StartsWith("xx_chain_") || s.StartsWith("xx_staking_") || s.StartsWith("xx_validator_")).Order());
        }
        Assert.Single(_logs.Lines, line => line.Contains("staking: not read, since the chain node is not answering"));
    }

    [Fact]
    public async Task The_status_page_shows_staking_failing_while_the_node_is_stopped()
    {
        var runtime = SyntheticRuntime.FromGoldenVectors(legacy: false);
        _node.Handler = runtime.Healthy;
        await _node.StartAsync();
        using var logs = new TempFolder();
        var (app, address) = await ExporterTesting.StartAsync("--web.listen-address", "127.0.0.1:0", "--logs.dir", logs.Path,
            "--chain.rpc-url", _node.WsUrl, "--chain.stash", Ss58.Encode(Stash), "--chain.idf-path", "/nonexistent/idf.json",
            "--checks.backups", "", "--checks.certificates", "", "--checks.probes", "", "--log.level", "warn");
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        Assert.True(await StakingWorks(http));
        await _node.StopAsync();
        // The page reuses a report for a second (StatusReports): ask until one made after the stop is served.
        bool works = true;
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); works && waited.Elapsed < TimeSpan.FromSeconds(15); await Task.Delay(250))
            works = await StakingWorks(http);
        Assert.False(works);
    }

    /// <summary>Whether /status.json gives the staking collector as working.</summary>
    private static async Task<bool> StakingWorks(HttpClient http)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("status.json"));
        return json.RootElement.GetProperty("collectors").EnumerateArray()
            .Single(c => c.GetProperty("collector").GetString() == "staking").GetProperty("success").GetBoolean();
    }

    [Fact]
    public async Task A_first_endpoint_that_never_answers_fails_over_to_the_next()
    {
        // Connections complete into the backlog and the WebSocket upgrade is never answered.
        using var hung = new TcpListener(IPAddress.Loopback, 0);
        hung.Start();
        await _node.StartAsync();
        var registry = Exporter($"ws://127.0.0.1:{((IPEndPoint)hung.LocalEndpoint).Port},{_node.WsUrl}", timeout: "500ms");
        var m = await Exposition.Until(registry, x => x["xx_chain_up"] == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.Equal(1, _node.WebSocketConnections);
        Assert.Contains("no answer within 0.5s", _logs.All);
    }

    [Fact]
    public async Task A_json_rpc_error_is_down_with_its_message_logged()
    {
        _node.Handler = (method, parameters) => method == "chain_getFinalizedHead" ? new Answer.Error(-32000, "database is locked") : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl);
        Assert.Equal(0, (await Exposition.Of(registry))["xx_chain_up"]);
        Assert.Contains("database is locked", _logs.All);
    }

    [Theory]
    [InlineData(-32601, "Method not found")]
    [InlineData(0, "Method not found: system_syncState")]   // chopsticks over HTTP sends no code
    [InlineData(-32000, "sync service busy")]
    public async Task A_node_without_system_sync_state_degrades(int code, string message) =>
        await AssertChainUpWithoutTarget(new Answer.Error(code, message));

    [Fact]
    public async Task A_node_answering_system_sync_state_with_no_object_degrades() =>
        await AssertChainUpWithoutTarget(new Answer.Result("[105]"));

    private async Task AssertChainUpWithoutTarget(Answer answer)
    {
        _node.Handler = (method, parameters) => method == "system_syncState" ? answer : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl);
        var m = await Exposition.Of(registry);
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.False(m.Has("xx_chain_block_height{status=\"target\"}"));
        Assert.Equal(100, m["xx_chain_block_height{status=\"best\"}"]);
    }

    [Fact]
    public async Task Storage_that_does_not_decode_fails_staking_but_not_the_chain()
    {
        _runtime.Set("Staking", "Bonded", ChainState.HexOf(Stash), Stash);
        _runtime.Set("Staking", "ActiveEra", "0x0a000000" + "00"); // index 10, start None
        _runtime.Set("Staking", "ErasRewardPoints", "0x0102", StorageKeys.U32(10)); // truncated: not an EraRewardPoints
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl, stash: Ss58.Encode(Stash));
        var m = await Exposition.Of(registry);
        AssertStakingFailedAlone(m, "xx_validator_era_points");
    }

    [Fact]
    public async Task Concurrent_scrapes_share_one_read()
    {
        _node.Handler = (method, parameters) =>
        {
            if (method == "system_health") Thread.Sleep(300);
            return _runtime.Healthy(method, parameters);
        };
        await _node.StartAsync();
        var registry = Exporter(_node.WsUrl, timeout: "3s");
        await Exposition.Of(registry); // the metadata and the node's name are read once, here
        double before = Requests(await Exposition.Of(registry));
        double read = Requests(await Exposition.Of(registry)) - before; // what one read costs
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Exposition.Of(registry)));
        // The ten shared one read; the scrape that looks made one more.
        Assert.Equal(before + 3 * read, Requests(await Exposition.Of(registry)));
    }

    private static double Requests(Exposition m) => m["xx_chain_rpc_requests_total"];

    /// <summary>The chain was read but staking failed: its series (<paramref name="stakingSeries"/> for one) are gone and the log says so.</summary>
    private void AssertStakingFailedAlone(Exposition m, string stakingSeries)
    {
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"chain\"}"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.False(m.Has(stakingSeries));
        Assert.Contains("staking: cannot read the validator's staking state", _logs.All);
    }
}

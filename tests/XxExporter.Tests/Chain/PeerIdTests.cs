using System.Text.Json;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Chain.Rpc;
using XxExporter.Tests.Support;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Chain;

/// <summary>
/// The node's libp2p peer id (system_localPeerId) as the peer_id label of xx_chain_node_info, by which the alert
/// rules count chain nodes: read once per connection, validated, and left empty (never failing the chain) where the
/// node refuses the method.
/// </summary>
public sealed class PeerIdTests : IAsyncDisposable
{
    private const string Ed25519Id = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";
    private const string RestartedId = "12D3KooWHdiAxVd8uMQR1hGWXccidmfCwLqcMpGwR6QcTP6QRMuD";
    private readonly SyntheticRuntime _runtime = new() { PeerId = Ed25519Id };
    private readonly Dictionary<string, int> _calls = new();
    private readonly FakeChainNode _node;
    private readonly CapturedLogs _logs = new();
    private readonly List<CancellationTokenSource> _stops = new();

    /// <summary>An answer in place of the healthy one for a method (null: the healthy answer).</summary>
    private Func<string, Answer?> _instead = _ => null;

    public PeerIdTests() => _node = new FakeChainNode(Count);

    private Answer Count(string method, JsonElement parameters)
    {
        lock (_calls) _calls[method] = _calls.GetValueOrDefault(method) + 1;
        return _instead(method) ?? _runtime.Healthy(method, parameters);
    }

    private int CallsOf(string method)
    {
        lock (_calls) return _calls.GetValueOrDefault(method);
    }

    private static string Info(string peerId) => $"xx_chain_node_info{{chain=\"xx network\",version=\"0.2.7-test\",peer_id=\"{peerId}\"}}";

    private async Task<CollectorRegistry> Exporter()
    {
        if (_node.Port == 0) await _node.StartAsync();
        var (stop, registry) = ExporterTesting.Chain(_logs.Factory, "--chain.rpc-url", _node.WsUrl, "--chain.idf-path", "/nonexistent/idf.json");
        _stops.Add(stop);
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops) await stop.CancelAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task The_peer_id_is_read_once_per_connection_and_again_after_the_node_restarts()
    {
        var registry = await Exporter();
        for (int i = 0; i < 3; i++) Assert.Equal(1, (await Exposition.Of(registry))[Info(Ed25519Id)]);
        Assert.Equal(1, CallsOf("system_localPeerId"));

        // Restarted with a new network key: the new connection asks again, and only the new id is shown.
        int port = _node.Port;
        await _node.StopAsync();
        _runtime.PeerId = RestartedId;
        await _node.StartAsync(port);
        var m = await Exposition.Until(registry, x => x.Has(Info(RestartedId)), TimeSpan.FromSeconds(5));
        Assert.Equal(1, m[Info(RestartedId)]);
        Assert.False(m.Has(Info(Ed25519Id)));
        Assert.Equal(2, CallsOf("system_localPeerId"));
    }

    [Fact]
    public async Task Two_exporters_reading_one_node_show_the_same_peer_id()
    {
        var first = await Exposition.Of(await Exporter());
        var second = await Exposition.Of(await Exporter());
        Assert.Equal(1, first[Info(Ed25519Id)]);
        Assert.Equal(1, second[Info(Ed25519Id)]);
    }

    [Theory]
    [InlineData(-32601, "RPC call is unsafe to be called externally", "refuses system_localPeerId as an unsafe RPC method")]
    [InlineData(-32601, "Method not found", "has no system_localPeerId")]
    [InlineData(-32000, "network service busy", "answers system_localPeerId with an error (system_localPeerId: network service busy")]
    public async Task A_node_refusing_the_peer_id_leaves_only_the_label_empty_and_says_so_once(int code, string message, string logged)
    {
        _instead = method => method == "system_localPeerId" ? new Answer.Error(code, message) : null;
        var registry = await Exporter();
        for (int i = 0; i < 3; i++)
        {
            var m = await Exposition.Of(registry);
            Assert.Equal(1, m["xx_chain_up"]);
            Assert.Equal(1, m["xx_exporter_collector_success{collector=\"chain\"}"]);
            // An empty label is no label to Prometheus: the rules count this node by its instance instead.
            Assert.Equal(1, m[Info("")]);
        }
        Assert.Single(_logs.Lines, line => line.Contains(logged) && line.Contains("the peer_id label of xx_chain_node_info is left out"));
        Assert.Equal(1, CallsOf("system_localPeerId"));
    }

    [Theory]
    [InlineData("\"/p2p/" + Ed25519Id + "\"", "system_localPeerId answered text that is no peer id: character 1 (U+002F) is not base58")]
    [InlineData("[\"" + Ed25519Id + "\"]", "system_localPeerId answered Array where text belongs")]
    public async Task A_peer_id_that_is_no_peer_id_leaves_only_the_label_empty_and_says_so_once(string answer, string logged)
    {
        _instead = method => method == "system_localPeerId" ? new Answer.Result(answer) : null;
        var registry = await Exporter();
        for (int i = 0; i < 3; i++)
        {
            var m = await Exposition.Of(registry);
            Assert.Equal(1, m["xx_chain_up"]);
            Assert.Equal(1, m[Info("")]);
        }
        Assert.Single(_logs.Lines, line => line.Contains(logged) && line.Contains("the peer_id label of xx_chain_node_info is left out"));
        Assert.Equal(1, CallsOf("system_localPeerId"));
    }

    [Theory]
    [InlineData(Ed25519Id)]                                              // ed25519 key inlined: what Substrate nodes have
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")]      // sha256 of an RSA key
    [InlineData("16Uiu2HAmPLe7Mzm8TsYUubgCAW1aJoeFScxrLj8ppHFivPo97bUZ")] // secp256k1 key inlined
    [InlineData("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")]    // what chopsticks answers (Alice's address)
    public void Peer_ids_as_nodes_answer_them(string id) =>
        Assert.Equal(id, ChainReader.PeerId(JsonDocument.Parse(JsonSerializer.Serialize(id)).RootElement));

    [Theory]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("""{"peerId": "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp"}""")]
    [InlineData("\"\"")]
    [InlineData("\"12D3KooW\"")]                                                       // too short to hold a key's hash
    [InlineData("\"12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp12D3KooWEyoppNCUx8Yx\"")] // longer than any peer id
    [InlineData("\"12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDE0\"")]        // 0 is not base58
    [InlineData("\"12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEl\"")]        // nor is l
    [InlineData("\"12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iD p\"")]
    [InlineData("\"12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6i\\nEp\"")]
    [InlineData("\"0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a\"")]
    public void Anything_else_is_a_malformed_answer(string answer) =>
        Assert.Throws<MalformedAnswerException>(() => ChainReader.PeerId(JsonDocument.Parse(answer).RootElement));
}

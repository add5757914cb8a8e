using System.Net.Http.Json;
using System.Text.Json;
using XxExporter.Chain;
using XxExporter.Tests.Support;
using XxSimulator.Node;

namespace XxExporter.Tests.Simulator;

/// <summary>
/// The simulated chain node's libp2p peer id (system_localPeerId): two simulators are two nodes, one started again
/// with the same options is the same node, and --peer-id makes two the same (a clone that kept its network key).
/// </summary>
public sealed class SimulatedPeerIdTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Each_simulator_is_a_node_of_its_own_unless_given_the_same_peer_id()
    {
        string home = await PeerIdOf("home"), standby = await PeerIdOf("standby");
        Assert.NotEqual(home, standby);
        Assert.All(new[] { home, standby }, id => Assert.StartsWith("12D3KooW", id)); // an ed25519 key, as Substrate nodes have
        Assert.Equal(home, await PeerIdOf("home"));
        Assert.Equal(home, await PeerIdOf("clone", "--peer-id", home));
    }

    /// <summary>What a simulator logging to <paramref name="host"/> answers system_localPeerId, checked as the exporter checks it.</summary>
    private async Task<string> PeerIdOf(string host, params string[] options)
    {
        await using var node = await SimulatedNode.StartAsync(NodeCommandLine.Parse(["--logs", _folder.File(host), "--listen", "127.0.0.1:0", .. options]));
        using var answer = await _http.PostAsJsonAsync(node.HttpUrl, new { jsonrpc = "2.0", id = 1, method = "system_localPeerId", @params = Array.Empty<object>() });
        var result = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result");
        Assert.Equal(node.PeerId, result.GetString());
        return ChainReader.PeerId(result);
    }

    public void Dispose()
    {
        _http.Dispose();
        _folder.Dispose();
    }
}

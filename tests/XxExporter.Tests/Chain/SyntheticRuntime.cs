using System.Text.Json;
using XxSimulator.Chain;
using XxSimulator.Node;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Chain;

/// <summary>
/// A runtime of the legacy or the 207 staking layout (<see cref="StakingRuntime"/>) whose storage is a plain key/value
/// map the test fills, answered by a healthy node (<see cref="Healthy"/>) that a <see cref="Support.FakeChainNode"/> serves.
/// </summary>
public sealed class SyntheticRuntime(bool legacy = false)
{
    public StakingRuntime Runtime { get; } = new(legacy);

    /// <summary>
    /// A runtime of one layout holding the first golden value (tests/chain-tools/make-vectors.mjs) of every key that
    /// layout has: era 42 active, Alice active with 100 points (30 deducted in 207), Bob missed era 41.
    /// </summary>
    public static SyntheticRuntime FromGoldenVectors(bool legacy)
    {
        var runtime = new SyntheticRuntime(legacy);
        var vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Chain", "Vectors", "vectors.json")))
            .RootElement.GetProperty("vectors");
        foreach (var vector in vectors.EnumerateArray())
        {
            string layout = vector.GetProperty("layout").GetString()!;
            if (layout != "both" && layout != (legacy ? "legacy" : "207")) continue;
            // A staking picture: the binaries' hashes (XXCmix) are stored by the tests about binaries.
            if (vector.GetProperty("pallet").GetString() == "XXCmix") continue;
            runtime.Storage.TryAdd(vector.GetProperty("key").GetString()!, vector.GetProperty("encoded").GetString()!);
        }
        return runtime;
    }

    /// <summary>Storage by hex key, hex value.</summary>
    public Dictionary<string, string> Storage { get; } = new(StringComparer.OrdinalIgnoreCase);

    public void Set(string pallet, string item, string valueHex, params byte[][] keys) => Storage[Runtime.Key(pallet, item, keys)] = valueHex;

    /// <summary>What the node says of its keystore and role; null: it has no such methods (as chopsticks).</summary>
    public NodeSelf? Self { get; set; }

    /// <summary>The node's libp2p peer id; null: it has no system_localPeerId.</summary>
    public string? PeerId { get; set; } = NodeIdentity.PeerId("synthetic");

    /// <summary>A healthy node at block 100 (finalized 98, peers report 105) running this runtime.</summary>
    public Answer Healthy(string method, JsonElement parameters) =>
        SubstrateRpc.Answer(new ChainView(Best: 100, Finalized: 98, Highest: 105, Peers: 5, Version: "0.2.7-test", Runtime, Storage, Self, PeerId), method, parameters);
}

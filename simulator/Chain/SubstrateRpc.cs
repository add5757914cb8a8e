using System.Globalization;
using System.Text.Json;
using XxSimulator.Rpc;

namespace XxSimulator.Chain;

/// <summary>
/// A chain node as its RPC methods see it at one moment: heights, peers, runtime and storage (hex key to hex value),
/// what it says of itself (null: it has no keystore methods, as chopsticks) and its libp2p peer id (null: it has no
/// system_localPeerId).
/// </summary>
public sealed record ChainView(long Best, long Finalized, long Highest, int Peers, string Version, StakingRuntime Runtime,
    IReadOnlyDictionary<string, string> Storage, NodeSelf? Self = null, string? PeerId = null);

/// <summary>
/// The node's role (system_nodeRoles: "Authority" with --validator, else "Full"), the session keys its keystore holds
/// (hex, as author_hasSessionKeys takes them), and whether it refuses both as unsafe RPC (--rpc-methods safe).
/// </summary>
public sealed record NodeSelf(string Role, IReadOnlySet<string> KeysHeld, bool RefusesUnsafe);

/// <summary>
/// The JSON-RPC methods of a Substrate node that the exporter calls, answered from a <see cref="ChainView"/>. Blocks
/// are named by their number (the hash is the number in 32 bytes), so a header can be found from its hash.
/// </summary>
public static class SubstrateRpc
{
    public static Answer Answer(ChainView chain, string method, JsonElement parameters) => method switch
    {
        "chain_getBlockHash" => Json(BlockHash(Optional(parameters, 0) is { ValueKind: JsonValueKind.Number } number ? number.GetInt64() : chain.Best)),
        "chain_getFinalizedHead" => Json(BlockHash(chain.Finalized)),
        "chain_getHeader" => Json(Header(chain, Optional(parameters, 0) is { ValueKind: JsonValueKind.String } hash ? BlockNumber(hash.GetString()!) : chain.Best)),
        "system_health" => Json(new { peers = chain.Peers, isSyncing = false, shouldHavePeers = true }),
        "system_syncState" => Json(new { startingBlock = 0, currentBlock = chain.Best, highestBlock = chain.Highest }),
        "system_chain" => Json("xx network"),
        "system_version" => Json(chain.Version),
        "system_localPeerId" when chain.PeerId is { } peerId => Json(peerId),
        "state_getRuntimeVersion" => Json(new { specName = "xxnetwork", implName = "xxnetwork", specVersion = chain.Runtime.SpecVersion, implVersion = 0, stateVersion = 1 }),
        "state_getMetadata" => Json(chain.Runtime.MetadataHex),
        "state_getStorage" => Json(chain.Storage.GetValueOrDefault(parameters[0].GetString()!)),
        "state_getKeysPaged" => Json(KeysPaged(chain, parameters[0].GetString()!, parameters[1].GetInt32(),
            Optional(parameters, 2) is { ValueKind: JsonValueKind.String } start ? start.GetString() : null)),
        "state_queryStorageAt" => Json(new[]
        {
            new
            {
                block = Optional(parameters, 1) is { ValueKind: JsonValueKind.String } at ? at.GetString() : BlockHash(chain.Best),
                changes = parameters[0].EnumerateArray().Select(k => new[] { k.GetString(), chain.Storage.GetValueOrDefault(k.GetString()!) }).ToArray(),
            },
        }),
        "system_nodeRoles" when chain.Self is { } self => self.RefusesUnsafe ? Unsafe : Json(new[] { self.Role }),
        "author_hasSessionKeys" when chain.Self is { } self => self.RefusesUnsafe ? Unsafe : Json(self.KeysHeld.Contains(parameters[0].GetString()!)),
        _ => XxSimulator.Rpc.Answer.MethodNotFound(method),
    };

    /// <summary>What a Substrate node running with --rpc-methods safe answers an unsafe method.</summary>
    public static readonly Answer Unsafe = new Answer.Error(-32601, "RPC call is unsafe to be called externally");

    public static string BlockHash(long number) => "0x" + number.ToString("x64", CultureInfo.InvariantCulture);

    /// <summary>The block a storage read names (its optional last parameter, a block hash), or null for the best block.</summary>
    public static long? StorageReadAt(string method, JsonElement parameters) =>
        (method switch { "state_getStorage" or "state_queryStorageAt" => 1, "state_getKeysPaged" => 3, _ => -1 }) is var at && at >= 0
            && Optional(parameters, at) is { ValueKind: JsonValueKind.String } hash ? BlockNumber(hash.GetString()!) : null;

    private static long BlockNumber(string hash) =>
        hash.StartsWith("0x", StringComparison.Ordinal) && hash.Length == 66
            ? long.Parse(hash.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : throw new FormatException($"{hash} is not a block hash");

    /// <summary>A header, or null for a block this node does not have (as Substrate answers).</summary>
    private static object? Header(ChainView chain, long number) => number < 0 || number > chain.Best ? null : new
    {
        parentHash = BlockHash(Math.Max(0, number - 1)),
        number = "0x" + number.ToString("x", CultureInfo.InvariantCulture),
        stateRoot = BlockHash(0),
        extrinsicsRoot = BlockHash(0),
        digest = new { logs = Array.Empty<string>() },
    };

    private static string[] KeysPaged(ChainView chain, string prefix, int count, string? startAfter) => chain.Storage.Keys
        .Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        .Where(k => startAfter is null || string.Compare(k, startAfter, StringComparison.OrdinalIgnoreCase) > 0)
        .Order(StringComparer.OrdinalIgnoreCase).Take(count).ToArray();

    private static JsonElement? Optional(JsonElement parameters, int index) =>
        parameters.ValueKind == JsonValueKind.Array && parameters.GetArrayLength() > index ? parameters[index] : null;

    private static Answer.Result Json<T>(T value) => new(JsonSerializer.Serialize(value));
}

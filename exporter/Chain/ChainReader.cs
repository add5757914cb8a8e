using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using XxExporter.Chain.Rpc;
using XxExporter.Chain.Scale;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>Heights by status; <paramref name="Target"/> is the best block peers know, null where the node lacks system_syncState.</summary>
public sealed record BlockHeights(long Best, long Finalized, long? Target);

public sealed record NodeHealth(long Peers, bool Syncing);

/// <summary>
/// The chain's name, the node's version and its libp2p peer id: null if the node refused system_localPeerId, and
/// <paramref name="PeerIdRefusal"/> says why.
/// </summary>
public sealed record NodeInfo(string Chain, string Version, string? PeerId, string? PeerIdRefusal = null);

/// <summary>What the node says at one scrape, and its storage at the best block (<paramref name="Best"/>).</summary>
public sealed record ChainHead(BlockHeights Heights, NodeHealth Health, NodeInfo Info, long SpecVersion, ChainState Best);

/// <summary>
/// Reads the head of the chain: heights, health, runtime and who the node is, 7 requests where the node has
/// system_syncState. The runtime's metadata is loaded again only when its spec version changes; system_syncState
/// is asked until the node says it has no such method; the node's name, version and peer id once per connection
/// (a node changes them only by restarting, which drops the connection).
/// </summary>
public sealed class ChainReader(ChainConnection rpc, ILogger logger)
{
    private (long SpecVersion, RuntimeMetadata Metadata)? _runtime;
    private bool _syncStateMissing;
    private ((int, int) Connection, NodeInfo Info)? _info;

    public async Task<ChainHead> ReadAsync(CancellationToken token)
    {
        string best = ChainState.BlockHash("chain_getBlockHash", await rpc.CallAsync("chain_getBlockHash", [], token));
        var bestHeader = await rpc.CallAsync("chain_getHeader", [best], token);
        string finalized = ChainState.BlockHash("chain_getFinalizedHead", await rpc.CallAsync("chain_getFinalizedHead", [], token));
        var finalizedHeader = await rpc.CallAsync("chain_getHeader", [finalized], token);
        var health = await rpc.CallAsync("system_health", [], token);
        long? target = await SyncTargetAsync(token);
        var runtime = await rpc.CallAsync("state_getRuntimeVersion", [best], token);
        long specVersion = runtime.Property("state_getRuntimeVersion", "specVersion").Int64("state_getRuntimeVersion");
        var metadata = await MetadataAsync(best, specVersion, runtime, token);
        var info = await InfoAsync(token);
        return new ChainHead(new BlockHeights(ChainState.BlockNumber(bestHeader), ChainState.BlockNumber(finalizedHeader), target),
            new NodeHealth(health.Property("system_health", "peers").Int64("system_health"), health.Property("system_health", "isSyncing").Boolean("system_health")), info, specVersion,
            new ChainState(rpc, best, metadata));
    }

    /// <summary>system_syncState's highestBlock; some nodes answer "Method not found", and then the target is simply absent.</summary>
    private async Task<long?> SyncTargetAsync(CancellationToken token)
    {
        if (_syncStateMissing) return null;
        try
        {
            var sync = await rpc.CallAsync("system_syncState", [], token);
            if (sync.ValueKind != JsonValueKind.Object) throw new MalformedAnswerException($"system_syncState answered {sync.ValueKind}, not an object");
            return sync.TryGetProperty("highestBlock", out var highest) && highest.ValueKind == JsonValueKind.Number ? highest.GetInt64() : null;
        }
        catch (RpcErrorException ex)
        {
            // Optional: an error here never takes the chain down, and a node that lacks the method is not asked again.
            if (ex.MethodMissing)
            {
                _syncStateMissing = true;
                logger.LogInformation("The node has no system_syncState; the target height is not exported");
            }
            return null;
        }
    }

    private async Task<RuntimeMetadata> MetadataAsync(string block, long specVersion, JsonElement runtime, CancellationToken token)
    {
        if (_runtime is { } known && known.SpecVersion == specVersion) return known.Metadata;
        var metadata = MetadataParser.Parse(ChainState.Hex(await rpc.CallAsync("state_getMetadata", [block], token)));
        _runtime = (specVersion, metadata);
        logger.LogInformation("Loaded the metadata of runtime {SpecName} {SpecVersion}", runtime.Property("state_getRuntimeVersion", "specName").Text("state_getRuntimeVersion", ForeignText.TextLength), specVersion);
        return metadata;
    }

    private async Task<NodeInfo> InfoAsync(CancellationToken token)
    {
        var connection = rpc.Current;
        if (_info is { } known && known.Connection == connection) return known.Info;
        // Kept for the connection's life and shown only as labels: no more of them is kept than a label shows.
        string chain = LabelOrEmpty("system_chain", await rpc.CallAsync("system_chain", [], token));
        string version = LabelOrEmpty("system_version", await rpc.CallAsync("system_version", [], token));
        NodeInfo info;
        try
        {
            info = new NodeInfo(chain, version, PeerId(await rpc.CallAsync("system_localPeerId", [], token)));
        }
        catch (RpcErrorException ex)
        {
            // A safe method in Substrate, but a proxy or another implementation may refuse it: only the peer id is left out.
            info = new NodeInfo(chain, version, null, ex.Refusal(rpc.Endpoint, "the peer_id label of xx_chain_node_info"));
        }
        _info = (connection, info);
        return info;
    }

    private static string LabelOrEmpty(string method, JsonElement answer) => answer.ValueKind == JsonValueKind.Null ? "" : answer.Text(method, ForeignText.LabelLength);

    /// <summary>
    /// A peer id is a base58 multihash of the node's network key (46 to 53 characters in libp2p's forms). A shorter
    /// answer could not hold a key's hash, and two nodes sharing such an id would hide their equivocation, which is
    /// counted by peer id.
    /// </summary>
    private const int MinPeerIdLength = 32, MaxPeerIdLength = 64;

    private static readonly SearchValues<char> Base58 = SearchValues.Create("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz");

    /// <summary>The node's libp2p peer id (system_localPeerId): base58 text of bounded length, anything else a node fault.</summary>
    public static string PeerId(JsonElement answer)
    {
        string id = answer.Text("system_localPeerId");
        if (id.Length is < MinPeerIdLength or > MaxPeerIdLength)
            throw new MalformedAnswerException($"system_localPeerId answered {id.Length} characters, not a peer id ({MinPeerIdLength} to {MaxPeerIdLength})");
        if (id.AsSpan().IndexOfAnyExcept(Base58) is var at and >= 0)
            throw new MalformedAnswerException($"system_localPeerId answered text that is no peer id: character {at + 1} (U+{(int)id[at]:X4}) is not base58");
        return id;
    }
}

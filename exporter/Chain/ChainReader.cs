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

/// <summary>The chain's name, the node's version and its libp2p peer id (null if the node did not give it).</summary>
public sealed record NodeInfo(string Chain, string Version, string? PeerId);

/// <summary>What the node says at one scrape, and its storage at the best block (<paramref name="Best"/>).</summary>
public sealed record ChainHead(BlockHeights Heights, NodeHealth Health, NodeInfo Info, long SpecVersion, ChainState Best)
{
    /// <summary>Why the series of an optional method are left out, by method (<see cref="OptionalMethod{T}"/>).</summary>
    public IReadOnlyDictionary<string, string> LeftOut { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Reads the head of the chain: heights, health, runtime and who the node is, 7 requests where the node has
/// system_syncState. The runtime's metadata is loaded again only when its spec version changes; the node's name,
/// version and peer id are asked once per connection (a node changes them only by restarting, which drops the
/// connection). system_syncState and system_localPeerId are optional (<see cref="OptionalMethod{T}"/>): a node that
/// refuses them or answers them oddly loses only the target height or the peer id.
/// </summary>
public sealed class ChainReader(ChainConnection rpc, ILogger logger)
{
    private (long SpecVersion, RuntimeMetadata Metadata)? _runtime;
    private readonly OptionalMethod<long?> _syncState = new(rpc, "system_syncState", "xx_chain_block_height{status=\"target\"}", SyncTarget);
    private readonly OptionalMethod<string> _peerId = new(rpc, "system_localPeerId", "the peer_id label of xx_chain_node_info", PeerId, oncePerConnection: true);
    private ((int, int) Connection, string Chain, string Version)? _names;

    public async Task<ChainHead> ReadAsync(CancellationToken token)
    {
        string best = ChainState.BlockHash("chain_getBlockHash", await rpc.CallAsync("chain_getBlockHash", [], token));
        var bestHeader = await rpc.CallAsync("chain_getHeader", [best], token);
        string finalized = ChainState.BlockHash("chain_getFinalizedHead", await rpc.CallAsync("chain_getFinalizedHead", [], token));
        var finalizedHeader = await rpc.CallAsync("chain_getHeader", [finalized], token);
        var health = await rpc.CallAsync("system_health", [], token);
        var leftOut = new Dictionary<string, string>();
        long? target = (await _syncState.CallAsync([], leftOut, token)).Value;
        var runtime = await rpc.CallAsync("state_getRuntimeVersion", [best], token);
        long specVersion = runtime.Property("state_getRuntimeVersion", "specVersion").Int64("state_getRuntimeVersion");
        var metadata = await MetadataAsync(best, specVersion, runtime, token);
        var info = await InfoAsync(leftOut, token);
        return new ChainHead(new BlockHeights(ChainState.BlockNumber(bestHeader), ChainState.BlockNumber(finalizedHeader), target),
            new NodeHealth(health.Property("system_health", "peers").Int64("system_health"), health.Property("system_health", "isSyncing").Boolean("system_health")), info, specVersion,
            new ChainState(rpc, best, metadata)) { LeftOut = leftOut };
    }

    /// <summary>system_syncState's highestBlock: an object is its answer, and the target is simply absent where it holds no height.</summary>
    public static long? SyncTarget(JsonElement sync)
    {
        if (sync.ValueKind != JsonValueKind.Object) throw new MalformedAnswerException($"system_syncState answered {sync.ValueKind}, not an object");
        return sync.TryGetProperty("highestBlock", out var highest) && highest.ValueKind == JsonValueKind.Number && highest.TryGetInt64(out long height) ? height : null;
    }

    private async Task<RuntimeMetadata> MetadataAsync(string block, long specVersion, JsonElement runtime, CancellationToken token)
    {
        if (_runtime is { } known && known.SpecVersion == specVersion) return known.Metadata;
        var metadata = MetadataParser.Parse(ChainState.Hex(await rpc.CallAsync("state_getMetadata", [block], token)));
        _runtime = (specVersion, metadata);
        logger.LogInformation("Loaded the metadata of runtime {SpecName} {SpecVersion}", runtime.Property("state_getRuntimeVersion", "specName").Text("state_getRuntimeVersion", ForeignText.TextLength), specVersion);
        return metadata;
    }

    private async Task<NodeInfo> InfoAsync(Dictionary<string, string> leftOut, CancellationToken token)
    {
        var connection = rpc.Current;
        if (_names is not { } known || known.Connection != connection)
        {
            // Kept for the connection's life and shown only as labels: no more of them is kept than a label shows.
            string chain = LabelOrEmpty("system_chain", await rpc.CallAsync("system_chain", [], token));
            string version = LabelOrEmpty("system_version", await rpc.CallAsync("system_version", [], token));
            _names = known = (connection, chain, version);
        }
        // A safe method in Substrate, but a proxy or another implementation may refuse it: only the peer id is left out.
        return new NodeInfo(known.Chain, known.Version, (await _peerId.CallAsync([], leftOut, token)).Value);
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

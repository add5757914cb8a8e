using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>The chain's series: what <see cref="ChainReader"/> read, or <c>xx_chain_up 0</c> alone while the node cannot be read.</summary>
public sealed class ChainSeries(IMetricFactory factory)
{
    private readonly Gauge _up = Families.Gauge(factory, "xx_chain_up", "1 if the chain node answered the last collection over JSON-RPC, else 0.");
    private readonly Gauge _height = Families.Gauge(factory, "xx_chain_block_height",
        "Block height by status: best, finalized, target (the best block peers know; from system_syncState, absent if the node lacks it).", "status");
    private readonly Gauge _peers = Families.Gauge(factory, "xx_chain_peers", "Peers the node is connected to.");
    private readonly Gauge _syncing = Families.Gauge(factory, "xx_chain_syncing", "1 while the node is major-syncing, else 0.");
    private readonly Gauge _specVersion = Families.Gauge(factory, "xx_chain_runtime_spec_version", "Spec version of the runtime at the best block.");
    private readonly Gauge _nodeInfo = Families.Gauge(factory, "xx_chain_node_info",
        "The chain's name, the node's version and its libp2p peer id (system_localPeerId; empty if the node refuses it or gives no peer id); value 1.", "chain", "version", "peer_id");

    public void Write(Readings readings, ChainHead head)
    {
        readings.Set(_up, 1);
        readings.Set(_height, head.Heights.Best, "best");
        readings.Set(_height, head.Heights.Finalized, "finalized");
        if (head.Heights.Target is { } target) readings.Set(_height, target, "target");
        readings.Set(_peers, head.Health.Peers);
        readings.Set(_syncing, head.Health.Syncing);
        readings.Set(_specVersion, head.SpecVersion);
        readings.Set(_nodeInfo, 1, head.Info.Chain, head.Info.Version, head.Info.PeerId ?? "");
        foreach (var (method, why) in head.LeftOut) readings.Notice(method, why);
    }

    /// <summary>The node answered but a bug of ours left the read unfinished: the node is not said to be down, and nothing else is known.</summary>
    public void Answered(Readings readings) => readings.Set(_up, 1);

    /// <summary>Stale heights would look like a stuck chain: while the node cannot be read, only that is said.</summary>
    public void Down(Readings readings) => readings.Set(_up, 0);
}

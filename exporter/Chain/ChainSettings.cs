namespace XxExporter.Chain;

/// <param name="Endpoints">JSON-RPC URLs tried in order until one answers (the node's --rpc-port 9944, the handbook's --ws-port 63007).</param>
/// <param name="Stash">The validator's stash account id (32 bytes), or null to find it from the IDF.</param>
/// <param name="IdfPath">The node's cmix-IDF.json: its hexNodeID is compared with the cMix ID on chain.</param>
public sealed record ChainSettings(IReadOnlyList<Uri> Endpoints, byte[]? Stash, string IdfPath, TimeSpan Timeout, int MissedErasWindow)
{
    public bool Enabled => Endpoints.Count > 0;
}

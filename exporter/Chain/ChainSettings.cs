using XxExporter.Settings;

namespace XxExporter.Chain;

public sealed record ChainSettings
{
    /// <summary>JSON-RPC URLs tried in order until one answers (the node's --rpc-port 9944, the handbook's --ws-port 63007).</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }
    /// <summary>The validator's stash account id (32 bytes), or null to find it from the IDF.</summary>
    public required byte[]? Stash { get; init; }
    /// <summary>The node's cmix-IDF.json: its hexNodeID is compared with the cMix ID on chain.</summary>
    public required string IdfPath { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int MissedErasWindow { get; init; }

    public bool Enabled => Endpoints.Count > 0;

    public static class Table
    {
        public static readonly Setting<IReadOnlyList<Uri>> RpcUrl = new("chain.rpc-url", "Chain:RpcUrl", "ws://127.0.0.1:9944,ws://127.0.0.1:63007",
            "Chain node JSON-RPC (ws://, wss://, http://, https://); a comma-separated list is tried in order; empty: not collected.",
            text => Parsers.List(text).Select(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss" or "http" or "https"
                ? uri
                : throw new FormatException($"{url} is not a ws://, wss://, http:// or https:// URL")).ToList());

        public static readonly Setting<byte[]?> Stash = new("chain.stash", "Chain:Stash", "",
            "The validator's stash address (SS58, prefix 55); empty: found on chain from the IDF.", text => text.Length > 0 ? Ss58.Decode(text) : null);

        public static readonly Setting<string> IdfPath = new("chain.idf-path", "Chain:IdfPath", "/opt/xxnetwork/cred/cmix-IDF.json",
            "The node's IDF: its hexNodeID finds the stash, is compared with the cMix ID on chain, and is exported as the node ID.", Parsers.Text)
        { Kind = SettingKind.Path };

        public static readonly Setting<TimeSpan> Timeout = new("chain.timeout", "Chain:Timeout", "5s",
            "Per-scrape timeout of the chain collection (and of each JSON-RPC call).", Parsers.Duration("100ms", "1m"));

        public static readonly Setting<int> MissedErasWindow = new("chain.missed-eras-window", "Chain:MissedErasWindow", "28",
            "Finished eras xx_validator_missed_eras looks back over (1-84).", Parsers.Int(1, 84));

        public static IReadOnlyList<Setting> All { get; } = [RpcUrl, Stash, IdfPath, Timeout, MissedErasWindow];
    }

    public static ChainSettings Read(SettingValues values) => new()
    {
        Endpoints = values.Get(Table.RpcUrl), Stash = values.Get(Table.Stash), IdfPath = values.Get(Table.IdfPath),
        Timeout = values.Get(Table.Timeout), MissedErasWindow = values.Get(Table.MissedErasWindow),
    };
}

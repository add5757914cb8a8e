namespace XxExporter.Chain;

/// <summary>
/// XXCmix.CmixHashes: the BLAKE2s of each binary the wrappers install, by field name (server, fatbin, libpow,
/// gateway, scheduling, wrapper, udb, notifications; docs/xx-node-facts.md, "Binaries behind the chain"). Read by name
/// through the runtime's metadata, so a field added or moved by an upgrade is still found.
/// </summary>
public static class CmixHashes
{
    /// <summary>The fields every runtime so far has, in their on-chain order; <c>extra</c> (Option of a list) names none.</summary>
    public static readonly IReadOnlyList<string> Fields = ["server", "fatbin", "libpow", "gateway", "scheduling", "wrapper", "udb", "notifications"];

    /// <summary>One request (the binaries source makes it every few minutes). Null if the item is not set (a chain that never set hashes) or not in this runtime.</summary>
    public static async Task<IReadOnlyDictionary<string, byte[]>?> ReadAsync(ChainState state, CancellationToken token)
    {
        if (!state.Has("XXCmix", "CmixHashes")) return null;
        var batch = state.Batch();
        var hashes = batch.Item("XXCmix", "CmixHashes");
        await batch.ReadAsync(token);
        if (hashes.Value is not { } value) return null;
        return Fields.Where(value.HasField).ToDictionary(field => field, field => value.Field(field).Bytes);
    }
}

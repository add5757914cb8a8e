using System.Text;
using System.Text.Json;
using SimpleBase;
using XxExporter.Chain;

namespace XxSimulator.Node;

/// <summary>
/// Who the simulated node is: its cMix node ID (as its logs name it and its IDF holds it) and its validator stash,
/// the dev account Alice, bonded on chain with that cMix ID.
/// </summary>
public static class NodeIdentity
{
    /// <summary>The node ID as cMix logs it: base64 of the 32-byte ID and the node type byte (2).</summary>
    public const string Base64Id = "MYqKI26Kc3KkJOMmF5n0tiwlSY/lhYCFYreTRh9c4NAC";

    /// <summary>Alice's public key (//Alice, sr25519), the stash of the simulated validator.</summary>
    public static byte[] Stash => Convert.FromHexString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");

    public static string StashAddress => Ss58.Encode(Stash);

    /// <summary>The ID without its type byte: what the IDF's hexNodeID and the chain's cMix ID hold.</summary>
    public static byte[] CmixId => Convert.FromBase64String(Base64Id)[..32];

    /// <summary>
    /// A libp2p peer id as a Substrate node shows it (12D3KooW…): the identity multihash of an ed25519 public key in
    /// base58, the key here made from <paramref name="name"/>, so one name gives one id.
    /// </summary>
    public static string PeerId(string name)
    {
        byte[] key = StorageKeys.Blake2b(256, Encoding.UTF8.GetBytes($"xx-simulator peer {name}"));
        // multihash identity (0x00), 36 bytes of protobuf PublicKey: type Ed25519 (0x08 0x01), data of 32 bytes (0x12 0x20).
        return Base58.Bitcoin.Encode([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, .. key]);
    }

    /// <summary>cmix-IDF.json as the node writes it (xx primitives id/idf: id, type, salt, idBytes, hexNodeID).</summary>
    public static string IdfJson()
    {
        byte[] id = Convert.FromBase64String(Base64Id);
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = Base64Id,
            ["type"] = "node",
            ["salt"] = Convert.ToBase64String(StorageKeys.Blake2b(256, id)),
            ["idBytes"] = id.Select(b => (int)b).ToArray(),
            ["hexNodeID"] = ChainState.HexOf(CmixId),
        }, new JsonSerializerOptions { WriteIndented = true });
    }
}

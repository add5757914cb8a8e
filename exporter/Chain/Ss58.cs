using SimpleBase;

namespace XxExporter.Chain;

/// <summary>SS58 account addresses (xx network: prefix 55, addresses start with 6).</summary>
public static class Ss58
{
    public const int XxNetworkPrefix = 55;
    private static readonly byte[] Context = "SS58PRE"u8.ToArray();

    public static string Encode(ReadOnlySpan<byte> publicKey, int prefix = XxNetworkPrefix)
    {
        if (publicKey.Length != 32) throw new ArgumentException("an account id has 32 bytes");
        if (prefix is < 0 or > 63) throw new ArgumentOutOfRangeException(nameof(prefix), "only one-byte prefixes (0-63)");
        byte[] payload = [(byte)prefix, .. publicKey];
        byte[] checksum = StorageKeys.Blake2b(512, [.. Context, .. payload]);
        return Base58.Bitcoin.Encode([.. payload, checksum[0], checksum[1]]);
    }

    /// <summary>The 32-byte account id of an address; throws <see cref="FormatException"/> with the reason otherwise.</summary>
    public static byte[] Decode(string address, int expectedPrefix = XxNetworkPrefix)
    {
        byte[] raw;
        try
        {
            raw = Base58.Bitcoin.Decode(address);
        }
        catch (ArgumentException)
        {
            throw new FormatException($"\"{address}\" is not base58");
        }
        if (raw.Length != 35) throw new FormatException($"\"{address}\" is not a 32-byte account address");
        if (raw[0] != expectedPrefix) throw new FormatException($"\"{address}\" has network prefix {raw[0]}, not {expectedPrefix} (xx network)");
        byte[] checksum = StorageKeys.Blake2b(512, [.. Context, .. raw.AsSpan(0, 33)]);
        if (checksum[0] != raw[33] || checksum[1] != raw[34]) throw new FormatException($"\"{address}\" has a bad checksum");
        return raw[1..33];
    }
}

namespace XxSimulator.Node;

/// <summary>
/// Writes <c>cmix-err.log</c> as a stopping cMix node does: the base64 of a protobuf RoundError with its round ID (1),
/// reporting node (2), error text (3) and signature (4), as docs/xx-node-facts.md (2.3) describes.
/// </summary>
public static class CmixErrorFile
{
    public const string FileName = "cmix-err.log";

    /// <summary>The file's content for an error of <paramref name="nodeId"/> (33 bytes: the ID and its type byte).</summary>
    public static string Encode(ulong roundId, byte[] nodeId, string error)
    {
        var message = new List<byte>();
        if (roundId != 0) { message.Add(1 << 3); Varint(message, roundId); } // proto3 leaves a zero field out
        LengthDelimited(message, 2, nodeId);
        LengthDelimited(message, 3, System.Text.Encoding.UTF8.GetBytes(error));
        var signature = new List<byte>(); // an RSASignature message: nonce (1) and signature (2)
        LengthDelimited(signature, 1, new byte[32]);
        LengthDelimited(signature, 2, new byte[256]);
        LengthDelimited(message, 4, [.. signature]);
        return Convert.ToBase64String([.. message]);
    }

    /// <summary>Writes the file into <paramref name="folder"/> with <paramref name="written"/> as its modification time.</summary>
    public static void Write(string folder, DateTimeOffset written, ulong roundId, string error)
    {
        string path = Path.Combine(folder, FileName);
        File.WriteAllText(path, Encode(roundId, [.. NodeIdentity.CmixId, 2], error));
        File.SetLastWriteTimeUtc(path, written.UtcDateTime);
    }

    private static void LengthDelimited(List<byte> message, int field, byte[] value)
    {
        message.Add((byte)(field << 3 | 2));
        Varint(message, (ulong)value.Length);
        message.AddRange(value);
    }

    private static void Varint(List<byte> message, ulong value)
    {
        for (; value >= 0x80; value >>= 7) message.Add((byte)(value | 0x80));
        message.Add((byte)value);
    }
}

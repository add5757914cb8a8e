using System.Text.Json;
using XxExporter.Files;

namespace XxExporter.Chain;

/// <summary>The node identity file (cmix-IDF.json): its <c>hexNodeID</c> is the cMix ID bonded on chain.</summary>
public static class CmixIdf
{
    /// <summary>
    /// The 32-byte node ID, or null if the file does not exist. Throws <see cref="InvalidDataException"/> for a
    /// malformed file, <see cref="IOException"/> for one that cannot be read or is not a regular file.
    /// </summary>
    public static byte[]? ReadNodeId(string path) => File.Exists(path) ? NodeIdOf(path, SmallFile.ReadAllBytes(path)) : null;

    /// <summary>The 32-byte node ID in an IDF's content; throws <see cref="InvalidDataException"/> naming <paramref name="path"/> if there is none.</summary>
    public static byte[] NodeIdOf(string path, byte[] content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            string hex = document.RootElement.GetProperty("hexNodeID").GetString() ?? "";
            byte[] id = Convert.FromHexString(hex.StartsWith("0x", StringComparison.Ordinal) ? hex[2..] : hex);
            return id.Length == 32 ? id : throw new InvalidDataException($"{path}: hexNodeID has {id.Length} bytes, not 32");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not a cMix IDF with a hexNodeID ({ex.Message})", ex);
        }
    }
}

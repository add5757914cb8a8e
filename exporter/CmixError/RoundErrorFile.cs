using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using XxExporter.Telemetry;

namespace XxExporter.CmixError;

/// <summary>
/// The error a cMix node stopped on, from its <c>cmix-err.log</c> (docs/xx-node-facts.md, 2.3).
/// </summary>
/// <param name="RoundId">The failed round; 0 for a failure of the node not tied to a round.</param>
/// <param name="NodeId">The node that reported it, as the xx dashboard shows node IDs; null if the file names none.</param>
/// <param name="Error">
/// The error text on one line (its lines joined by " / "), as a log line or the status page shows it: by the rule
/// for foreign text (<see cref="ForeignText.TextLength"/>).
/// </param>
public sealed record RoundError(ulong RoundId, string? NodeId, string Error);

/// <summary>
/// Decodes <c>cmix-err.log</c>: the base64 (standard alphabet) of a protobuf <c>RoundError</c> from the elixxir comms
/// <c>mixmessages</c> definitions, fields 1 <c>Id</c> (uint64), 2 <c>NodeId</c> (bytes), 3 <c>Error</c> (string) and
/// 4 <c>Signature</c> (a message, skipped) (docs/xx-node-facts.md, 2.3). Pure: no I/O.
/// </summary>
public static class RoundErrorFile
{
    private const int IdField = 1, NodeIdField = 2, ErrorField = 3;
    private const byte NodeType = 2; // the type byte the dashboard's node IDs end with

    /// <summary>
    /// The error in <paramref name="content"/>, or null with <paramref name="problem"/> saying in a sentence fragment
    /// why the content is no RoundError (not base64, not protobuf, no error text).
    /// </summary>
    public static RoundError? TryDecode(ReadOnlySpan<byte> content, out string? problem)
    {
        string text = Encoding.ASCII.GetString(content).Trim();
        var bytes = new byte[text.Length / 4 * 3 + 3];
        if (text.Length == 0) { problem = "is empty"; return null; }
        if (!Convert.TryFromBase64String(text, bytes, out int length)) { problem = "is not base64 text"; return null; }
        return TryDecodeMessage(bytes.AsSpan(0, length), out problem);
    }

    private static RoundError? TryDecodeMessage(ReadOnlySpan<byte> message, out string? problem)
    {
        ulong roundId = 0;
        string? nodeId = null, error = null;
        try
        {
            var input = new CodedInputStream(message.ToArray());
            for (uint tag; (tag = input.ReadTag()) != 0;)
            {
                var (field, wire) = (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag));
                switch (field)
                {
                    case IdField when wire == WireFormat.WireType.Varint:
                        roundId = input.ReadUInt64();
                        break;
                    case NodeIdField when wire == WireFormat.WireType.LengthDelimited:
                        nodeId = NodeIdText(input.ReadBytes().Span);
                        break;
                    case ErrorField when wire == WireFormat.WireType.LengthDelimited:
                        error = OneLine(input.ReadString());
                        break;
                    case IdField or NodeIdField or ErrorField:
                        problem = $"is protobuf whose field {field} has the wrong type for a RoundError";
                        return null;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            problem = "is base64 but not a protobuf message";
            return null;
        }
        if (error is null) { problem = "is a protobuf message without the error text of a RoundError"; return null; }
        problem = null;
        return new RoundError(roundId, nodeId, error);
    }

    /// <summary>
    /// IDs are 33 bytes, the 32-byte ID and its type; shown as the dashboard does (docs/xx-node-facts.md, 1). Any other
    /// is shown as it is, but only as much of it is encoded as an ID is shown (<see cref="ForeignText.LabelLength"/>).
    /// </summary>
    private static string NodeIdText(ReadOnlySpan<byte> id)
    {
        if (id.Length == 32) return Convert.ToBase64String([.. id, NodeType]);
        var head = id[..Math.Min(id.Length, ForeignText.LabelLength / 4 * 3 + 3)];
        return ForeignText.Show(Convert.ToBase64String(head), more: head.Length < id.Length, whole: id, ForeignText.LabelLength);
    }

    /// <summary>The text's non-blank lines joined by " / ", built only as far as it is shown.</summary>
    private static string OneLine(string text)
    {
        var line = new StringBuilder();
        bool more = false;
        foreach (var part in text.AsSpan().EnumerateLines())
        {
            var trimmed = part.Trim();
            if (trimmed.IsEmpty) continue;
            if (line.Length > ForeignText.TextLength)
            {
                more = true;
                break;
            }
            if (line.Length > 0) line.Append(" / ");
            line.Append(trimmed[..Math.Min(trimmed.Length, ForeignText.TextLength + 1)]);
        }
        if (line.Length == 0) return "(no error text)";
        return ForeignText.Show(line.ToString(), more, MemoryMarshal.AsBytes(text.AsSpan()), ForeignText.TextLength);
    }
}

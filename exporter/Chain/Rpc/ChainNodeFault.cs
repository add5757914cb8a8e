using System.Runtime.InteropServices;
using System.Text.Json;
using XxExporter.Chain.Scale;
using XxExporter.Telemetry;

namespace XxExporter.Chain.Rpc;

/// <summary>
/// A fault of the chain node, judged where its answer is read: no answer (<see cref="RpcUnavailableException"/>), a
/// JSON-RPC error (<see cref="RpcErrorException"/>), an answer over the bounds or not in the shape asked for
/// (<see cref="MalformedAnswerException"/>), or chain state that cannot be what the reader needs. Storage that does
/// not decode is a <see cref="ScaleDecodeException"/>, from the decoder that judges it. Anything else thrown while
/// reading the chain is a bug of the exporter (<c>ChainBugs</c>), never "the node is not answering".
/// </summary>
public class ChainNodeFault(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True for a fault of the node or of what it sent; false for a bug of ours.</summary>
    public static bool Is(Exception ex) => ex is ChainNodeFault or ScaleDecodeException;
}

/// <summary>An answer that is JSON-RPC but not what the method answers: a missing property, a value of the wrong kind or size.</summary>
public sealed class MalformedAnswerException(string message) : ChainNodeFault(message);

/// <summary>Reads what a node answered, each mismatch a <see cref="MalformedAnswerException"/> naming the method.</summary>
public static class RpcAnswer
{
    public static JsonElement Property(this JsonElement answer, string method, string name) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty(name, out var value)
            ? value
            : throw new MalformedAnswerException($"{method} answered {answer.ValueKind} without \"{name}\"");

    public static long Int64(this JsonElement value, string method) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number)
            ? number
            : throw new MalformedAnswerException($"{method} answered {value.ValueKind} where a whole number belongs");

    public static bool Boolean(this JsonElement value, string method) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new MalformedAnswerException($"{method} answered {value.ValueKind}, not true or false"),
    };

    public static string Text(this JsonElement value, string method) =>
        value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new MalformedAnswerException($"{method} answered {value.ValueKind} where text belongs");

    /// <summary>
    /// Text the node answered, as a label or a sentence shows it (at most <paramref name="maxLength"/> characters,
    /// <see cref="ForeignText"/>): only as much of it is decoded as is shown.
    /// </summary>
    public static string Text(this JsonElement value, string method, int maxLength) =>
        value.ValueKind == JsonValueKind.String
            ? ForeignText.FromJson(JsonMarshal.GetRawUtf8Value(value)[1..^1], maxLength)
            : throw new MalformedAnswerException($"{method} answered {value.ValueKind} where text belongs");

    /// <summary>Any value the node answered, as its JSON, for a sentence that quotes it (<see cref="ForeignText.TextLength"/>).</summary>
    public static string Quoted(this JsonElement value) => ForeignText.FromJson(JsonMarshal.GetRawUtf8Value(value), ForeignText.TextLength);

    public static JsonElement.ArrayEnumerator Items(this JsonElement value, string method) =>
        value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : throw new MalformedAnswerException($"{method} answered {value.ValueKind} where a list belongs");
}

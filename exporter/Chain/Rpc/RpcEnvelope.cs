using System.Text;
using System.Text.Json;

namespace XxExporter.Chain.Rpc;

/// <summary>What one message is: the answer to call <paramref name="Id"/>, or <paramref name="Ignored"/> saying why it answers no call.</summary>
internal readonly record struct RpcEnvelope(long Id, string? Ignored)
{
    /// <summary>
    /// The whole-number id of a JSON-RPC answer (an object with "id" at its top level), or why the message answers
    /// no call: not JSON, a notification (no id; nothing here subscribes), an id that is not one of ours (a string,
    /// null for an error about an unparsable request). More tokens than any answer of a node has throw: a parse
    /// keeps a row per token larger than the token itself, so a hostile array of tiny values would cost many times its size.
    /// </summary>
    public static RpcEnvelope Read(ReadOnlySpan<byte> message)
    {
        long id = 0;
        bool found = false;
        int tokens = 0;
        var reader = new Utf8JsonReader(message);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return new RpcEnvelope(0, "not a JSON object");
            while (reader.Read())
            {
                if (++tokens > RpcBounds.MaxTokensPerMessage) throw new OverBoundException($"a message of more than {RpcBounds.MaxTokensPerMessage} JSON tokens");
                if (reader.CurrentDepth != 1 || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("id"u8)) continue;
                reader.Read();
                found = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out id);
                if (!found) return new RpcEnvelope(0, $"its id {Encoding.UTF8.GetString(reader.ValueSpan)} is not one of ours");
            }
        }
        catch (JsonException ex)
        {
            return new RpcEnvelope(0, $"not JSON ({ex.Message})");
        }
        return found ? new RpcEnvelope(id, null) : new RpcEnvelope(0, "a notification (no id)");
    }

    /// <summary>
    /// The result of <paramref name="method"/> in its answer (an object, bounded by <see cref="Read"/>): only that
    /// value is parsed, into memory of its own that outlives the message; a JSON-RPC error throws.
    /// </summary>
    public static JsonElement ResultOf(string method, ReadOnlySpan<byte> answer)
    {
        JsonElement? result = null, error = null;
        var reader = new Utf8JsonReader(answer);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isResult = reader.ValueTextEquals("result"u8), isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isResult) result = JsonElement.ParseValue(ref reader);
                else if (isError) error = JsonElement.ParseValue(ref reader);
                else reader.Skip();
            }
        }
        catch (JsonException ex)
        {
            throw new RpcUnavailableException($"{method}: the answer is not JSON ({ex.Message})", ex);
        }
        if (error is { ValueKind: JsonValueKind.Object } failure)
        {
            int code = failure.TryGetProperty("code", out var c) && c.TryGetInt32(out int n) ? n : 0;
            string message = failure.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "error";
            throw new RpcErrorException(method, code, message);
        }
        return result ?? throw new RpcUnavailableException($"{method}: the answer has neither result nor error");
    }
}

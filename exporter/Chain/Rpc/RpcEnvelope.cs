using System.Text.Json;
using XxExporter.Telemetry;

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
                if (!found) return new RpcEnvelope(0, $"its id {ForeignText.FromJson(reader.ValueSpan, ForeignText.TextLength)} is not one of ours");
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
    /// value is parsed, into memory of its own that outlives the message; a JSON-RPC error throws, its message cut
    /// as it is read (<see cref="ForeignText"/>): a node's megabytes of error text are never kept.
    /// </summary>
    public static JsonElement ResultOf(string method, ReadOnlySpan<byte> answer)
    {
        JsonElement? result = null;
        (int Code, string Message)? error = null;
        var reader = new Utf8JsonReader(answer);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isResult = reader.ValueTextEquals("result"u8), isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isResult) result = JsonElement.ParseValue(ref reader);
                else if (isError) error = ErrorOf(ref reader);
                else reader.Skip();
            }
        }
        catch (JsonException ex)
        {
            throw new RpcUnavailableException($"{method}: the answer is not JSON ({ex.Message})", ex);
        }
        if (error is { } failure) throw new RpcErrorException(method, failure.Code, failure.Message);
        return result ?? throw new RpcUnavailableException($"{method}: the answer has neither result nor error");
    }

    /// <summary>The code and message of a JSON-RPC error object; null if the error is no object. Other members are skipped unread.</summary>
    private static (int Code, string Message)? ErrorOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        (int code, string message) = (0, "error");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isCode = reader.ValueTextEquals("code"u8), isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isCode && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int n)) code = n;
            else if (isMessage && reader.TokenType == JsonTokenType.String) message = ForeignText.FromJson(reader.ValueSpan, ForeignText.TextLength);
            else reader.Skip();
        }
        return (code, message);
    }
}

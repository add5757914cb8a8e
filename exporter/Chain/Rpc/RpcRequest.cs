using System.Buffers;
using System.Text.Json;

namespace XxExporter.Chain.Rpc;

/// <summary>A JSON-RPC parameter: a string, a whole number, a bool, or a list of strings.</summary>
public readonly record struct RpcParam(object Value)
{
    public static implicit operator RpcParam(string value) => new(value);
    public static implicit operator RpcParam(long value) => new(value);
    public static implicit operator RpcParam(bool value) => new(value);
    public static implicit operator RpcParam(string[] value) => new(value);
}

/// <summary>Writes a JSON-RPC 2.0 request.</summary>
internal static class RpcRequest
{
    public static byte[] Write(long id, string method, RpcParam[] parameters)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            json.WriteNumber("id", id);
            json.WriteString("method", method);
            json.WriteStartArray("params");
            foreach (var parameter in parameters)
            {
                switch (parameter.Value)
                {
                    case string text: json.WriteStringValue(text); break;
                    case long number: json.WriteNumberValue(number); break;
                    case bool flag: json.WriteBooleanValue(flag); break;
                    case string[] list:
                        json.WriteStartArray();
                        foreach (string item in list) json.WriteStringValue(item);
                        json.WriteEndArray();
                        break;
                }
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }
}

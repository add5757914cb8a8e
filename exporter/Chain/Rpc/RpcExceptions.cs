namespace XxExporter.Chain.Rpc;

/// <summary>The node answered with a JSON-RPC error object.</summary>
public sealed class RpcErrorException(string method, int code, string message) : ChainNodeFault($"{method}: {message} (code {code})")
{
    public const int MethodNotFound = -32601;
    public int Code { get; } = code;
}

/// <summary>The node could not be reached, did not answer in time, or sent something that is not JSON-RPC.</summary>
public sealed class RpcUnavailableException(string message, Exception? inner = null) : ChainNodeFault(message, inner);

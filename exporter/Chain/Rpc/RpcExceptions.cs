namespace XxExporter.Chain.Rpc;

/// <summary>The node answered with a JSON-RPC error object.</summary>
public sealed class RpcErrorException(string method, int code, string message) : ChainNodeFault($"{method}: {message} (code {code})")
{
    public const int MethodNotFound = -32601;
    public string Method { get; } = method;
    public int Code { get; } = code;

    /// <summary>The node lacks the method for good: "Method not found" (some nodes over HTTP omit the code), or refused as unsafe (the same code).</summary>
    public bool MethodMissing => Code == MethodNotFound || Message.Contains("Method not found", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Why <paramref name="series"/> is left out when the node at <paramref name="endpoint"/> answers an optional
    /// method with this error: refused as unsafe (-32601 "RPC call is unsafe to be called externally"), not offered
    /// ("Method not found", as chopsticks), or any other error. None of them is a failure of the collection.
    /// </summary>
    public string Refusal(Uri endpoint, string series) =>
        Message.Contains("unsafe", StringComparison.OrdinalIgnoreCase)
            ? $"The chain node at {endpoint} refuses {Method} as an unsafe RPC method (it runs with --rpc-methods safe, or its RPC listens beyond loopback): "
              + $"start it with --rpc-methods unsafe and its RPC on 127.0.0.1 only (no --rpc-external or --ws-external), and point --chain.rpc-url at that loopback port; {series} is left out until then"
            : MethodMissing
                ? $"The chain node at {endpoint} has no {Method} ({Message}): {series} is left out"
                : $"The chain node at {endpoint} answers {Method} with an error ({Message}): {series} is left out until it reconnects";
}

/// <summary>The node could not be reached, did not answer in time, or sent something that is not JSON-RPC.</summary>
public sealed class RpcUnavailableException(string message, Exception? inner = null) : ChainNodeFault(message, inner);

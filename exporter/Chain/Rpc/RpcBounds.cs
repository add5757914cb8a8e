namespace XxExporter.Chain.Rpc;

/// <summary>The largest answer read from a node, over either transport: anything larger is not a node.</summary>
public static class RpcBounds
{
    /// <summary>The largest answer of an xx node is state_getMetadata, well under this as hex.</summary>
    public const int MaxMessageBytes = 4 << 20;
    /// <summary>Far more tokens than the answers with most (storage pages of 500 keys) hold; a parse keeps a row of its own per token.</summary>
    public const int MaxTokensPerMessage = 1 << 16;
}

/// <summary>A message larger than any answer of a node (<see cref="RpcBounds"/>).</summary>
internal sealed class OverBoundException(string message) : Exception(message);

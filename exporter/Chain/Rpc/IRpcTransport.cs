using System.Text.Json;

namespace XxExporter.Chain.Rpc;

/// <summary>How a request reaches the node and its answer comes back: <see cref="HttpTransport"/> or <see cref="WebSocketTransport"/>.</summary>
internal interface IRpcTransport : IAsyncDisposable
{
    /// <summary>WebSocket connections opened so far: 0 means this endpoint never answered the upgrade (always 0 over HTTP).</summary>
    int Connections { get; }

    /// <summary>Sends <paramref name="request"/> (call <paramref name="id"/>) and returns its result.</summary>
    Task<JsonElement> CallAsync(long id, string method, byte[] request, CancellationToken token);
}

using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace XxExporter.Chain.Rpc;

/// <summary>
/// A JSON-RPC 2.0 client for a Substrate node over WebSocket (<c>ws://</c>, <c>wss://</c>; <see cref="WebSocketTransport"/>)
/// or HTTP (<c>http://</c>, <c>https://</c>; <see cref="HttpTransport"/>): one long-lived connection, every call
/// under a timeout, reconnects backed off (<see cref="RpcBackoff"/>). Answers over either transport are read the same
/// way (<see cref="RpcEnvelope"/>), within one bound (<see cref="RpcBounds"/>), and only their result is kept.
/// </summary>
public sealed class JsonRpcClient : IAsyncDisposable
{
    private readonly TimeSpan _timeout;
    private readonly IRpcTransport _transport;
    private long _nextId;

    public JsonRpcClient(Uri endpoint, TimeSpan timeout, ILogger logger)
    {
        _timeout = timeout;
        _transport = endpoint.Scheme switch
        {
            "http" or "https" => new HttpTransport(endpoint),
            "ws" or "wss" => new WebSocketTransport(endpoint, logger),
            _ => throw new ArgumentException($"{endpoint} is not a ws://, wss://, http:// or https:// URL"),
        };
    }

    /// <summary>WebSocket connections opened so far: 0 means this endpoint never answered the upgrade.</summary>
    public int Connections => _transport.Connections;

    /// <summary>Calls <paramref name="method"/>; returns its <c>result</c> (its own copy, safe to keep).</summary>
    public async Task<JsonElement> CallAsync(string method, RpcParam[] parameters, CancellationToken cancel = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_timeout);
        long id = Interlocked.Increment(ref _nextId);
        try
        {
            return await _transport.CallAsync(id, method, RpcRequest.Write(id, method, parameters), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new RpcUnavailableException($"{method}: no answer within {_timeout.TotalSeconds:0.###}s");
        }
    }

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}

using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace XxExporter.Chain.Rpc;

/// <summary>
/// JSON-RPC over one WebSocket, opened once and reused, calls multiplexed by id (<see cref="RpcDispatcher"/>). A
/// WebSocket that leaves a call unanswered is dropped: a node that stopped answering, or a NAT that forgot the
/// connection, keeps it open for good.
/// </summary>
internal sealed class WebSocketTransport(Uri endpoint, ILogger logger) : IRpcTransport
{
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly RpcDispatcher _dispatcher = new(endpoint, logger);
    private readonly RpcBackoff _backoff = new(endpoint);
    private ClientWebSocket? _socket;
    private CancellationTokenSource? _receiveStop;

    public int Connections { get; private set; }

    public async Task<JsonElement> CallAsync(long id, string method, byte[] request, CancellationToken token)
    {
        var socket = await ConnectedSocketAsync(token);
        var pending = _dispatcher.Wait(id, method);
        try
        {
            await _sendGate.WaitAsync(token);
            try
            {
                await socket.SendAsync(request, WebSocketMessageType.Text, endOfMessage: true, token);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                Drop(socket, ex);
                throw new RpcUnavailableException($"{method}: connection lost ({ex.Message})", ex);
            }
            finally
            {
                _sendGate.Release();
            }
            return await pending.Answer.Task.WaitAsync(token);
        }
        catch (OperationCanceledException)
        {
            // Unanswered in time, whoever gave up waiting (the call's timeout or the scrape's): the next call gets a
            // new connection rather than another wait on one that may never answer again.
            Drop(socket, new TimeoutException($"no answer to {method}"));
            throw;
        }
        finally
        {
            _dispatcher.Forget(id);
        }
    }

    private async Task<ClientWebSocket> ConnectedSocketAsync(CancellationToken token)
    {
        if (_socket is { State: WebSocketState.Open } open) return open;
        await _connectGate.WaitAsync(token);
        try
        {
            if (_socket is { State: WebSocketState.Open } raced) return raced;
            _backoff.ThrowIfBackingOff();
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            try
            {
                await socket.ConnectAsync(endpoint, token);
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
            {
                // Cut short by the timeout too: an endpoint that drops SYNs or never answers the upgrade is backed
                // off like a refusing one (and the cancellation goes on up as it is).
                socket.Dispose();
                _backoff.Failed();
                if (ex is OperationCanceledException) throw;
                throw new RpcUnavailableException($"cannot connect to {endpoint}: {ex.GetBaseException().Message}", ex);
            }
            _socket?.Dispose();
            _socket = socket;
            _backoff.Connected();
            Connections++;
            _receiveStop = new CancellationTokenSource();
            _ = ReceiveLoopAsync(socket, _receiveStop.Token);
            return socket;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>Reads whole messages and completes the waiting call with the same id; ends when the socket does.</summary>
    private async Task ReceiveLoopAsync(ClientWebSocket socket, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using var message = new RpcMessageBuffer();
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(message.Free(), stop);
                    if (received.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the node closed the connection");
                    message.Advance(received.Count);
                }
                while (!received.EndOfMessage);
                _dispatcher.Dispatch(message.Bytes);
            }
        }
        catch (Exception ex)
        {
            // Whatever ends the loop takes the connection with it, a message no node sends (over the bound) too: a
            // socket nobody reads would time out every later call instead of reconnecting.
            Drop(socket, ex);
        }
    }

    /// <summary>The connection is gone: waiting calls fail now, the next call reconnects after the backoff.</summary>
    private void Drop(ClientWebSocket socket, Exception reason)
    {
        if (!ReferenceEquals(socket, _socket)) return;
        logger.LogDebug("JSON-RPC connection to {Endpoint} lost: {Error}", endpoint, reason.Message);
        _socket = null;
        _receiveStop?.Cancel();
        socket.Abort();
        socket.Dispose();
        _backoff.Failed();
        _dispatcher.FailAll(reason);
    }

    public async ValueTask DisposeAsync()
    {
        _receiveStop?.Cancel();
        if (_socket is { } socket)
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", quick.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException) { }
            socket.Dispose();
        }
        _connectGate.Dispose();
        _sendGate.Dispose();
    }
}

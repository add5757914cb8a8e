using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace XxExporter.Chain;

/// <summary>The node answered with a JSON-RPC error object.</summary>
public sealed class RpcErrorException(string method, int code, string message) : Exception($"{method}: {message} (code {code})")
{
    public const int MethodNotFound = -32601;
    public int Code { get; } = code;
}

/// <summary>The node could not be reached, did not answer in time, or sent something that is not JSON-RPC.</summary>
public sealed class RpcUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A JSON-RPC parameter: a string, a whole number, a bool, or a list of strings.</summary>
public readonly record struct RpcParam(object Value)
{
    public static implicit operator RpcParam(string value) => new(value);
    public static implicit operator RpcParam(long value) => new(value);
    public static implicit operator RpcParam(bool value) => new(value);
    public static implicit operator RpcParam(string[] value) => new(value);
}

/// <summary>
/// A JSON-RPC 2.0 client for a Substrate node over WebSocket (<c>ws://</c>, <c>wss://</c>) or HTTP (<c>http://</c>,
/// <c>https://</c>). One long-lived connection: a WebSocket is opened once and reused, HTTP keeps one connection
/// alive. Every call has a timeout. After a lost or refused connection, reconnects wait with exponential backoff
/// (1 s doubling to 30 s); calls during the wait fail at once instead of piling up.
/// </summary>
public sealed class JsonRpcClient : IAsyncDisposable
{
    private const int MaxResponseBytes = 32 << 20; // metadata is ~1 MB as hex; anything far larger is not a node
    private const int MaxValuesPerMessage = 1 << 20; // the largest real answers (storage pages) hold thousands
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Uri _endpoint;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly HttpClient? _http;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private ClientWebSocket? _socket;
    private CancellationTokenSource? _receiveStop;
    private long _nextId;
    private TimeSpan _backoff = TimeSpan.Zero;
    private DateTime _retryAfter = DateTime.MinValue;

    public JsonRpcClient(Uri endpoint, TimeSpan timeout, ILogger logger)
    {
        _endpoint = endpoint;
        _timeout = timeout;
        _logger = logger;
        if (endpoint.Scheme is "http" or "https")
        {
            _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
            {
                Timeout = Timeout.InfiniteTimeSpan,
                MaxResponseContentBufferSize = MaxResponseBytes,
            };
        }
        else if (endpoint.Scheme is not ("ws" or "wss"))
        {
            throw new ArgumentException($"{endpoint} is not a ws://, wss://, http:// or https:// URL");
        }
    }

    /// <summary>WebSocket connections opened so far: 0 means this endpoint never answered the upgrade.</summary>
    public int Connections { get; private set; }

    /// <summary>Calls <paramref name="method"/>; returns its <c>result</c> (a clone, safe to keep).</summary>
    public async Task<JsonElement> CallAsync(string method, RpcParam[] parameters, CancellationToken cancel = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_timeout);
        long id = Interlocked.Increment(ref _nextId);
        byte[] request = Request(id, method, parameters);
        try
        {
            return _http is not null
                ? await CallHttpAsync(method, request, timeout.Token)
                : await CallWebSocketAsync(id, method, request, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new RpcUnavailableException($"{method}: no answer within {_timeout.TotalSeconds:0.###}s");
        }
    }

    private async Task<JsonElement> CallHttpAsync(string method, byte[] request, CancellationToken token)
    {
        ThrowIfBackingOff();
        try
        {
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new("application/json");
            using var response = await _http!.PostAsync(_endpoint, content, token);
            byte[] body = await response.Content.ReadAsByteArrayAsync(token);
            Connected();
            return Result(method, body);
        }
        catch (HttpRequestException ex)
        {
            Failed();
            throw new RpcUnavailableException($"{method}: {ex.Message}", ex);
        }
    }

    private async Task<JsonElement> CallWebSocketAsync(long id, string method, byte[] request, CancellationToken token)
    {
        var socket = await ConnectedSocketAsync(token);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
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
            var response = await answer.Task.WaitAsync(token);
            return ResultOf(method, response);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task<ClientWebSocket> ConnectedSocketAsync(CancellationToken token)
    {
        if (_socket is { State: WebSocketState.Open } open) return open;
        await _connectGate.WaitAsync(token);
        try
        {
            if (_socket is { State: WebSocketState.Open } raced) return raced;
            ThrowIfBackingOff();
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            try
            {
                await socket.ConnectAsync(_endpoint, token);
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
            {
                // Cut short by the timeout too: an endpoint that drops SYNs or never answers the upgrade is backed
                // off like a refusing one (and the cancellation goes on up as it is).
                socket.Dispose();
                Failed();
                if (ex is OperationCanceledException) throw;
                throw new RpcUnavailableException($"cannot connect to {_endpoint}: {ex.GetBaseException().Message}", ex);
            }
            _socket?.Dispose();
            _socket = socket;
            Connected();
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
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer.GetMemory(64 * 1024), stop);
                    if (received.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the node closed the connection");
                    buffer.Advance(received.Count);
                    if (buffer.WrittenCount > MaxResponseBytes) throw new WebSocketException($"a message over {MaxResponseBytes} bytes");
                }
                while (!received.EndOfMessage);
                Dispatch(buffer.WrittenSpan);
                // The metadata answer (~0.6 MB) grows the buffer once; the steady answers fit in 64 KiB.
                if (buffer.Capacity > 256 * 1024) buffer = new ArrayBufferWriter<byte>(64 * 1024);
            }
        }
        catch (Exception ex)
        {
            // Whatever ends the loop takes the connection with it: a socket nobody reads would time out every later
            // call instead of reconnecting.
            Drop(socket, ex);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> message)
    {
        // One pass that allocates nothing finds the id first: only an answer someone waits for is parsed, once.
        if (!TryReadId(message, out long id, out string? ignored, out bool oversized))
        {
            // An answer too large to parse leaves its call to time out: say why where an operator looks.
            _logger.Log(oversized ? LogLevel.Warning : LogLevel.Debug, "Ignoring a message from {Endpoint}: {Reason}", _endpoint, ignored);
            return;
        }
        if (!_pending.TryRemove(id, out var waiting)) return;
        var reader = new Utf8JsonReader(message);
        waiting.TrySetResult(JsonElement.ParseValue(ref reader));
    }

    /// <summary>
    /// The whole-number id of a JSON-RPC answer (an object with "id" at its top level), or why the message answers
    /// no call: not JSON, a notification (no id; nothing here subscribes), an id that is not one of ours (a string,
    /// null for an error about an unparsable request), or more values than any answer of a node has - a parse keeps
    /// about 12 bytes per value, so a hostile array of 32 MiB would cost hundreds of MB.
    /// </summary>
    private static bool TryReadId(ReadOnlySpan<byte> message, out long id, out string? ignored, out bool oversized)
    {
        id = 0;
        oversized = false;
        bool found = false;
        int values = 0;
        var reader = new Utf8JsonReader(message);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                ignored = "not a JSON object";
                return false;
            }
            while (reader.Read())
            {
                if (++values > MaxValuesPerMessage)
                {
                    oversized = true;
                    ignored = $"more than {MaxValuesPerMessage} JSON values";
                    return false;
                }
                if (reader.CurrentDepth != 1 || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("id"u8)) continue;
                reader.Read();
                found = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out id);
                if (!found)
                {
                    ignored = $"its id {Encoding.UTF8.GetString(reader.ValueSpan)} is not one of ours";
                    return false;
                }
            }
        }
        catch (JsonException ex)
        {
            ignored = $"not JSON ({ex.Message})";
            return false;
        }
        ignored = found ? null : "a notification (no id)";
        return found;
    }

    /// <summary>The connection is gone: waiting calls fail now, the next call reconnects after the backoff.</summary>
    private void Drop(ClientWebSocket socket, Exception reason)
    {
        if (!ReferenceEquals(socket, _socket)) return;
        _logger.LogDebug("JSON-RPC connection to {Endpoint} lost: {Error}", _endpoint, reason.Message);
        _socket = null;
        _receiveStop?.Cancel();
        socket.Abort();
        socket.Dispose();
        Failed();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiting))
                waiting.TrySetException(new RpcUnavailableException($"connection to {_endpoint} lost", reason));
        }
    }

    private void ThrowIfBackingOff()
    {
        var wait = _retryAfter - DateTime.UtcNow;
        if (wait > TimeSpan.Zero) throw new RpcUnavailableException($"{_endpoint} unreachable; next attempt in {wait.TotalSeconds:0.#}s");
    }

    private void Connected() => _backoff = TimeSpan.Zero;

    private void Failed()
    {
        _backoff = _backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
        _retryAfter = DateTime.UtcNow + _backoff;
    }

    private static byte[] Request(long id, string method, RpcParam[] parameters)
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

    private static JsonElement Result(string method, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return ResultOf(method, document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            throw new RpcUnavailableException($"{method}: the answer is not JSON ({ex.Message})", ex);
        }
    }

    private static JsonElement ResultOf(string method, JsonElement response)
    {
        if (response.ValueKind != JsonValueKind.Object) throw new RpcUnavailableException($"{method}: the answer is not a JSON-RPC object");
        if (response.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            int code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out int n) ? n : 0;
            string message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "error";
            throw new RpcErrorException(method, code, message);
        }
        return response.TryGetProperty("result", out var result)
            ? result
            : throw new RpcUnavailableException($"{method}: the answer has neither result nor error");
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
        _http?.Dispose();
        _connectGate.Dispose();
        _sendGate.Dispose();
    }
}

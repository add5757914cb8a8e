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
/// (1 s doubling to 30 s); calls during the wait fail at once instead of piling up. A WebSocket that leaves a call
/// unanswered is dropped too: a node that stopped answering, or a NAT that forgot the connection, keeps it open for
/// good. Answers over either transport are read the same way, within one bound (<see cref="MaxMessageBytes"/>,
/// <see cref="MaxTokensPerMessage"/>), and only their result is kept.
/// </summary>
public sealed class JsonRpcClient : IAsyncDisposable
{
    /// <summary>The largest answer of an xx node is state_getMetadata, about 0.55 MB as hex; anything far larger is not a node.</summary>
    public const int MaxMessageBytes = 4 << 20;
    /// <summary>The answers with most tokens (storage pages of 500 keys) hold a few thousand; a parse keeps ~12 bytes per token.</summary>
    public const int MaxTokensPerMessage = 1 << 16;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Uri _endpoint;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly HttpClient? _http;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
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
            };
        }
        else if (endpoint.Scheme is not ("ws" or "wss"))
        {
            throw new ArgumentException($"{endpoint} is not a ws://, wss://, http:// or https:// URL");
        }
    }

    /// <summary>WebSocket connections opened so far: 0 means this endpoint never answered the upgrade.</summary>
    public int Connections { get; private set; }

    /// <summary>Calls <paramref name="method"/>; returns its <c>result</c> (its own copy, safe to keep).</summary>
    public async Task<JsonElement> CallAsync(string method, RpcParam[] parameters, CancellationToken cancel = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_timeout);
        long id = Interlocked.Increment(ref _nextId);
        byte[] request = Request(id, method, parameters);
        try
        {
            return _http is not null
                ? await CallHttpAsync(id, method, request, timeout.Token)
                : await CallWebSocketAsync(id, method, request, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new RpcUnavailableException($"{method}: no answer within {_timeout.TotalSeconds:0.###}s");
        }
    }

    private async Task<JsonElement> CallHttpAsync(long id, string method, byte[] request, CancellationToken token)
    {
        ThrowIfBackingOff();
        try
        {
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new("application/json");
            using var post = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
            using var response = await _http!.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, token);
            if (response.Content.Headers.ContentLength > MaxMessageBytes)
                throw new OverBoundException($"a message of more than {MaxMessageBytes} bytes");
            using var message = new Message();
            await using (var body = await response.Content.ReadAsStreamAsync(token))
            {
                int read;
                while ((read = await body.ReadAsync(message.Free(), token)) > 0) message.Advance(read);
            }
            Connected();
            var envelope = Read(message.Bytes.Span);
            if (envelope.Ignored is { } ignored) throw new RpcUnavailableException($"{method}: the answer answers no call: {ignored}");
            if (envelope.Id != id) throw new RpcUnavailableException($"{method}: the answer is to another call (id {envelope.Id})");
            return ResultOf(method, message.Bytes.Span);
        }
        catch (OverBoundException ex)
        {
            throw new RpcUnavailableException($"{method}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            Failed();
            throw new RpcUnavailableException($"{method}: {ex.Message}", ex);
        }
    }

    private async Task<JsonElement> CallWebSocketAsync(long id, string method, byte[] request, CancellationToken token)
    {
        var socket = await ConnectedSocketAsync(token);
        var pending = new Pending(method);
        _pending[id] = pending;
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
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using var message = new Message();
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(message.Free(), stop);
                    if (received.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the node closed the connection");
                    message.Advance(received.Count);
                }
                while (!received.EndOfMessage);
                Dispatch(message.Bytes);
            }
        }
        catch (Exception ex)
        {
            // Whatever ends the loop takes the connection with it, a message no node sends (over the bound) too: a
            // socket nobody reads would time out every later call instead of reconnecting.
            Drop(socket, ex);
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> message)
    {
        // One pass that allocates nothing finds the id first: only an answer someone waits for is parsed, once.
        var envelope = Read(message.Span);
        if (envelope.Ignored is { } ignored)
        {
            _logger.LogDebug("Ignoring a message from {Endpoint}: {Reason}", _endpoint, ignored);
            return;
        }
        if (!_pending.TryRemove(envelope.Id, out var waiting)) return;
        try
        {
            waiting.Answer.TrySetResult(ResultOf(waiting.Method, message.Span));
        }
        catch (Exception ex) when (ex is RpcErrorException or RpcUnavailableException)
        {
            waiting.Answer.TrySetException(ex);
        }
    }

    /// <summary>A message larger than any answer of a node (<see cref="MaxMessageBytes"/>, <see cref="MaxTokensPerMessage"/>).</summary>
    private sealed class OverBoundException(string message) : Exception(message);

    /// <summary>A call waiting for its answer.</summary>
    private sealed record Pending(string Method)
    {
        public TaskCompletionSource<JsonElement> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What one message is: the answer to call <paramref name="Id"/>, or <paramref name="Ignored"/> saying why it answers no call.</summary>
    private readonly record struct Envelope(long Id, string? Ignored);

    /// <summary>
    /// The whole-number id of a JSON-RPC answer (an object with "id" at its top level), or why the message answers
    /// no call: not JSON, a notification (no id; nothing here subscribes), an id that is not one of ours (a string,
    /// null for an error about an unparsable request). More tokens than any answer of a node has throw: a parse
    /// keeps about 12 bytes per token, so a hostile array of tiny values would cost a dozen times its size.
    /// </summary>
    private static Envelope Read(ReadOnlySpan<byte> message)
    {
        long id = 0;
        bool found = false;
        int tokens = 0;
        var reader = new Utf8JsonReader(message);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return new Envelope(0, "not a JSON object");
            while (reader.Read())
            {
                if (++tokens > MaxTokensPerMessage) throw new OverBoundException($"a message of more than {MaxTokensPerMessage} JSON tokens");
                if (reader.CurrentDepth != 1 || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("id"u8)) continue;
                reader.Read();
                found = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out id);
                if (!found) return new Envelope(0, $"its id {Encoding.UTF8.GetString(reader.ValueSpan)} is not one of ours");
            }
        }
        catch (JsonException ex)
        {
            return new Envelope(0, $"not JSON ({ex.Message})");
        }
        return found ? new Envelope(id, null) : new Envelope(0, "a notification (no id)");
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
                waiting.Answer.TrySetException(new RpcUnavailableException($"connection to {_endpoint} lost: {reason.Message}", reason));
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

    /// <summary>
    /// The result of <paramref name="method"/> in its answer (an object, bounded by <see cref="Read"/>): only that
    /// value is parsed, into memory of its own that outlives the message; a JSON-RPC error throws.
    /// </summary>
    private static JsonElement ResultOf(string method, ReadOnlySpan<byte> answer)
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

    /// <summary>
    /// One message, read whole: into 64 KiB rented from the shared pool (given back when disposed), which is enough
    /// for all but the metadata. A larger message grows by doubling, up to <see cref="MaxMessageBytes"/>, in arrays of
    /// its own: pooled, they would be kept for good (one per thread that ever received one), so they are left to the GC.
    /// </summary>
    private sealed class Message : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 << 10);
        private bool _rented = true;
        private int _length;

        public ReadOnlyMemory<byte> Bytes => _buffer.AsMemory(0, _length);

        /// <summary>Room for the next bytes; a message that fills the bound and goes on is refused.</summary>
        public Memory<byte> Free()
        {
            int capacity = Math.Min(_buffer.Length, MaxMessageBytes);
            if (_length == capacity)
            {
                if (capacity == MaxMessageBytes) throw new OverBoundException($"a message of more than {MaxMessageBytes} bytes");
                var larger = GC.AllocateUninitializedArray<byte>(Math.Min(capacity * 2, MaxMessageBytes));
                _buffer.AsSpan(0, _length).CopyTo(larger);
                Dispose();
                _buffer = larger;
                capacity = Math.Min(_buffer.Length, MaxMessageBytes);
            }
            return _buffer.AsMemory(_length, capacity - _length);
        }

        public void Advance(int count) => _length += count;

        public void Dispose()
        {
            if (_rented) ArrayPool<byte>.Shared.Return(_buffer);
            _rented = false;
        }
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

using System.Text.Json;

namespace XxExporter.Chain.Rpc;

/// <summary>JSON-RPC over HTTP: one POST per call on one kept-alive connection.</summary>
internal sealed class HttpTransport(Uri endpoint) : IRpcTransport
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
    private readonly RpcBackoff _backoff = new(endpoint);

    public int Connections => 0;

    public async Task<JsonElement> CallAsync(long id, string method, byte[] request, CancellationToken token)
    {
        _backoff.ThrowIfBackingOff();
        try
        {
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new("application/json");
            using var post = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
            using var response = await _http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, token);
            if (response.Content.Headers.ContentLength > RpcBounds.MaxMessageBytes)
                throw new OverBoundException($"a message of more than {RpcBounds.MaxMessageBytes} bytes");
            using var message = new RpcMessageBuffer();
            await using (var body = await response.Content.ReadAsStreamAsync(token))
            {
                int read;
                while ((read = await body.ReadAsync(message.Free(), token)) > 0) message.Advance(read);
            }
            _backoff.Connected();
            var envelope = RpcEnvelope.Read(message.Bytes.Span);
            if (envelope.Ignored is { } ignored) throw new RpcUnavailableException($"{method}: the answer answers no call: {ignored}");
            if (envelope.Id != id) throw new RpcUnavailableException($"{method}: the answer is to another call (id {envelope.Id})");
            return RpcEnvelope.ResultOf(method, message.Bytes.Span);
        }
        catch (OverBoundException ex)
        {
            throw new RpcUnavailableException($"{method}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            _backoff.Failed();
            throw new RpcUnavailableException($"{method}: {ex.Message}", ex);
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}

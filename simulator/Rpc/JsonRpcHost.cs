using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace XxSimulator.Rpc;

/// <summary>What the host does with one call: what a node answers, or (for fault tests) what a broken one does.</summary>
public abstract record Answer
{
    /// <summary>A JSON-RPC result (raw JSON).</summary>
    public sealed record Result(string Json) : Answer;
    /// <summary>A JSON-RPC error object.</summary>
    public sealed record Error(int Code, string Message) : Answer;
    /// <summary>Bytes that are not JSON at all.</summary>
    public sealed record Garbage(string Text) : Answer;
    /// <summary>Nothing, ever.</summary>
    public sealed record Silence : Answer;

    public static Answer MethodNotFound(string method) => new Error(-32601, $"Method not found: {method}");
}

/// <summary>
/// A small JSON-RPC 2.0 server like a Substrate node's: HTTP POST and WebSocket on one port, each call answered by
/// <see cref="Handler"/>. It can be stopped and started again on the same port, like a node restarting.
/// </summary>
public sealed class JsonRpcHost(Func<string, JsonElement, Answer> handler) : IAsyncDisposable
{
    private WebApplication? _app;

    public Func<string, JsonElement, Answer> Handler { get; set; } = handler;

    /// <summary>The bound address (the real port once started on port 0).</summary>
    public IPEndPoint? EndPoint { get; private set; }

    private int _webSocketConnections;
    private int _calls;

    /// <summary>Counted across Kestrel's concurrent requests.</summary>
    public int WebSocketConnections => Volatile.Read(ref _webSocketConnections);

    public int Calls => Volatile.Read(ref _calls);

    public async Task StartAsync(IPEndPoint listen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{listen}");
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Run(ServeAsync);
        await _app.StartAsync();
        EndPoint = new IPEndPoint(listen.Address, new Uri(_app.Urls.Single()).Port);
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        using (var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(200))) await _app.StopAsync(quick.Token);
        await _app.DisposeAsync();
        _app = null;
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            Interlocked.Increment(ref _webSocketConnections);
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[1 << 20];
            while (socket.State == WebSocketState.Open)
            {
                int length = 0;
                WebSocketReceiveResult received;
                do
                {
                    try { received = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), context.RequestAborted); }
                    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { return; }
                    if (received.MessageType == WebSocketMessageType.Close) return;
                    length += received.Count;
                    if (length == buffer.Length && !received.EndOfMessage)
                    {
                        // No JSON-RPC request of a node's clients is this large; refuse it rather than read forever.
                        try { await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "request over 1 MiB", context.RequestAborted); }
                        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { }
                        return;
                    }
                }
                while (!received.EndOfMessage);
                string? reply = Reply(Encoding.UTF8.GetString(buffer, 0, length));
                if (reply is null) continue;
                try { await socket.SendAsync(Encoding.UTF8.GetBytes(reply), WebSocketMessageType.Text, true, context.RequestAborted); }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { return; }
            }
            return;
        }
        string request = await new StreamReader(context.Request.Body).ReadToEndAsync();
        string? answer = Reply(request);
        if (answer is null)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer);
    }

    /// <summary>The text to send back, or null to stay silent.</summary>
    private string? Reply(string request)
    {
        Interlocked.Increment(ref _calls);
        using var document = ParseOrNull(request);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out long id)
            || !document.RootElement.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String
            || !document.RootElement.TryGetProperty("params", out var parameters))
            return """{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}""";
        Answer answer;
        try
        {
            answer = Handler(method.GetString()!, parameters);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IndexOutOfRangeException or FormatException or ArgumentException)
        {
            answer = new Answer.Error(-32602, $"Invalid params: {ex.Message}");
        }
        return answer switch
        {
            Answer.Result result => $$"""{"jsonrpc":"2.0","id":{{id}},"result":{{result.Json}}}""",
            Answer.Error error => $$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":{{{error.Code}}},"message":{{{JsonSerializer.Serialize(error.Message)}}}}}""",
            Answer.Garbage garbage => garbage.Text,
            _ => null,
        };
    }

    private static JsonDocument? ParseOrNull(string text)
    {
        try { return JsonDocument.Parse(text); }
        catch (JsonException) { return null; }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

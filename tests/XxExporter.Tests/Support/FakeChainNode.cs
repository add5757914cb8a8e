using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace XxExporter.Tests.Support;

/// <summary>What the fake node does with one call.</summary>
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
}

/// <summary>
/// A small, scriptable JSON-RPC server on 127.0.0.1 (HTTP POST and WebSocket on one port) for the chain fault
/// tests: each call is answered by <see cref="Handler"/>, which can misbehave on purpose. It can be stopped and
/// started again on the same port, like a node restarting.
/// </summary>
public sealed class FakeChainNode : IAsyncDisposable
{
    private WebApplication? _app;

    public FakeChainNode(Func<string, JsonElement, Answer> handler) => Handler = handler;

    public Func<string, JsonElement, Answer> Handler { get; set; }

    public int Port { get; private set; }

    public int WebSocketConnections { get; private set; }

    public int Calls { get; private set; }

    public string WsUrl => $"ws://127.0.0.1:{Port}";

    public string HttpUrl => $"http://127.0.0.1:{Port}";

    public async Task StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Run(ServeAsync);
        await _app.StartAsync();
        Port = new Uri(_app.Urls.Single()).Port;
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
            WebSocketConnections++;
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
        Calls++;
        using var document = JsonDocument.Parse(request);
        var root = document.RootElement;
        long id = root.GetProperty("id").GetInt64();
        string method = root.GetProperty("method").GetString()!;
        return Handler(method, root.GetProperty("params")) switch
        {
            Answer.Result result => $$"""{"jsonrpc":"2.0","id":{{id}},"result":{{result.Json}}}""",
            Answer.Error error => $$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":{{{error.Code}}},"message":{{{JsonSerializer.Serialize(error.Message)}}}}}""",
            Answer.Garbage garbage => garbage.Text,
            _ => null,
        };
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

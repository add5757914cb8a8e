using System.Net;
using System.Net.WebSockets;
using System.Text;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Simulator;

public class JsonRpcHostTests
{
    [Fact]
    public async Task Requests_are_answered_and_garbage_or_a_huge_message_is_refused_without_hanging()
    {
        await using var host = new JsonRpcHost((method, _) => new Answer.Result($"\"{method}\""));
        await host.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using var socket = new ClientWebSocket();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{host.EndPoint!.Port}"), limit.Token);

        Assert.Equal("""{"jsonrpc":"2.0","id":1,"result":"system_health"}""",
            await Exchange(socket, """{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}""", limit.Token));
        Assert.Contains("-32700", await Exchange(socket, "not json", limit.Token));

        await socket.SendAsync(Encoding.UTF8.GetBytes(new string(' ', 2 << 20)), WebSocketMessageType.Text, true, limit.Token);
        var received = await socket.ReceiveAsync(new byte[256], limit.Token);
        Assert.Equal(WebSocketMessageType.Close, received.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
        Assert.Equal(2, host.Calls);   // the refused message never reached the handler
    }

    private static async Task<string> Exchange(ClientWebSocket socket, string request, CancellationToken token)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, true, token);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }
}

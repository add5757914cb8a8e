using System.Net;
using System.Text.Json;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Support;

/// <summary>
/// A scriptable JSON-RPC server on 127.0.0.1 (HTTP POST and WebSocket on one port) for the chain fault tests: each
/// call is answered by <see cref="Handler"/>, which can misbehave on purpose (<see cref="Answer.Garbage"/>,
/// <see cref="Answer.Silence"/>). It can be stopped and started again on the same port, like a node restarting.
/// </summary>
public sealed class FakeChainNode(Func<string, JsonElement, Answer> handler) : IAsyncDisposable
{
    private readonly JsonRpcHost _host = new(handler);

    public Func<string, JsonElement, Answer> Handler
    {
        get => _host.Handler;
        set => _host.Handler = value;
    }

    public int Port { get; private set; }

    public int WebSocketConnections => _host.WebSocketConnections;

    public int Calls => _host.Calls;

    public string WsUrl => $"ws://127.0.0.1:{Port}";

    public string HttpUrl => $"http://127.0.0.1:{Port}";

    public async Task StartAsync(int port = 0)
    {
        await _host.StartAsync(new IPEndPoint(IPAddress.Loopback, port));
        Port = _host.EndPoint!.Port;
    }

    public Task StopAsync() => _host.StopAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

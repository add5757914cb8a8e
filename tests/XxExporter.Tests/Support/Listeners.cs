using System.Net;
using System.Net.Sockets;

namespace XxExporter.Tests.Support;

/// <summary>TCP ports on 127.0.0.1 that answer or hang as a test needs; disposing closes them.</summary>
public sealed class Listeners : IDisposable
{
    private readonly List<IDisposable> _sockets = new();

    public void Dispose() => _sockets.ForEach(s => s.Dispose());

    /// <summary>A port that accepts connections (the backlog completes the handshake; nothing needs to accept).</summary>
    public int Listening()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _sockets.Add(listener.Server);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port whose accept queue is full, so the kernel drops new SYNs: a connection there hangs like one to a firewalled host.</summary>
    public int Hanging()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        _sockets.Add(listener);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        filler.Connect(IPAddress.Loopback, port);
        _sockets.Add(filler);
        return port;
    }
}

using System.Net;
using System.Net.Sockets;

namespace XxExporter.Tests.Support;

public static class Loopback
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot be told to pick one).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A socket connected to <paramref name="server"/> from <paramref name="source"/>: any 127/8 address is this host's,
    /// so a test can be several clients, each with an address of its own.
    /// </summary>
    public static async Task<Socket> ConnectFrom(IPAddress source, EndPoint server, CancellationToken cancel = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(server, cancel);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP handler whose connections come from <paramref name="source"/> (see <see cref="ConnectFrom"/>).</summary>
    public static SocketsHttpHandler HandlerFrom(IPAddress source) => new()
    {
        ConnectCallback = async (context, cancel) =>
            new NetworkStream(await ConnectFrom(source, context.DnsEndPoint, cancel), ownsSocket: true),
    };
}

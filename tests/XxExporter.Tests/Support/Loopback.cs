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
}

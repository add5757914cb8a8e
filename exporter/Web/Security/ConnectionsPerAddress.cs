using System.Net;
using Microsoft.AspNetCore.Connections;

namespace XxExporter.Web.Security;

/// <summary>
/// Keeps each client to <see cref="Limit"/> open connections, so that one host holding idle or half-open connections
/// cannot take every place under Kestrel's connection limit. A connection over the limit is closed at once, before
/// any TLS handshake or request is read. An IPv6 client counts by its /64 prefix (one host usually has a whole /64);
/// an IPv4 client, also as an IPv4-mapped IPv6 address, by its address.
/// </summary>
/// <remarks>Why: docs/design/web-security.md, "Connections".</remarks>
public sealed class ConnectionsPerAddress(int limit)
{
    private readonly Lock _gate = new();
    // Only clients with a connection open have an entry, so this holds at most Kestrel's connection limit of them.
    private readonly Dictionary<IPAddress, int> _open = [];

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));

    /// <summary>For <c>ListenOptions.Use</c>, before <c>UseHttps</c>.</summary>
    public ConnectionDelegate Admit(ConnectionDelegate next) => async connection =>
    {
        if (connection.RemoteEndPoint is not IPEndPoint remote)
        {
            await next(connection);
            return;
        }
        var client = Client(remote.Address);
        if (!TryOpen(client))
        {
            connection.Abort(new ConnectionAbortedException("too many connections from this address"));
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            Close(client);
        }
    };

    private bool TryOpen(IPAddress client)
    {
        lock (_gate)
        {
            int open = _open.GetValueOrDefault(client);
            if (open >= Limit) return false;
            _open[client] = open + 1;
            return true;
        }
    }

    private void Close(IPAddress client)
    {
        lock (_gate)
        {
            int open = _open[client] - 1;
            if (open == 0) _open.Remove(client);
            else _open[client] = open;
        }
    }

    /// <summary>
    /// The client an address counts as, here and for the password checks' queue: an IPv4 address (also written as
    /// IPv4-mapped IPv6) whole, an IPv6 address by its first 64 bits.
    /// </summary>
    public static IPAddress Client(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}

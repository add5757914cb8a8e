using System.Globalization;
using System.Net;

namespace XxExporter.Web;

/// <summary>Where to listen: an IP address (null = all interfaces) and a port (0 = any free port).</summary>
public sealed record ListenAddress(IPAddress? Host, int Port)
{
    public override string ToString() => Host is null ? $":{Port}" : new IPEndPoint(Host, Port).ToString();

    /// <summary><c>host:port</c>, <c>:port</c> (all interfaces), <c>[v6]:port</c>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ListenAddress Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon < 0) throw new FormatException("must be host:port or :port");
        string host = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw new FormatException("port must be a number from 0 to 65535");
        if (host.Length == 0) return new ListenAddress(null, port);
        if (host == "localhost") return new ListenAddress(IPAddress.Loopback, port);
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return IPAddress.TryParse(host, out var address)
            ? new ListenAddress(address, port)
            : throw new FormatException("host must be an IP address, localhost, or empty for all interfaces");
    }
}

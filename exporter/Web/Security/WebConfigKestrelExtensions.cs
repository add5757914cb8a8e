using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XxExporter.Settings;

namespace XxExporter.Web.Security;

/// <summary>Serves HTTPS on Kestrel listeners when the web config has a <c>tls_server_config</c>.</summary>
public static class WebConfigKestrelExtensions
{
    /// <summary>
    /// Listens on <paramref name="address"/> (null host: all interfaces), with HTTPS if <paramref name="config"/>
    /// configures TLS, else plain HTTP. For <c>builder.WebHost.ConfigureKestrel(k => k.Listen(settings.ListenAddress, webConfig))</c>.
    /// </summary>
    public static KestrelServerOptions Listen(this KestrelServerOptions kestrel, ListenAddress address, WebConfig? config)
    {
        LimitConnections(kestrel.Limits);
        var perAddress = new ConnectionsPerAddress(MaxConnectionsPerAddress);
        if (address.Host is null) kestrel.ListenAnyIP(address.Port, Configure);
        else kestrel.Listen(address.Host, address.Port, Configure);
        return kestrel;

        void Configure(ListenOptions listen)
        {
            listen.Use(perAddress.Admit); // first: a connection over the limit costs no TLS handshake
            listen.UseWebConfigTls(config);
        }
    }

    /// <summary>
    /// More open connections than this are closed at once. Prometheus holds one per scraper and a browser a few, so
    /// this is far above need; it bounds the memory that thousands of idle or half-open connections would hold.
    /// </summary>
    public const int MaxConnections = 256;

    /// <summary>
    /// Open connections one client (an IPv4 address, an IPv6 /64) may hold: a Prometheus needs one per scrape job and
    /// a browser a few, and one host holding idle connections then takes an eighth of <see cref="MaxConnections"/>.
    /// </summary>
    public const int MaxConnectionsPerAddress = 32;

    /// <summary>A client that has not finished its TLS handshake in this time is disconnected.</summary>
    public static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(5);

    private static void LimitConnections(KestrelServerLimits limits)
    {
        limits.MaxConcurrentConnections = MaxConnections;
        limits.MaxConcurrentUpgradedConnections = 0; // no WebSockets are served
        // Longer than Prometheus' default 1 minute scrape interval, so a scraper keeps its connection between scrapes.
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(75);
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>
    /// Makes this listener HTTPS with the certificate and key of <paramref name="config"/>'s <c>tls_server_config</c>
    /// (TLS 1.2 and 1.3; HTTP/1.1 and HTTP/2 by ALPN); nothing when <paramref name="config"/> or its TLS part is null.
    /// The certificate is loaded here (a <see cref="SettingsException"/> if it no longer loads) and reloaded when its
    /// files change.
    /// </summary>
    public static ListenOptions UseWebConfigTls(this ListenOptions listen, WebConfig? config) =>
        listen.UseWebConfigTls(config, TimeProvider.System);

    internal static ListenOptions UseWebConfigTls(this ListenOptions listen, WebConfig? config, TimeProvider time)
    {
        if (config?.Tls is not { } tls) return listen;
        var logger = listen.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(ServerCertificateSource).FullName!)
            ?? NullLogger.Instance;
        var source = new ServerCertificateSource(config.Path, tls, time, logger);
        return listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = TlsHandshakeTimeout,
            // Kestrel fills in ALPN (h2, http/1.1) when the options leave it empty.
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = source.Current,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            }),
        });
    }
}

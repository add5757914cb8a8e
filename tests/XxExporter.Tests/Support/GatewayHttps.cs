using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace XxExporter.Tests.Support;

/// <summary>
/// HTTPS on 127.0.0.1 answering as a gateway's gRPC server behind its gRPC-web wrapper does to a plain GET
/// (grpc-go's ServeHTTP: 405, Allow: POST, "invalid gRPC request method"), over HTTP/2 or HTTP/1.1.
/// </summary>
public sealed class GatewayHttps : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHttps(WebApplication app, int port) => (_app, Port) = (app, port);

    public int Port { get; }

    /// <summary>A certificate for localhost (the name the tests' blackbox probes use), made by <paramref name="create"/>.</summary>
    public static X509Certificate2 LocalhostCertificate(Func<CertificateRequest, byte[], X509Certificate2> create)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = create(request, RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.HasPrivateKey ? issued : issued.CopyWithPrivateKey(key);
        // Kestrel needs a certificate whose key it can use on Linux: export and load it again as PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public static async Task<GatewayHttps> StartAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        var app = builder.Build();
        app.Run(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "POST";
            await context.Response.WriteAsync($"invalid gRPC request method \"{context.Request.Method}\"\n");
        });
        await app.StartAsync();
        return new GatewayHttps(app, new Uri(app.Urls.Single()).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

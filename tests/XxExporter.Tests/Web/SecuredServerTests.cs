using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using XxExporter.Web;
using XxExporter.Tests.Support;
using XxExporter.Web.Security;

namespace XxExporter.Tests.Web;

/// <summary>TLS and basic authentication on a real Kestrel server on 127.0.0.1, built the way ExporterHost builds its own.</summary>
public sealed class SecuredServerTests(ITestOutputHelper output) : IDisposable
{
    private const string User = "prometheus";
    private readonly TempFolder _folder = new();
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly List<IDisposable> _disposables = [];
    private readonly CapturedLogs _logs = new();

    public void Dispose()
    {
        foreach (var server in _servers) server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (var disposable in _disposables) disposable.Dispose();
        _folder.Dispose();
        foreach (string line in _logs.Lines.Where(l => !l.StartsWith("Trace") && !l.StartsWith("Debug"))) output.WriteLine(line);
    }

    /// <summary>A self-signed certificate in server.crt/server.key and a web.yml naming them and the htpasswd user.</summary>
    private (WebConfig Config, X509Certificate2 Certificate) WriteTlsAndUsers()
    {
        var certificate = TestCertificates.SelfSignedEc();
        _disposables.Add(certificate);
        TestCertificates.WritePem(certificate, _folder.File("server.crt"), _folder.File("server.key"));
        File.WriteAllText(_folder.File("web.yml"),
            $"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  {User}: {WebConfigLoaderTests.HtpasswdHash}\n");
        return (WebConfigLoader.Load(_folder.File("web.yml")), certificate);
    }

    private async Task<Uri> Start(WebConfig? config, BasicAuthenticator? authenticator = null, Action<KestrelServerOptions>? listen = null,
        ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs ?? _logs);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (listen is not null) listen(kestrel);
            else kestrel.Listen(new ListenAddress(IPAddress.Loopback, 0), config);
        });
        var app = builder.Build();
        if (authenticator is not null) app.UseBasicAuth(authenticator);
        else app.UseBasicAuth(config);
        app.MapGet("/metrics", () => Results.Text("up 1\n", "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/", () => Results.Text("home"));
        await app.StartAsync();
        _servers.Add(app);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>A client that trusts exactly <paramref name="certificate"/> (and records what the server presented).</summary>
    private HttpClient ClientTrusting(X509Certificate2 certificate, Uri address, List<X509Certificate2>? presented = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, serverCertificate, _, _) =>
        {
            if (serverCertificate is null) return false;
            lock (presented ?? []) presented?.Add(new X509Certificate2(serverCertificate));
            return serverCertificate.GetRawCertData().AsSpan().SequenceEqual(certificate.RawData);
        };
        var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        _disposables.Add(client);
        return client;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpResponseMessage> Get(HttpClient client, string path, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = authorization } };
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Every_path_without_credentials_is_answered_401_with_a_basic_challenge()
    {
        var (config, certificate) = WriteTlsAndUsers();
        var address = await Start(config);
        Assert.Equal("https", address.Scheme);
        var client = ClientTrusting(certificate, address);
        foreach (string path in new[] { "/metrics", "/", "/no-such-page" })
        {
            using var response = await Get(client, path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic realm=\"xx-exporter\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
            Assert.DoesNotContain("up 1", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Wrong_credentials_are_answered_401()
    {
        var (config, certificate) = WriteTlsAndUsers();
        var client = ClientTrusting(certificate, await Start(config));
        foreach (var authorization in new[]
        {
            Basic(User, "wrong"), Basic(User, ""), Basic("grafana", WebConfigLoaderTests.HtpasswdPassword),
            Basic(User.ToUpperInvariant(), WebConfigLoaderTests.HtpasswdPassword), new AuthenticationHeaderValue("Basic", "%%%"),
            new AuthenticationHeaderValue("Bearer", WebConfigLoaderTests.HtpasswdPassword),
        })
        {
            using var response = await Get(client, "/metrics", authorization);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic realm=\"xx-exporter\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        }
    }

    [Fact]
    public async Task The_right_credentials_get_the_metrics_over_tls_with_the_configured_certificate()
    {
        var (config, certificate) = WriteTlsAndUsers();
        var address = await Start(config);
        var presented = new List<X509Certificate2>();
        var client = ClientTrusting(certificate, address, presented);
        using var response = await Get(client, "/metrics", Basic(User, WebConfigLoaderTests.HtpasswdPassword));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("up 1\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(certificate.Thumbprint, Assert.Single(presented).Thumbprint);

        using var home = await Get(client, "/", Basic(User, WebConfigLoaderTests.HtpasswdPassword));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }

    [Fact]
    public async Task A_second_request_with_the_same_credentials_skips_bcrypt()
    {
        var (config, certificate) = WriteTlsAndUsers();
        var bcrypt = new CountedBcrypt();
        var authenticator = new BasicAuthenticator(config.BasicAuthUsers, verify: bcrypt.Verify);
        var client = ClientTrusting(certificate, await Start(config, authenticator));
        var right = Basic(User, WebConfigLoaderTests.HtpasswdPassword);
        using (var warmUp = await Get(client, "/metrics")) Assert.Equal(HttpStatusCode.Unauthorized, warmUp.StatusCode); // TLS handshake done
        Assert.Equal(0, bcrypt.Checks);

        var first = Stopwatch.StartNew();
        using (var response = await Get(client, "/metrics", right)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        first.Stop();
        var second = Stopwatch.StartNew();
        using (var response = await Get(client, "/metrics", right)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        second.Stop();
        output.WriteLine($"first request (bcrypt cost 10): {first.Elapsed.TotalMilliseconds:F1} ms, second (cached): {second.Elapsed.TotalMilliseconds:F1} ms");

        Assert.Equal(1, bcrypt.Checks);
        Assert.True(second.Elapsed < first.Elapsed, $"second request took {second.Elapsed}, first {first.Elapsed}");
        for (int i = 0; i < 20; i++)
        {
            using var response = await Get(client, "/metrics", right);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(1, bcrypt.Checks);

        // A wrong password right after is still checked, and refused.
        using (var wrong = await Get(client, "/metrics", Basic(User, WebConfigLoaderTests.HtpasswdPassword + "x")))
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(2, bcrypt.Checks);
    }

    [Fact]
    public async Task Only_tls_clients_that_trust_the_certificate_get_through()
    {
        var (config, certificate) = WriteTlsAndUsers();
        var address = await Start(config);

        // The system's trust store does not know the self-signed certificate.
        using var systemTrust = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => systemTrust.GetAsync("/metrics"));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(refused.InnerException);

        // Plain HTTP to the TLS port gets no answer.
        using var plain = new HttpClient { BaseAddress = new UriBuilder(address) { Scheme = "http" }.Uri, Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("/metrics"));

        // HTTP/2 is offered by ALPN.
        var client = ClientTrusting(certificate, address);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Headers = { Authorization = Basic(User, WebConfigLoaderTests.HtpasswdPassword) },
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    [Fact]
    public async Task Intermediate_certificates_in_cert_file_are_sent_to_clients()
    {
        var (root, intermediate, leaf) = TestCertificates.Chain();
        _disposables.AddRange([root, intermediate, leaf]);
        TestCertificates.WritePem(leaf, _folder.File("chain.crt"), _folder.File("chain.key"), intermediate);
        File.WriteAllText(_folder.File("web.yml"), "tls_server_config:\n  cert_file: chain.crt\n  key_file: chain.key\n");
        var config = WebConfigLoader.Load(_folder.File("web.yml"));
        var address = await Start(config);

        // The client knows only the root: the chain builds only if the server sent the intermediate.
        var sent = new List<string>();
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            sent.AddRange(chain!.ChainPolicy.ExtraStore.Select(c => c.Thumbprint));
            using var check = new X509Chain();
            check.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            check.ChainPolicy.CustomTrustStore.Add(root);
            check.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            check.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            check.ChainPolicy.DisableCertificateDownloads = true;
            return check.Build(new X509Certificate2(certificate!));
        };
        using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // no basic_auth_users: open
        Assert.Contains(intermediate.Thumbprint, sent);
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_to_new_connections_without_a_restart()
    {
        var (config, first) = WriteTlsAndUsers();
        var clock = new ManualClock();
        var logs = new CapturedLogs();
        var address = await Start(config, listen: kestrel => kestrel.Listen(IPAddress.Loopback, 0, o => o.UseWebConfigTls(config, clock)), logs: logs);
        Assert.Contains(logs.Lines, l => l.Contains("TLS certificate CN=xx-exporter test loaded from " + _folder.File("server.crt")));

        async Task<string> PresentedThumbprint()
        {
            var presented = new List<X509Certificate2>();
            var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                presented.Add(new X509Certificate2(certificate!));
                return true;
            };
            using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            using var response = await Get(client, "/metrics", Basic(User, WebConfigLoaderTests.HtpasswdPassword));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Assert.Single(presented).Thumbprint;
        }

        Assert.Equal(first.Thumbprint, await PresentedThumbprint());

        // Half-written renewal: the new certificate with the old key. The old pair keeps serving.
        using var second = TestCertificates.SelfSignedEc("xx-exporter renewed");
        File.WriteAllText(_folder.File("server.crt"), second.ExportCertificatePem());
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(first.Thumbprint, await PresentedThumbprint());
        string warning = Assert.Single(logs.Lines, l => l.StartsWith("Warning"));
        Assert.Contains("not reloaded", warning);
        Assert.Contains("does not match the certificate in cert_file", warning);
        Assert.DoesNotContain("PRIVATE KEY", warning);

        // The key arrives: new connections get the new certificate.
        File.WriteAllText(_folder.File("server.key"), TestCertificates.KeyPem(second));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(second.Thumbprint, await PresentedThumbprint());
        Assert.Contains(logs.Lines, l => l.Contains("TLS certificate CN=xx-exporter renewed reloaded"));
    }

    [Fact]
    public async Task Basic_auth_works_without_tls_too()
    {
        File.WriteAllText(_folder.File("web.yml"), $"basic_auth_users:\n  {User}: {WebConfigLoaderTests.HtpasswdHash}\n");
        var config = WebConfigLoader.Load(_folder.File("web.yml"));
        var address = await Start(config);
        Assert.Equal("http", address.Scheme);
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        using (var response = await Get(client, "/metrics")) Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using (var response = await Get(client, "/metrics", Basic(User, WebConfigLoaderTests.HtpasswdPassword)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_flood_of_wrong_passwords_from_one_address_is_refused_429_while_prometheus_gets_in()
    {
        File.WriteAllText(_folder.File("web.yml"), $"basic_auth_users:\n  {User}: {WebConfigLoaderTests.HtpasswdHash}\n");
        var address = await Start(WebConfigLoader.Load(_folder.File("web.yml")));
        // The attacker connects from 127.0.0.2 (any 127/8 address is this host's), Prometheus from 127.0.0.1.
        var attackerHandler = Loopback.HandlerFrom(IPAddress.Parse("127.0.0.2"));
        attackerHandler.MaxConnectionsPerServer = WebConfigKestrelExtensions.MaxConnectionsPerAddress;
        using var attacker = new HttpClient(attackerHandler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var prometheus = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };

        var flood = Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await Get(attacker, "/metrics", Basic(User, $"guess {i}"));
            return response.StatusCode;
        }).ToList();
        using (var response = await Get(prometheus, "/metrics", Basic(User, WebConfigLoaderTests.HtpasswdPassword)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = await Task.WhenAll(flood);
        Assert.DoesNotContain(HttpStatusCode.OK, answers);
        Assert.Contains(HttpStatusCode.TooManyRequests, answers);
    }

    [Fact]
    public async Task Without_a_web_config_nothing_changes()
    {
        var address = await Start(config: null);
        Assert.Equal("http", address.Scheme);
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using XxExporter.Tests.Support;
using XxExporter.Web.Security;
using Xunit.Abstractions;

namespace XxExporter.Tests.Web;

/// <summary>
/// The built exporter, on 127.0.0.1, under what clients without the password can do to keep Prometheus out: hold idle
/// connections, or guess passwords from many addresses. Each client has a 127/8 address of its own. Nothing is timed.
/// </summary>
[FullLane]
public sealed class AdmissionTests(ITestOutputHelper output) : IDisposable
{
    private static readonly IPAddress PrometheusAddress = IPAddress.Loopback;
    private readonly TempFolder _folder = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var disposable in _disposables) disposable.Dispose();
        _folder.Dispose();
    }

    /// <summary>
    /// The exporter with <paramref name="webConfig"/> (and TLS if asked). With basic auth the config must list
    /// <see cref="ReadinessUser"/>, whose login tells when it serves; every other user's first login is still to come.
    /// </summary>
    private async Task<ServerProcess> StartExporter(string webConfig, bool tls)
    {
        if (tls)
        {
            var certificate = TestCertificates.SelfSignedEc();
            _disposables.Add(certificate);
            TestCertificates.WritePem(certificate, _folder.File("cert.pem"), _folder.File("key.pem"));
            webConfig += "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n";
        }
        File.WriteAllText(_folder.File("web.yml"), webConfig);
        return await ServerProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "xx-exporter"), _folder.Path, port =>
        [
            $"--web.listen-address=127.0.0.1:{port}", $"--web.config.file={_folder.File("web.yml")}", $"--logs.dir={_folder.Path}",
            "--chain.rpc-url=", "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--log.level=warn",
        ], readyPath: "/-/healthy", client: port =>
        {
            var client = Client(PrometheusAddress, port, tls);
            client.DefaultRequestHeaders.Authorization = Basic(ReadinessUser, ReadinessPassword);
            return client;
        });
    }

    private const string ReadinessUser = "readiness", ReadinessPassword = "ready";

    private static readonly string ReadinessHash = BCrypt.Net.BCrypt.HashPassword(ReadinessPassword, 4);

    /// <summary>A client whose connections come from <paramref name="source"/>; over TLS it trusts any certificate (the test's own).</summary>
    private HttpClient Client(IPAddress source, int port, bool tls)
    {
        var handler = Loopback.HandlerFrom(source);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        var client = new HttpClient(handler) { BaseAddress = new Uri($"{(tls ? "https" : "http")}://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        _disposables.Add(client);
        return client;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Idle_connections_from_one_address_leave_room_for_a_scrape_from_another(bool tls)
    {
        await using var exporter = await StartExporter("", tls);
        var server = new IPEndPoint(IPAddress.Loopback, exporter.Address.Port);
        var idle = new List<Socket>();
        try
        {
            // More than the exporter's connection limit, from 127.0.0.2, sending nothing (over TLS: no ClientHello).
            for (int i = 0; i < WebConfigKestrelExtensions.MaxConnections + 44; i++)
            {
                try { idle.Add(await Loopback.ConnectFrom(IPAddress.Parse("127.0.0.2"), server)); }
                catch (SocketException) { } // closed by the exporter as soon as accepted
            }

            // Prometheus, from 127.0.0.1 on a new connection, still gets its scrape.
            using var prometheus = Client(PrometheusAddress, server.Port, tls);
            using var response = await prometheus.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("xx_exporter_build_info", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var socket in idle) socket.Dispose();
        }
    }

    [Fact]
    public async Task Guessing_clients_on_many_addresses_do_not_keep_a_known_users_first_login_out()
    {
        const string user = "prometheus";
        await using var exporter = await StartExporter(
            $"basic_auth_users:\n  {user}: {WebConfigLoaderTests.HtpasswdHash}\n  {ReadinessUser}: {ReadinessHash}\n", tls: false);
        using var stop = new CancellationTokenSource();
        // 20 guessing clients, each from an address of its own, each sending wrong passwords as fast as it is answered.
        var failedOnce = Enumerable.Range(0, 20).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var guessers = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            var guesser = Client(IPAddress.Parse($"127.0.1.{i + 1}"), exporter.Address.Port, tls: false);
            int answered = 0;
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = Basic(user, $"guess {i} {answered++}") } };
                try
                {
                    using var response = await guesser.SendAsync(request, stop.Token);
                    Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.Unauthorized) failedOnce[i].TrySetResult();
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            }
            return answered;
        })).ToList();
        try
        {
            // Once every guesser has had a wrong password checked, Prometheus (from 127.0.0.1) logs in for the first time.
            await Task.WhenAll(failedOnce.Select(f => f.Task)).WaitAsync(TimeSpan.FromMinutes(5));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics")
            {
                Headers = { Authorization = Basic(user, WebConfigLoaderTests.HtpasswdPassword) },
            };
            using var response = await Client(PrometheusAddress, exporter.Address.Port, tls: false).SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await stop.CancelAsync();
            output.WriteLine($"guesses answered: {(await Task.WhenAll(guessers)).Sum()}");
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using XxExporter.Hosting;
using XxExporter.Settings;
using XxExporter.Tests.Support;
using XxExporter.Web.Security;

namespace XxExporter.Tests.Web;

/// <summary>--web.config.file wired into the real exporter: TLS and basic auth in front of every endpoint.</summary>
public sealed class ExporterWebConfigTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Every_endpoint_needs_the_password_over_tls()
    {
        using var certificate = TestCertificates.SelfSignedEc();
        TestCertificates.WritePem(certificate, _folder.File("cert.pem"), _folder.File("key.pem"));
        File.WriteAllText(_folder.File("web.yml"), $"""
            tls_server_config:
              cert_file: cert.pem
              key_file: key.pem
            basic_auth_users:
              prometheus: {BCrypt.Net.BCrypt.HashPassword("s3cret-scrape", 10)}
            """);
        var (app, address) = await ExporterTesting.StartAsync("--web.listen-address", "127.0.0.1:0", "--web.config.file", _folder.File("web.yml"),
            "--logs.dir", _folder.Path, "--chain.rpc-url=", "--checks.probes=", "--log.level", "error");
        await using var _ = app;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{address.Port}") };
        foreach (string path in new[] { "/metrics", "/", "/status.json", "/-/healthy", "/-/ready" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(path)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("prometheus:wrong"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("prometheus:s3cret-scrape"u8.ToArray()));
        var metrics = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("xx_exporter_build_info", await metrics.Content.ReadAsStringAsync());
        await app.StopAsync();
    }

    [Fact]
    public void A_broken_web_config_stops_the_start_with_one_line()
    {
        File.WriteAllText(_folder.File("web.yml"), "basic_auth_users:\n  alice: not-a-hash\n");
        var error = Assert.Throws<SettingsException>(() => ExporterSettings.Load(CommandLine.Parse(["--web.config.file", _folder.File("web.yml")])));
        Assert.Contains("basic_auth_users.alice: not a bcrypt hash", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("[", "]")]                // flow sequences
    [InlineData("{a: ", "}")]             // flow mappings
    [InlineData("- ", "")]                // block sequences on one line
    public async Task A_web_config_nested_100000_deep_stops_the_real_binary_with_one_line_not_a_crash(string open, string close)
    {
        string path = _folder.File("web.yml");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat(open, 100_000)) + "x" + string.Concat(Enumerable.Repeat(close, 100_000)) + "\n");
        var (code, output) = await Repository.RunAsync(BuiltExporter.Path, "--web.config.file", path);
        Assert.Equal($"xx-exporter: web config {path}: nested deeper than {WebConfigLoader.MaxNesting} levels at line 1\n", output);
        Assert.Equal(2, code);
    }

    public void Dispose() => _folder.Dispose();
}

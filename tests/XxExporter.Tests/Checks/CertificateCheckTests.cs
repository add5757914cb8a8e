using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using XxExporter.Checks;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

public sealed class CertificateCheckTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Pem(DateTimeOffset notBefore, DateTimeOffset notAfter, string subject = "CN=cmix.example")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSelfSigned(notBefore, notAfter);
        return certificate.ExportCertificatePem() + "\n";
    }

    private ChecksHarness Harness() => new(ChecksHarness.Off with { CertificateGlob = _folder.File("*.crt") });

    [Fact]
    public async Task Valid_expiring_and_expired_certificates_and_two_broken_files()
    {
        File.WriteAllText(_folder.File("cmix-cert.crt"), Pem(Now.AddDays(-30), Now.AddDays(365)));
        File.WriteAllText(_folder.File("gateway-cert.crt"), Pem(Now.AddDays(-362), Now.AddDays(3)));
        File.WriteAllText(_folder.File("scheduling-cert.crt"), Pem(Now.AddDays(-400), Now.AddDays(-1)));
        // A chain: the first certificate is the file's own.
        File.WriteAllText(_folder.File("chain.crt"), Pem(Now.AddDays(-1), Now.AddDays(90), "CN=leaf") + Pem(Now.AddDays(-9), Now.AddDays(900), "CN=ca"));
        File.WriteAllText(_folder.File("malformed.crt"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        File.WriteAllText(_folder.File("empty.crt"), "");
        File.WriteAllText(_folder.File("cmix-key.key"), "not matched by the glob");
        var harness = Harness();

        var m = await harness.Scrape();

        Assert.Equal(Now.AddDays(365).ToUnixTimeSeconds(), m["xx_tls_certificate_expiry_timestamp_seconds{file=\"cmix-cert.crt\"}"]);
        Assert.Equal(Now.AddDays(-30).ToUnixTimeSeconds(), m["xx_tls_certificate_not_before_timestamp_seconds{file=\"cmix-cert.crt\"}"]);
        Assert.Equal(Now.AddDays(3).ToUnixTimeSeconds(), m["xx_tls_certificate_expiry_timestamp_seconds{file=\"gateway-cert.crt\"}"]);
        Assert.Equal(Now.AddDays(-1).ToUnixTimeSeconds(), m["xx_tls_certificate_expiry_timestamp_seconds{file=\"scheduling-cert.crt\"}"]);
        Assert.Equal(Now.AddDays(90).ToUnixTimeSeconds(), m["xx_tls_certificate_expiry_timestamp_seconds{file=\"chain.crt\"}"]);
        Assert.Equal(Now.AddDays(-1).ToUnixTimeSeconds(), m["xx_tls_certificate_not_before_timestamp_seconds{file=\"chain.crt\"}"]);
        Assert.Equal(4, m.Series.Count(s => s.StartsWith("xx_tls_certificate_expiry_timestamp_seconds{")));
        Assert.Equal(2, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        await Promtool.AssertLintClean(m.Text);

        // Counted at every check, logged once per file.
        m = await harness.Scrape();
        Assert.Equal(4, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(2, harness.Logs.Lines.Count);
        Assert.Single(harness.Logs.Lines, line => line.Contains($"certificates {_folder.File("malformed.crt")}:"));
        Assert.Single(harness.Logs.Lines, line => line.Contains($"certificates {_folder.File("empty.crt")}:"));
    }

    [Fact]
    public async Task A_renewed_certificate_a_repaired_file_and_a_removed_one()
    {
        File.WriteAllText(_folder.File("gateway-cert.crt"), Pem(Now.AddDays(-362), Now.AddDays(3)));
        File.WriteAllText(_folder.File("cmix-cert.crt"), "garbage");
        var harness = Harness();
        var m = await harness.Scrape();
        Assert.Equal(1, m["xx_tls_certificate_read_errors_total"]);

        File.WriteAllText(_folder.File("gateway-cert.crt"), Pem(Now, Now.AddDays(365)));
        File.WriteAllText(_folder.File("cmix-cert.crt"), Pem(Now, Now.AddDays(700)));
        m = await harness.Scrape();
        Assert.Equal(Now.AddDays(365).ToUnixTimeSeconds(), m["xx_tls_certificate_expiry_timestamp_seconds{file=\"gateway-cert.crt\"}"]);
        Assert.Equal(Now.AddDays(700).ToUnixTimeSeconds(), m["xx_tls_certificate_expiry_timestamp_seconds{file=\"cmix-cert.crt\"}"]);
        Assert.Equal(1, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        Assert.Contains(harness.Logs.Lines, line => line.StartsWith("Information") && line.Contains("cmix-cert.crt: working again"));

        File.Delete(_folder.File("gateway-cert.crt"));
        m = await harness.Scrape();
        Assert.False(m.Has("xx_tls_certificate_expiry_timestamp_seconds{file=\"gateway-cert.crt\"}"));
        Assert.False(m.Has("xx_tls_certificate_not_before_timestamp_seconds{file=\"gateway-cert.crt\"}"));
        Assert.True(m.Has("xx_tls_certificate_expiry_timestamp_seconds{file=\"cmix-cert.crt\"}"));
    }

    [Fact]
    public async Task A_fifo_a_device_or_a_huge_file_is_a_read_error_not_a_hang()
    {
        File.WriteAllText(_folder.File("cmix-cert.crt"), Pem(Now.AddDays(-30), Now.AddDays(365)));
        var (code, output) = await Repository.RunAsync("mkfifo", _folder.File("fifo.crt"));
        Assert.True(code == 0, output);
        File.CreateSymbolicLink(_folder.File("zero.crt"), "/dev/zero");
        using (var huge = File.Create(_folder.File("huge.crt"))) huge.SetLength(64 << 20);
        var harness = Harness();

        var m = await harness.Scrape().WaitAsync(TimeSpan.FromSeconds(20));   // times out if the check hangs
        Assert.Equal(Now.AddDays(365).ToUnixTimeSeconds(), m["xx_tls_certificate_expiry_timestamp_seconds{file=\"cmix-cert.crt\"}"]);
        Assert.Equal(3, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        Assert.Single(harness.Logs.Lines, line => line.Contains("fifo.crt is not a regular file"));
        Assert.Single(harness.Logs.Lines, line => line.Contains("zero.crt is not a regular file"));
        Assert.Single(harness.Logs.Lines, line => line.Contains("huge.crt has 67108864 bytes"));
    }

    [Fact]
    public async Task No_certificate_folder_is_no_error()
    {
        var harness = new ChecksHarness(ChecksHarness.Off with { CertificateGlob = _folder.File("nowhere/*.crt") });
        var m = await harness.Scrape();
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_tls_certificate_expiry_timestamp_seconds"));
        Assert.Equal(0, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
    }
}

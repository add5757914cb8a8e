using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using XxExporter.Checks;
using XxExporter.Telemetry;
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

    private ChecksHarness Harness() => new(ChecksHarness.Off with { CertificatePatterns = [_folder.File("*.crt")] });

    private static string Expiry(string file, string kind = "other", string state = "active") =>
        $"xx_tls_certificate_expiry_timestamp_seconds{{file=\"{file}\",kind=\"{kind}\",state=\"{state}\"}}";

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

        Assert.Equal(Now.AddDays(365).ToUnixTimeSeconds(), m[Expiry("cmix-cert.crt", "identity")]);
        Assert.Equal(Now.AddDays(-30).ToUnixTimeSeconds(), m["xx_tls_certificate_not_before_timestamp_seconds{file=\"cmix-cert.crt\"}"]);
        Assert.Equal(Now.AddDays(3).ToUnixTimeSeconds(), m[Expiry("gateway-cert.crt", "identity")]);
        Assert.Equal(Now.AddDays(-1).ToUnixTimeSeconds(), m[Expiry("scheduling-cert.crt")]);
        Assert.Equal(Now.AddDays(90).ToUnixTimeSeconds(), m[Expiry("chain.crt")]);
        Assert.Equal(Now.AddDays(-1).ToUnixTimeSeconds(), m["xx_tls_certificate_not_before_timestamp_seconds{file=\"chain.crt\"}"]);
        Assert.Equal(4, m.Series.Count(s => s.StartsWith("xx_tls_certificate_expiry_timestamp_seconds{")));
        Assert.Equal(2, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        await Promtool.AssertLintClean(m.Text);

        // Counted at every check, logged once per file.
        m = await harness.Scrape();
        Assert.Equal(4, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(3, harness.Logs.Lines.Count);
        Assert.Single(harness.Logs.Lines, line => line.Contains($"{_folder.File("cmix-key.key")}: holds no unencrypted RSA or EC private key"));
        Assert.Single(harness.Logs.Lines, line => line.Contains($"certificates {_folder.File("malformed.crt")}:"));
        Assert.Single(harness.Logs.Lines, line => line.Contains($"certificates {_folder.File("empty.crt")}:"));
    }

    [Fact]
    public async Task Certificates_whose_names_share_more_than_a_label_holds_stay_two_series()
    {
        string shared = new('c', 200);
        File.WriteAllText(_folder.File(shared + "-one.crt"), Pem(Now.AddDays(-1), Now.AddDays(30)));
        File.WriteAllText(_folder.File(shared + "-two.crt"), Pem(Now.AddDays(-9), Now.AddDays(-2)));

        var m = await Harness().Scrape();

        var expiries = m.Series.Where(s => s.StartsWith("xx_tls_certificate_expiry_timestamp_seconds{")).ToList();
        Assert.Equal(2, expiries.Count);
        Assert.All(expiries, series => Assert.Matches("file=\"c{114}…#[0-9a-f]{12}\"", series));
        Assert.Equal([Now.AddDays(-2).ToUnixTimeSeconds(), Now.AddDays(30).ToUnixTimeSeconds()], expiries.Select(series => m[series]).Order());
        await Promtool.AssertLintClean(m.Text);
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
        harness.Clock.Advance(FlipLimitedLog.Interval); // a change is logged at most once a minute
        m = await harness.Scrape();
        Assert.Equal(Now.AddDays(365).ToUnixTimeSeconds(), m[Expiry("gateway-cert.crt", "identity")]);
        Assert.Equal(Now.AddDays(700).ToUnixTimeSeconds(), m[Expiry("cmix-cert.crt", "identity")]);
        Assert.Equal(1, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        Assert.Contains(harness.Logs.Lines, line => line.StartsWith("Information") && line.Contains("cmix-cert.crt: working again"));

        File.Delete(_folder.File("gateway-cert.crt"));
        m = await harness.Scrape();
        Assert.False(m.Has(Expiry("gateway-cert.crt", "identity")));
        Assert.False(m.Has("xx_tls_certificate_not_before_timestamp_seconds{file=\"gateway-cert.crt\"}"));
        Assert.True(m.Has(Expiry("cmix-cert.crt", "identity")));
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
        Assert.Equal(Now.AddDays(365).ToUnixTimeSeconds(), m[Expiry("cmix-cert.crt", "identity")]);
        Assert.Equal(3, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        Assert.Single(harness.Logs.Lines, line => line.Contains("fifo.crt is not a regular file"));
        Assert.Single(harness.Logs.Lines, line => line.Contains("zero.crt is not a regular file"));
        Assert.Single(harness.Logs.Lines, line => line.Contains("huge.crt has 67108864 bytes"));
    }

    [Fact]
    public async Task No_certificate_folder_is_no_error()
    {
        var harness = new ChecksHarness(ChecksHarness.Off with { CertificatePatterns = [_folder.File("nowhere/*.crt")] });
        var m = await harness.Scrape();
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_tls_certificate_expiry_timestamp_seconds"));
        Assert.Equal(0, m["xx_tls_certificate_read_errors_total"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        // Reported as matching nothing, and logged once.
        Assert.Equal(0, m[$"xx_tls_certificate_pattern_files{{pattern=\"{_folder.File("nowhere/*.crt")}\"}}"]);
        await harness.Scrape();
        Assert.Single(harness.Logs.Lines, line => line.Contains($"{_folder.File("nowhere/*.crt")}: matches no file (--checks.certificates)"));
    }

    /// <summary>A self-signed certificate for <paramref name="key"/> in <paramref name="name"/>.</summary>
    private void WriteCertificate(string name, AsymmetricAlgorithm key, DateTimeOffset notAfter, string subject = "CN=xx.network")
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECDsa", nameof(key)),
        };
        using var certificate = request.CreateSelfSigned(notAfter.AddYears(-2), notAfter);
        File.WriteAllText(_folder.File(name), certificate.ExportCertificatePem() + "\n");
    }

    private static string Info(string file, string kind, string state, string fingerprint) =>
        $"xx_tls_certificate_info{{file=\"{file}\",kind=\"{kind}\",state=\"{state}\",public_key_fingerprint=\"{fingerprint}\"}}";

    private static string KeyMatches(string file) => $"xx_tls_certificate_key_matches{{file=\"{file}\"}}";

    [Theory]
    [InlineData("gateway-cert.crt", "active", "identity")]
    [InlineData("cmix-cert.crt", "active", "identity")]
    [InlineData("old.gateway-cert.crt", "retired", "identity")]
    [InlineData("new.gateway-cert.crt", "pending", "identity")]
    [InlineData("new.cmix-cert.crt", "pending", "identity")]
    [InlineData("scheduling-cert.crt", "active", "other")]
    [InlineData("network-management.crt", "active", "other")]
    [InlineData("old.scheduling-cert.crt", "retired", "other")]
    [InlineData("gateway-cert.bak.crt", "active", "other")]     // a backup under another name is no rotation file
    [InlineData("Old.gateway-cert.crt", "active", "other")]
    [InlineData("my-gateway-cert.crt", "active", "other")]
    public async Task The_name_says_whether_a_certificate_is_in_use_and_whether_it_is_an_identity_certificate(string name, string state, string kind)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        WriteCertificate(name, key, Now.AddDays(100));

        var m = await Harness().Scrape();

        Assert.Equal(Now.AddDays(100).ToUnixTimeSeconds(), m[Expiry(name, kind, state)]);
        Assert.Single(m.Series, series => series.StartsWith($"xx_tls_certificate_info{{file=\"{name}\",kind=\"{kind}\",state=\"{state}\","));
    }

    [Fact]
    public async Task A_rotated_gateway_its_keys_and_a_certificate_that_does_not_match_its_key()
    {
        // The gateway after the October 2023 rotation: the active certificate and the pending copy of it, the retired
        // one expired; its key (PKCS#8, as openssl req -nodes writes it) matches the active certificate.
        using var gatewayKey = RSA.Create(2048);
        using var oldGatewayKey = RSA.Create(2048);
        WriteCertificate("gateway-cert.crt", gatewayKey, new DateTimeOffset(2033, 10, 1, 0, 0, 0, TimeSpan.Zero));
        WriteCertificate("new.gateway-cert.crt", gatewayKey, new DateTimeOffset(2033, 10, 1, 0, 0, 0, TimeSpan.Zero));
        WriteCertificate("old.gateway-cert.crt", oldGatewayKey, new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero));
        File.WriteAllText(_folder.File("gateway-key.key"), gatewayKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(_folder.File("old.gateway-key.key"), gatewayKey.ExportPkcs8PrivateKeyPem()); // retired: never compared
        // The node's certificate beside a key of another pair (PKCS#1, as older openssl writes it).
        using var cmixKey = RSA.Create(2048);
        using var otherKey = RSA.Create(2048);
        WriteCertificate("cmix-cert.crt", cmixKey, Now.AddDays(400));
        File.WriteAllText(_folder.File("cmix-key.key"), otherKey.ExportRSAPrivateKeyPem());
        // An EC pair that matches, and xx's own certificates, which have no key here.
        using var ecKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        WriteCertificate("monitor-cert.crt", ecKey, Now.AddDays(90));
        File.WriteAllText(_folder.File("monitor-key.key"), ecKey.ExportECPrivateKeyPem());
        using var schedulingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        WriteCertificate("scheduling-cert.crt", schedulingKey, Now.AddDays(900));
        var harness = Harness();

        var m = await harness.Scrape();

        string gateway = CertificateCheck.Fingerprint(gatewayKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(1, m[Info("gateway-cert.crt", "identity", "active", gateway)]);
        Assert.Equal(1, m[Info("new.gateway-cert.crt", "identity", "pending", gateway)]);
        Assert.Equal(1, m[Info("old.gateway-cert.crt", "identity", "retired", CertificateCheck.Fingerprint(oldGatewayKey.ExportSubjectPublicKeyInfo()))]);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), m[Expiry("old.gateway-cert.crt", "identity", "retired")]);
        Assert.Equal(1, m[KeyMatches("gateway-cert.crt")]);
        Assert.Equal(0, m[KeyMatches("cmix-cert.crt")]);
        Assert.Equal(1, m[KeyMatches("monitor-cert.crt")]);
        Assert.False(m.Has(KeyMatches("old.gateway-cert.crt")));
        Assert.False(m.Has(KeyMatches("new.gateway-cert.crt"))); // no new.gateway-key.key
        Assert.False(m.Has(KeyMatches("scheduling-cert.crt")));
        Assert.Equal(6, m[$"xx_tls_certificate_pattern_files{{pattern=\"{_folder.File("*.crt")}\"}}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        Assert.Empty(harness.Logs.Lines);
        await Promtool.AssertLintClean(m.Text);
        // The private keys stay where they are.
        Assert.DoesNotContain("PRIVATE", m.Text);
    }

    [Fact]
    public async Task The_fingerprint_is_what_openssl_prints_for_the_certificate_and_for_its_key()
    {
        using var key = RSA.Create(2048);
        WriteCertificate("gateway-cert.crt", key, Now.AddDays(30));
        File.WriteAllText(_folder.File("gateway-key.key"), key.ExportPkcs8PrivateKeyPem());
        string fromCertificate = await Shell(
            $"openssl x509 -in '{_folder.File("gateway-cert.crt")}' -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -c1-16");
        string fromKey = await Shell($"openssl pkey -in '{_folder.File("gateway-key.key")}' -pubout -outform DER | sha256sum | cut -c1-16");

        var m = await Harness().Scrape();

        Assert.Equal(fromCertificate, fromKey);
        Assert.Equal(1, m[Info("gateway-cert.crt", "identity", "active", fromCertificate)]);
    }

    private static async Task<string> Shell(string command)
    {
        var (code, output) = await Repository.RunAsync("sh", "-c", command);
        Assert.True(code == 0, output);
        return output.Trim();
    }

    /// <summary>A key file is parsed once while it stays the same, and again when it is replaced.</summary>
    [Fact]
    public async Task A_replaced_key_file_is_compared_again()
    {
        using var key = RSA.Create(2048);
        using var other = RSA.Create(2048);
        WriteCertificate("gateway-cert.crt", key, Now.AddDays(30));
        string keyFile = _folder.File("gateway-key.key");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        var harness = Harness();

        Assert.Equal(1, (await harness.Scrape())[KeyMatches("gateway-cert.crt")]);
        Assert.Equal(1, (await harness.Scrape())[KeyMatches("gateway-cert.crt")]);
        File.WriteAllText(keyFile, other.ExportPkcs8PrivateKeyPem());
        File.SetLastWriteTimeUtc(keyFile, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(0, (await harness.Scrape())[KeyMatches("gateway-cert.crt")]);
    }

    [Fact]
    public async Task A_key_that_cannot_be_compared_is_noticed_not_a_failure_and_not_a_mismatch()
    {
        using var key = RSA.Create(2048);
        WriteCertificate("gateway-cert.crt", key, Now.AddDays(30));
        File.WriteAllText(_folder.File("gateway-key.key"), key.ExportEncryptedPkcs8PrivateKeyPem("secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        WriteCertificate("cmix-cert.crt", key, Now.AddDays(30));
        Directory.CreateDirectory(_folder.File("cmix-key.key")); // not a regular file: cannot be read
        var harness = Harness();

        var m = await harness.Scrape();

        Assert.False(m.Has(KeyMatches("gateway-cert.crt")));
        Assert.False(m.Has(KeyMatches("cmix-cert.crt")));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        Assert.Single(harness.Logs.Lines, line => line.Contains($"{_folder.File("gateway-key.key")}: holds no unencrypted RSA or EC private key, so gateway-cert.crt is not compared"));
        Assert.Single(harness.Logs.Lines, line => line.Contains($"{_folder.File("cmix-key.key")}: cannot be read, so cmix-cert.crt is not compared"));
    }

    [Fact]
    public async Task Several_patterns_one_that_matches_nothing_and_the_same_name_in_two_folders()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(_folder.File("cred"));
        Directory.CreateDirectory(_folder.File("tls"));
        WriteCertificate("cred/gateway-cert.crt", key, Now.AddDays(10));
        WriteCertificate("cred/scheduling-cert.crt", key, Now.AddDays(20));
        WriteCertificate("tls/exporter.pem", key, Now.AddDays(30));
        WriteCertificate("tls/gateway-cert.crt", key, Now.AddDays(40));
        string[] patterns = [_folder.File("cred/*.crt"), _folder.File("tls/exporter.pem"), _folder.File("tls"), _folder.File("cred/*.pem")];
        var harness = new ChecksHarness(ChecksHarness.Off with { CertificatePatterns = patterns });

        var m = await harness.Scrape();

        Assert.Equal(Now.AddDays(10).ToUnixTimeSeconds(), m[Expiry("gateway-cert.crt", "identity")]);
        Assert.Equal(Now.AddDays(20).ToUnixTimeSeconds(), m[Expiry("scheduling-cert.crt")]);
        Assert.Equal(Now.AddDays(30).ToUnixTimeSeconds(), m[Expiry("exporter.pem")]);
        Assert.Equal([2, 1, 2, 0], patterns.Select(pattern => m[$"xx_tls_certificate_pattern_files{{pattern=\"{pattern}\"}}"]));
        // tls/gateway-cert.crt would have the label of cred/gateway-cert.crt: the first one named is reported, the other fails.
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"certificates\"}"]);
        Assert.Single(harness.Logs.Lines, line => line.Contains($"{_folder.File("tls/gateway-cert.crt")}: has the same name as {_folder.File("cred/gateway-cert.crt")}"));
        Assert.Single(harness.Logs.Lines, line => line.Contains($"{_folder.File("cred/*.pem")}: matches no file"));
        await Promtool.AssertLintClean(m.Text);
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using XxExporter.Hosting;
using XxExporter.Settings;
using XxExporter.Tests.Support;
using XxExporter.Web.Security;

namespace XxExporter.Tests.Web;

public sealed class WebConfigLoaderTests : IDisposable
{
    // Made with `htpasswd -nbBC 10 prometheus scrape-me` (Apache's $2y$ flavour, as the exporter-toolkit docs suggest).
    internal const string HtpasswdHash = "$2y$10$uP9D1DB1CmIPCUNdSph9NenmTr06SQlo7xmE6xUAoOOptuXyeZrD6";
    internal const string HtpasswdPassword = "scrape-me";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string yaml, string name = "web.yml")
    {
        string path = _folder.File(name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private string WriteCertificate(string cert = "server.crt", string key = "server.key")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_folder.File(cert))!);
        using var certificate = TestCertificates.SelfSignedEc();
        TestCertificates.WritePem(certificate, _folder.File(cert), _folder.File(key));
        return File.ReadAllText(_folder.File(key));
    }

    private static string Problem(string path) => Assert.Throws<SettingsException>(() => WebConfigLoader.Load(path)).Message;

    [Fact]
    public void A_full_config_resolves_files_from_its_own_folder()
    {
        WriteCertificate("tls/server.crt", "tls/server.key");
        string path = Write($"""
            # as in the exporter-toolkit docs
            tls_server_config:
              cert_file: tls/server.crt
              key_file: "tls/server.key"
            basic_auth_users:
              prometheus: {HtpasswdHash}
              'grafana': '$2b$04$abcdefghijklmnopqrstuu5Ls7pAhWLXhGV1nXDoQbeKUUkQ.RlHy'
            """);
        // Relative to the config file, not to the working folder.
        var config = WebConfigLoader.Load(path);
        Assert.Equal(new TlsServerConfig(_folder.File("tls/server.crt"), _folder.File("tls/server.key")), config.Tls);
        Assert.True(config.BasicAuthEnabled);
        Assert.Equal(["grafana", "prometheus"], config.BasicAuthUsers.Keys.Order());
        Assert.Equal(HtpasswdHash, config.BasicAuthUsers["prometheus"]);
        Assert.Equal(path, config.Path);
        // Printing the config names users, never hashes.
        Assert.Contains("grafana, prometheus", config.ToString());
        Assert.DoesNotContain("$2", config.ToString());
    }

    [Fact]
    public void Absolute_paths_are_kept()
    {
        WriteCertificate();
        var config = WebConfigLoader.Load(Write($"tls_server_config:\n  cert_file: {_folder.File("server.crt")}\n  key_file: {_folder.File("server.key")}\n"));
        Assert.Equal(_folder.File("server.crt"), config.Tls!.CertFile);
        Assert.Empty(config.BasicAuthUsers);
        Assert.False(config.BasicAuthEnabled);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing yet\n")]
    [InlineData("---\n")]
    [InlineData("tls_server_config:\nbasic_auth_users:\n")]
    [InlineData("tls_server_config: {}\nbasic_auth_users: {}\n")]
    [InlineData("tls_server_config:\n  cert_file: \"\"\n  key_file: ~\n")]
    public void Empty_files_and_sections_turn_the_features_off(string yaml)
    {
        var config = WebConfigLoader.Load(Write(yaml));
        Assert.Null(config.Tls);
        Assert.Empty(config.BasicAuthUsers);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        string path = _folder.File("absent.yml");
        Assert.Equal($"web config {path}: no such file", Problem(path));
        Assert.Equal($"web config {_folder.Path}: is a folder, not a file", Problem(_folder.Path));
    }

    [Fact]
    public void A_missing_certificate_file_is_named_with_its_full_path()
    {
        string path = Write("tls_server_config:\n  cert_file: missing.pem\n  key_file: missing.key\n");
        Assert.Equal($"web config {path}: tls_server_config.cert_file {_folder.File("missing.pem")}: no such file", Problem(path));
    }

    [Fact]
    public void A_missing_key_file_is_named_with_its_full_path()
    {
        WriteCertificate();
        string path = Write("tls_server_config:\n  cert_file: server.crt\n  key_file: gone/server.key\n");
        Assert.Equal($"web config {path}: tls_server_config.key_file {_folder.File("gone/server.key")}: no such file", Problem(path));
    }

    [Theory]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n", "tls_server_config: key_file is missing (cert_file is set)")]
    [InlineData("tls_server_config:\n  key_file: server.key\n", "tls_server_config: cert_file is missing (key_file is set)")]
    public void Half_a_tls_section_is_an_error(string yaml, string problem)
    {
        WriteCertificate();
        string path = Write(yaml);
        Assert.Equal($"web config {path}: {problem}", Problem(path));
    }

    [Fact]
    public void A_key_that_belongs_to_another_certificate_is_refused_without_showing_it()
    {
        string otherKey = WriteCertificate("other.crt", "other.key");
        WriteCertificate();
        string path = Write("tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n");
        string message = Problem(path);
        Assert.Equal($"web config {path}: tls_server_config.key_file {_folder.File("other.key")}: does not match the certificate in cert_file", message);
        AssertShowsNoKey(message, otherKey);
    }

    [Fact]
    public void Swapped_files_are_recognised()
    {
        string key = WriteCertificate();
        string path = Write("tls_server_config:\n  cert_file: server.key\n  key_file: server.crt\n");
        string message = Problem(path);
        Assert.Equal($"web config {path}: tls_server_config.cert_file {_folder.File("server.key")}: holds a private key but no certificate (cert_file and key_file swapped?)", message);
        AssertShowsNoKey(message, key);
    }

    [Fact]
    public void Files_that_are_not_pem_are_refused()
    {
        WriteCertificate();
        File.WriteAllText(_folder.File("junk.pem"), "not a certificate\n");
        string path = Write("tls_server_config:\n  cert_file: junk.pem\n  key_file: server.key\n");
        Assert.Equal($"web config {path}: tls_server_config.cert_file {_folder.File("junk.pem")}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it", Problem(path));

        path = Write("tls_server_config:\n  cert_file: server.crt\n  key_file: junk.pem\n");
        Assert.Equal($"web config {path}: tls_server_config.key_file {_folder.File("junk.pem")}: no PEM private key (-----BEGIN PRIVATE KEY-----) in it", Problem(path));
    }

    [Fact]
    public void An_encrypted_key_is_refused_with_a_way_out()
    {
        using var certificate = TestCertificates.SelfSignedEc();
        File.WriteAllText(_folder.File("server.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(_folder.File("server.key"), certificate.GetECDsaPrivateKey()!.ExportEncryptedPkcs8PrivateKeyPem("secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)));
        string path = Write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
        Assert.StartsWith($"web config {path}: tls_server_config.key_file {_folder.File("server.key")}: the private key is encrypted;", Problem(path));
    }

    [Fact]
    public void A_client_only_certificate_is_refused()
    {
        using var certificate = TestCertificates.SelfSignedEc(eku: TestCertificates.ClientAuth);
        TestCertificates.WritePem(certificate, _folder.File("server.crt"), _folder.File("server.key"));
        string path = Write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
        Assert.Equal($"web config {path}: tls_server_config.cert_file {_folder.File("server.crt")}: the certificate is not for TLS servers (its extended key usage lacks serverAuth)",
            Problem(path));
    }

    [Fact]
    public void Rsa_keys_load_in_pkcs1_and_pkcs8_and_ec_keys_in_sec1()
    {
        using var rsa = TestCertificates.SelfSignedRsa();
        File.WriteAllText(_folder.File("rsa.crt"), rsa.ExportCertificatePem());
        File.WriteAllText(_folder.File("rsa1.key"), rsa.GetRSAPrivateKey()!.ExportRSAPrivateKeyPem());
        File.WriteAllText(_folder.File("rsa8.key"), rsa.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        using var ec = TestCertificates.SelfSignedEc();
        File.WriteAllText(_folder.File("ec.crt"), ec.ExportCertificatePem());
        // openssl ecparam -genkey writes the curve's parameters before the key.
        File.WriteAllText(_folder.File("ec.key"), "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
            + ec.GetECDsaPrivateKey()!.ExportECPrivateKeyPem());
        foreach (var (cert, key) in new[] { ("rsa.crt", "rsa1.key"), ("rsa.crt", "rsa8.key"), ("ec.crt", "ec.key") })
        {
            var config = WebConfigLoader.Load(Write($"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"));
            Assert.Equal(_folder.File(key), config.Tls!.KeyFile);
        }
    }

    [Theory]
    [InlineData("not-a-hash")]
    [InlineData("$2y$10$tooshort")]
    [InlineData("$2y$03$uP9D1DB1CmIPCUNdSph9NenmTr06SQlo7xmE6xUAoOOptuXyeZrD6")] // cost below 4
    [InlineData("$1$uP9D1DB1CmIPCUNdSph9NenmTr06SQlo7xmE6xUAoOOptuXyeZrD6")] // md5-crypt
    [InlineData("'{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g='")] // htpasswd -s
    [InlineData("plain-password")]
    [InlineData("\"\"")]
    public void A_value_that_is_not_a_bcrypt_hash_is_refused_without_showing_it(string value)
    {
        string path = Write($"basic_auth_users:\n  prometheus: {HtpasswdHash}\n  alice: {value}\n");
        string message = Problem(path);
        Assert.Equal($"web config {path}: basic_auth_users.alice: not a bcrypt hash", message);
        string shown = value.Trim('\'', '"');
        if (shown.Length > 0) Assert.DoesNotContain(shown, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("basic_auth_users:\n  alice:\n", "basic_auth_users.alice: expected a bcrypt hash (line 2)")]
    [InlineData("basic_auth_users:\n  alice: [a, b]\n", "basic_auth_users.alice: expected a bcrypt hash (line 2)")]
    [InlineData("basic_auth_users:\n  \"a:b\": $2y$10$uP9D1DB1CmIPCUNdSph9NenmTr06SQlo7xmE6xUAoOOptuXyeZrD6\n", "basic_auth_users.a:b: a user name cannot contain ':'")]
    [InlineData("basic_auth_users:\n  \"\": $2y$10$uP9D1DB1CmIPCUNdSph9NenmTr06SQlo7xmE6xUAoOOptuXyeZrD6\n", "basic_auth_users: a user name is empty (line 2)")]
    [InlineData("basic_auth_users:\n  - alice\n", "basic_auth_users: expected a mapping of user name to bcrypt hash (line 2)")]
    [InlineData("tls_server_config: server.crt\n", "tls_server_config: expected a mapping with cert_file and key_file (line 1)")]
    [InlineData("tls_server_config:\n  cert_file: [a]\n", "tls_server_config.cert_file: expected a file name (line 2)")]
    [InlineData("- tls_server_config\n", "expected a mapping of tls_server_config and basic_auth_users at the top (line 1)")]
    [InlineData("{[a]: b}\n", "keys must be plain strings (line 1)")]
    public void Values_of_the_wrong_shape_are_refused(string yaml, string problem)
    {
        string path = Write(yaml);
        Assert.Equal($"web config {path}: {problem}", Problem(path));
    }

    [Theory]
    [InlineData("basic_auth_user:\n  alice: x\n", "unknown key \"basic_auth_user\" (line 1; known: tls_server_config, basic_auth_users)")]
    [InlineData("tls_server_config:\n  certfile: a.pem\n", "tls_server_config: unknown key \"certfile\" (line 2; known: cert_file, key_file)")]
    [InlineData("tls_config:\n  cert_file: a.pem\n", "unknown key \"tls_config\" (line 1; known: tls_server_config, basic_auth_users)")]
    public void Unknown_keys_are_refused_by_name(string yaml, string problem)
    {
        string path = Write(yaml);
        Assert.Equal($"web config {path}: {problem}", Problem(path));
    }

    [Theory]
    [InlineData("http_server_config:\n  http2: false\n", "http_server_config: not supported by xx-exporter (supported: tls_server_config, basic_auth_users)")]
    [InlineData("rate_limit:\n  interval: 1s\n", "rate_limit: not supported by xx-exporter (supported: tls_server_config, basic_auth_users)")]
    [InlineData("tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n", "tls_server_config.client_auth_type: not supported by xx-exporter (supported: cert_file, key_file)")]
    [InlineData("tls_server_config:\n  min_version: TLS13\n", "tls_server_config.min_version: not supported by xx-exporter (supported: cert_file, key_file)")]
    public void Toolkit_keys_xx_exporter_does_not_implement_are_refused_not_ignored(string yaml, string problem)
    {
        string path = Write(yaml);
        Assert.Equal($"web config {path}: {problem}", Problem(path));
    }

    [Theory]
    [InlineData("basic_auth_users:\n  alice: [1\n", "invalid YAML at line 3, column 1: While parsing a flow sequence, did not find expected ',' or ']'")]
    [InlineData("basic_auth_users:\n\talice: x\n", "invalid YAML at line 2: a tab in the indentation (YAML indents with spaces only)")]
    [InlineData("basic_auth_users:\n  alice: x\n bob: y\n", "invalid YAML at line 3, column 2: While parsing a block mapping, did not find expected key")]
    [InlineData("basic_auth_users:\n  alice: 'x\n", "invalid YAML at line 2, column 10:")]
    [InlineData("basic_auth_users:\n  alice: $2y$10$uP9D1DB1CmIPCUNdSph9NenmTr06SQlo7xmE6xUAoOOptuXyeZrD6\n  alice: $2y$10$uP9D1DB1CmIPCUNdSph9NenmTr06SQlo7xmE6xUAoOOptuXyeZrD6\n",
        "invalid YAML at line 3, column 3: Duplicate key alice")]
    [InlineData("basic_auth_users: {}\n---\nbasic_auth_users: {}\n", "holds more than one YAML document")]
    public void Malformed_yaml_is_refused_with_its_line(string yaml, string problem)
    {
        string path = Write(yaml);
        string message = Problem(path);
        Assert.True(message.StartsWith($"web config {path}: {problem}", StringComparison.Ordinal), message);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain("$2y$", message);
    }

    [Fact]
    public void Bcrypt_hashes_of_every_common_flavour_are_recognised()
    {
        Assert.True(WebConfigLoader.IsBcryptHash(HtpasswdHash));
        Assert.True(WebConfigLoader.IsBcryptHash(BCrypt.Net.BCrypt.HashPassword("x", 4))); // $2a$ as Go writes it
        Assert.True(WebConfigLoader.IsBcryptHash("$2b$31$abcdefghijklmnopqrstuu5Ls7pAhWLXhGV1nXDoQbeKUUkQ.RlHy"));
        Assert.False(WebConfigLoader.IsBcryptHash("$2y$32$abcdefghijklmnopqrstuu5Ls7pAhWLXhGV1nXDoQbeKUUkQ.RlHy"));
        Assert.False(WebConfigLoader.IsBcryptHash("$2x$10$abcdefghijklmnopqrstuu5Ls7pAhWLXhGV1nXDoQbeKUUkQ.RlHy"));
        Assert.False(WebConfigLoader.IsBcryptHash(HtpasswdHash + "\n"));
    }

    private static void AssertShowsNoKey(string message, string keyPem)
    {
        Assert.DoesNotContain("PRIVATE KEY", message);
        // No line of the key's base64 appears in the message.
        foreach (string line in keyPem.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----")))
            Assert.DoesNotContain(line[..Math.Min(16, line.Length)], message);
    }
}

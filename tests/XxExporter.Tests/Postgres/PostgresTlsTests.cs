using System.Diagnostics;
using System.Runtime.Versioning;
using XxExporter.Tests.Support;
using XxExporter.Tests.Web;

namespace XxExporter.Tests.Postgres;

/// <summary>A PostgreSQL server that offers TLS with a self-signed certificate for 127.0.0.1.</summary>
public sealed class TlsDatabase : IDisposable
{
    private readonly TempFolder _certificates = new();

    [UnsupportedOSPlatform("windows")]
    public TlsDatabase()
    {
        using var certificate = TestCertificates.SelfSignedEc("xx-exporter postgres test");
        string key = _certificates.File("server.key");
        TestCertificates.WritePem(certificate, CertificateFile, key);
        // PostgreSQL refuses a key that others can read, or that is not its own (it runs as postgres under root).
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Environment.UserName == "root") Process.Start("chown", ["-R", "postgres:postgres", _certificates.Path])!.WaitForExit();
        Server = new PostgresServer("ssl=on", $"ssl_cert_file={CertificateFile}", $"ssl_key_file={key}");
    }

    public PostgresServer Server { get; }

    /// <summary>The server's certificate, which being self-signed is also the root a client has to trust.</summary>
    public string CertificateFile => _certificates.File("server.crt");

    public void Dispose()
    {
        Server.Dispose();
        _certificates.Dispose();
    }
}

[Collection(PostgresCollection.Name)]
[FullLane]
public sealed class PostgresTlsTests(TlsDatabase tls) : IClassFixture<TlsDatabase>, IAsyncLifetime
{
    private const string Password = "Tls-Exp0rter-Pw";
    private readonly CapturedLogs _logs = new();
    private readonly List<PostgresScrapes> _created = new();

    /// <summary>
    /// The database read with <paramref name="flags"/>, logging in as a role of its own so the server can tell its
    /// backends from those of earlier tests.
    /// </summary>
    private (PostgresScrapes Postgres, string Role) Scrapes(params string[] flags)
    {
        string role = $"xx_tls_{Guid.NewGuid():N}";
        tls.Server.Execute("postgres", $"CREATE ROLE {role} LOGIN PASSWORD '{Password}'; GRANT pg_monitor TO {role};");
        var postgres = new PostgresScrapes(_logs.Factory, Password, ["--postgres.gateway.host", "127.0.0.1", "--postgres.gateway.port",
            tls.Server.Port.ToString(), "--postgres.gateway.user", role, "--postgres.gateway.database", "postgres", "--postgres.timeout", "2s", .. flags]);
        _created.Add(postgres);
        return (postgres, role);
    }

    /// <summary>Whether each backend of <paramref name="role"/> is encrypted, as the server sees it.</summary>
    private bool[] Encrypted(string role) => tls.Server.Scalar<bool[]>("postgres",
        $"SELECT coalesce(array_agg(s.ssl), '{{}}') FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = '{role}'");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var postgres in _created) await postgres.DisposeAsync();
    }

    [Theory]
    [InlineData("require", true)]
    [InlineData(null, true)] // the default, prefer
    [InlineData("disable", false)]
    public async Task The_collector_encrypts_when_the_mode_asks_or_prefers_it(string? sslMode, bool encrypted)
    {
        var (postgres, role) = Scrapes(sslMode is null ? [] : ["--postgres.gateway.sslmode", sslMode]);
        var m = await postgres.Scrape();
        Assert.Equal(1, m["xx_postgres_up{database=\"postgres\"}"]);
        // The pooled connection stays open after the scrape, so the server still lists it.
        Assert.Equal(new[] { encrypted }, Encrypted(role));
    }

    [Theory]
    [InlineData("verify-full")]
    [InlineData("verify-ca")]
    public async Task Verification_against_the_given_root_certificate_connects(string sslMode)
    {
        var (postgres, role) = Scrapes("--postgres.gateway.sslmode", sslMode, "--postgres.gateway.sslrootcert", tls.CertificateFile);
        Assert.Equal(1, (await postgres.Scrape())["xx_postgres_up{database=\"postgres\"}"]);
        Assert.Equal(new[] { true }, Encrypted(role));
    }

    [Fact]
    public async Task Pgsslrootcert_is_honoured_when_no_root_certificate_is_given()
    {
        var (postgres, role) = Scrapes("--postgres.gateway.sslmode", "verify-full");
        Environment.SetEnvironmentVariable("PGSSLROOTCERT", tls.CertificateFile);
        try
        {
            Assert.Equal(1, (await postgres.Scrape())["xx_postgres_up{database=\"postgres\"}"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PGSSLROOTCERT", null);
        }
        Assert.Equal(new[] { true }, Encrypted(role));
    }

    [Theory]
    [InlineData("verify-full")]
    [InlineData("verify-ca")]
    public async Task Verification_of_a_certificate_nobody_vouches_for_fails_clearly_and_never_shows_the_password(string sslMode)
    {
        var (postgres, role) = Scrapes("--postgres.gateway.sslmode", sslMode);
        var m = await postgres.Scrape();
        Assert.Equal(0, m["xx_postgres_up{database=\"postgres\"}"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"postgres_postgres\"}"]);
        Assert.Empty(Encrypted(role));
        string warning = Assert.Single(_logs.Lines, line => line.Contains("not answering"));
        Assert.Contains("--postgres.gateway.sslrootcert", warning);
        Assert.DoesNotContain(Password, _logs.All);
        Assert.DoesNotContain(Password, m.Text);
    }
}

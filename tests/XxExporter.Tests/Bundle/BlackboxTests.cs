using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The outside-in gateway check: Debian's blackbox_exporter with the shipped blackbox/blackbox.yml, probing TLS
/// servers on 127.0.0.1 that answer as a gateway's HTTPS side does, and the shipped rules on the series it gives.
/// </summary>
public class BlackboxTests
{
    private const string Program = "prometheus-blackbox-exporter";
    private const string Config = "blackbox/blackbox.yml";

    [Fact]
    public async Task The_shipped_config_is_valid_for_the_real_blackbox_exporter()
    {
        var (code, output) = await Repository.RunAsync(Program, $"--config.file={Repository.PathOf(Config)}", "--config.check");
        Assert.True(code == 0, output);
    }

    [FullLane]
    [Fact]
    public async Task It_tells_a_trusted_certificate_from_a_self_signed_one_and_a_closed_port_and_the_rules_follow()
    {
        using var folder = new TempFolder();
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        // The test CA outlives the certificate it signs, so the served chain's earliest expiry is the certificate's.
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=xx-exporter test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(365));
        File.WriteAllText(folder.File("ca.crt"), ca.ExportCertificatePem());
        // Ten days left: inside XxCertificateExpiring's 14 days.
        var notAfter = now.AddDays(10);
        using var trusted = GatewayHttps.LocalhostCertificate((request, serial) => request.Create(ca, now.AddDays(-1), notAfter, serial));
        using var selfSigned = GatewayHttps.LocalhostCertificate((request, _) => request.CreateSelfSigned(now.AddDays(-1), notAfter));

        await using var trustedGateway = await GatewayHttps.StartAsync(trusted);
        await using var selfSignedGateway = await GatewayHttps.StartAsync(selfSigned);
        int closed = Loopback.FreePort();

        // The shipped modules, trusting the test CA instead of the system's.
        string shipped = File.ReadAllText(Repository.PathOf(Config));
        string config = shipped.Replace("        insecure_skip_verify: false\n", $"        insecure_skip_verify: false\n        ca_file: {folder.File("ca.crt")}\n");
        Assert.Equal(2, (config.Length - shipped.Length) / $"        ca_file: {folder.File("ca.crt")}\n".Length);
        File.WriteAllText(folder.File("blackbox.yml"), config);
        await using var blackbox = await ServerProcess.StartAsync(Program, folder.Path,
            port => [$"--config.file={folder.File("blackbox.yml")}", $"--web.listen-address=127.0.0.1:{port}"], readyPath: "/-/healthy");

        // The targets as prometheus.yml's jobs give them: host:port, a URL for the http prober.
        async Task<Exposition> Probe(string module, int port) =>
            Exposition.Parse(await blackbox.Http.GetStringAsync(
                $"/probe?module={module}&target=" + Uri.EscapeDataString(module == "gateway_h2" ? $"https://localhost:{port}/" : $"localhost:{port}")));

        var valid = (Tcp: await Probe("gateway_tcp", trustedGateway.Port), Tls: await Probe("gateway_tls", trustedGateway.Port), H2: await Probe("gateway_h2", trustedGateway.Port));
        var invalid = (Tcp: await Probe("gateway_tcp", selfSignedGateway.Port), Tls: await Probe("gateway_tls", selfSignedGateway.Port), H2: await Probe("gateway_h2", selfSignedGateway.Port));
        var unreachable = (Tcp: await Probe("gateway_tcp", closed), Tls: await Probe("gateway_tls", closed), H2: await Probe("gateway_h2", closed));

        Assert.Equal<double>([1, 1, 1], [valid.Tcp["probe_success"], valid.Tls["probe_success"], valid.H2["probe_success"]]);
        Assert.Equal(notAfter.ToUnixTimeSeconds(), valid.Tls["probe_ssl_earliest_cert_expiry"]);
        Assert.Equal(2, valid.H2["probe_http_version"]);
        Assert.Equal(405, valid.H2["probe_http_status_code"]);
        // The tcp prober offers no ALPN and no series tells: only the http prober shows HTTP/2.
        Assert.DoesNotContain(valid.Tls.Series, s => s.Contains("alpn", StringComparison.OrdinalIgnoreCase) || s.StartsWith("probe_http_version", StringComparison.Ordinal));

        // Self-signed: the port answers, no verified handshake, so no expiry either.
        Assert.Equal<double>([1, 0, 0], [invalid.Tcp["probe_success"], invalid.Tls["probe_success"], invalid.H2["probe_success"]]);
        Assert.False(invalid.Tls.Has("probe_ssl_earliest_cert_expiry"));
        Assert.Equal<double>([0, 0, 0], [unreachable.Tcp["probe_success"], unreachable.Tls["probe_success"], unreachable.H2["probe_success"]]);

        // The shipped rules on these series, each probe's result held from the start (promtool's clock starts at 0,
        // so the expiry is shifted to be as far ahead of it as it is of now).
        var test = new StringBuilder($"rule_files:\n  - {Repository.PathOf("prometheus/rules/xx-alerts.yml")}\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
        foreach (var (instance, probes) in new[] { ("valid", valid), ("self-signed", invalid), ("closed", unreachable) })
        {
            foreach (var (job, probe) in new[] { ("xx-gateway-tcp", probes.Tcp), ("xx-gateway-tls", probes.Tls), ("xx-gateway-h2", probes.H2) })
            {
                string labels = $"instance=\"{instance}.example.invalid:22840\",job=\"{job}\",validator=\"val-{instance}\",site=\"cloud\"";
                test.Append(Input($"probe_success{{{labels}}}", probe["probe_success"]));
                if (probe.Has("probe_ssl_earliest_cert_expiry"))
                    test.Append(Input($"probe_ssl_earliest_cert_expiry{{{labels}}}", probe["probe_ssl_earliest_cert_expiry"] - now.ToUnixTimeSeconds()));
            }
        }
        const string Unreachable = "alertname=\"XxGatewayUnreachableFromOutside\",severity=\"critical\",instance=\"closed.example.invalid:22840\",job=\"xx-gateway-tcp\",validator=\"val-closed\",site=\"cloud\"";
        const string Expiring = "alertname=\"XxCertificateExpiring\",severity=\"warning\",instance=\"valid.example.invalid:22840\",job=\"xx-gateway-tls\",validator=\"val-valid\",site=\"cloud\"";
        const string NoCertificate = "alertname=\"XxGatewayHttpsUnusable\",severity=\"warning\",problem=\"certificate\",instance=\"self-signed.example.invalid:22840\",job=\"xx-gateway-tls\",validator=\"val-self-signed\",site=\"cloud\"";
        // Each alert's for: from both sides: 5m, 10m and 15m.
        test.Append("    promql_expr_test:\n");
        foreach (var (eval, firing) in new (string, string[])[]
                 {
                     ("4m", []), ("5m", [Unreachable]), ("9m", [Unreachable]), ("10m", [Unreachable, Expiring]),
                     ("14m", [Unreachable, Expiring]), ("15m", [Unreachable, Expiring, NoCertificate]),
                 })
        {
            test.Append($"      - eval_time: {eval}\n");
            test.Append("        expr: 'ALERTS{alertstate=\"firing\",alertname=~\"XxGatewayUnreachableFromOutside|XxGatewayHttpsUnusable|XxCertificateExpiring\"}'\n");
            test.Append(firing.Length == 0 ? "        exp_samples: []\n" : "        exp_samples:\n");
            foreach (string alert in firing) test.Append($"          - labels: 'ALERTS{{alertstate=\"firing\",{alert}}}'\n            value: 1\n");
        }
        File.WriteAllText(folder.File("rules.test.yml"), test.ToString());
        var (code, output) = await Repository.RunInAsync(folder.Path, "promtool", "test", "rules", "rules.test.yml");
        Assert.True(code == 0, output + "\n" + test);
    }

    private static string Input(string series, double value) =>
        $"      - series: '{series}'\n        values: '{value.ToString(CultureInfo.InvariantCulture)}x20'\n";
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using XxExporter.Tests.Support;
using Xunit.Abstractions;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// Push from every host across real networks (docs/operations.md "Fleets"): TwoSites.sh builds two sites and a centre
/// as network namespaces inside a network namespace of its own (<c>unshare --net</c>: nothing may leave the machine, and
/// the machine's own default route is not there to leak through), runs a simulated node, the exporter, node_exporter and
/// the shipped agent config on each host, and a receiver with the shipped rules and Alertmanager at the centre. Here the
/// results are judged: the hosts arrive with their own labels through NAT, the centre reaches nothing at a site, the
/// node run at both sites shows in the cross-site alerts, a host powered off and a site cut off alert within 5
/// minutes as one page for the site, and the cut-off site's agent sends what it kept when the link is back. The sizing
/// of docs/operations.md "Fleets" is measured on the way.
/// </summary>
[FullLane(StartFirst = true)]
public sealed class TwoSitesEndToEndTests(ITestOutputHelper output)
{
    private const string Central = "10.77.0.1";
    private static readonly string[] Hosts = ["node.home.invalid:19420", "gateway.home.invalid:19420", "node.cloud.invalid:19420"];

    [SkippableFact]
    public async Task Two_sites_push_through_NAT_and_the_centre_sees_them_meet_vanish_and_catch_up()
    {
        Skip.If(Environment.UserName != "root", "the two-site test needs root (CAP_SYS_ADMIN) to make network namespaces: skipped");
        var (code, probe) = await Repository.RunAsync("unshare", "--net", "--mount", "ip", "link", "set", "lo", "up");
        Skip.If(code != 0, $"network namespaces cannot be made on this machine (unshare --net --mount: {probe.Trim()}): skipped");

        using var folder = new TempFolder();
        string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        WriteReceiverTls(folder, password);
        string results = folder.File("results.tsv");
        var lines = await RunTwoSites(folder, password, results);
        var r = lines.GroupBy(l => l.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        string Get(string key) => r.TryGetValue(key, out var v) ? v : throw new Xunit.Sdk.XunitException($"TwoSites.sh did not report {key}");

        // Every series arrives with the host's labels set at the host; no scrape address of 127.0.0.1 reaches the centre.
        var up = JsonNode.Parse(Get("up"))!.AsArray();
        Assert.Equal(Hosts.Order(), up.Select(s => Label(s, "instance")).Distinct().Order());
        Assert.All(up, s => Assert.Equal(Label(s, "instance").Contains(".home.") ? "home" : "cloud", Label(s, "site")));
        Assert.All(up, s => Assert.Equal("validator-1", Label(s, "validator")));
        Assert.Equal(["node", "prometheus-agent", "xx-exporter"], up.Select(s => Label(s, "job")).Distinct().Order());

        // Each agent's own remote-write series arrive too: XxRemoteWriteFailing can judge every host at the centre.
        var behind = JsonNode.Parse(Get("behind_by_host"))!.AsArray();
        Assert.Equal(Hosts.Order(), behind.Select(s => Label(s, "instance")).Order());
        Assert.All(behind, s => Assert.InRange(double.Parse(s!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture), 0, 120));

        // Outbound only: the site reaches its own listener, the centre neither the router nor a host behind it.
        Assert.Equal("reached", Get("site_host_from_site"));
        Assert.Equal("refused", Get("router_from_centre"));
        Assert.Equal("refused", Get("host_from_centre"));
        Assert.Contains("unreachable", Get("route_from_centre_to_lan"));

        // One node (one IDF, one set of session keys) run at both sites: the centre's ruler sees both.
        foreach (string alert in new[] { "XxNodeActiveAtTwoSites", "XxNodeIdentityOnTwoHosts" })
            Assert.Equal(["cloud", "home"], JsonNode.Parse(Get($"fired_{alert}"))!.AsArray().Select(s => Label(s, "site")).Order());
        Assert.NotEmpty(JsonNode.Parse(Get("fired_XxValidatorSessionKeysLiveTwice"))!.AsArray());

        // The gateway powered off and cloud's uplink cut: both seen within 5 minutes; cloud is one page for the site.
        Assert.InRange(int.Parse(Get("vanished_host_after_s")), 120, 300);
        Assert.InRange(int.Parse(Get("vanished_site_after_s")), 120, 300);
        var held = JsonNode.Parse(Get("alertmanager"))!.AsArray()
            .ToDictionary(a => $"{a!["alertname"]} {a["instance"]?.GetValue<string>() ?? a["site"]!.GetValue<string>()}", a => a!["inhibited"]!.GetValue<bool>());
        Assert.False(held["XxHostVanished gateway.home.invalid:19420"]);
        Assert.True(held["XxHostVanished node.cloud.invalid:19420"]);
        Assert.False(held["XxSiteVanished cloud"]);
        Assert.Equal("1", Get("home_still_arriving"));

        // The uplink back: the samples of the outage arrive from the agent's WAL, none lost.
        int outage = int.Parse(Get("outage_s"));
        Assert.True(int.Parse(Get("outage_samples")) >= outage / 15 - 1, $"{Get("outage_samples")} samples of a {outage} s outage at 15 s");

        Report(r);
    }

    /// <summary>The figures docs/operations.md "Fleets" quotes, from the receiver's own metrics.</summary>
    private void Report(Dictionary<string, string> r)
    {
        var seriesByHost = JsonNode.Parse(r["series_per_instance"])!.AsArray()
            .GroupBy(s => Label(s, "instance")).ToDictionary(g => g.Key, g => g.Sum(s => double.Parse(s!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture)));
        foreach (var (host, series) in seriesByHost.OrderBy(h => h.Key)) output.WriteLine($"series at the centre from {host}: {series}");
        foreach (var s in JsonNode.Parse(r["samples_per_s_by_host"])!.AsArray())
            output.WriteLine($"samples/s sent by {Label(s, "instance")}: {double.Parse(s!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture):F1}");
        var samples = r["samples_appended"].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var disk = r["receiver_disk_bytes"].Split(' ').Select(double.Parse).ToArray();
        double perSecond = (samples[1] - samples[0]) / samples[2];
        double diskPerDay = (disk[1] - disk[0]) / samples[2] * 86400;
        double rss = double.Parse(r["receiver_rss_after"], CultureInfo.InvariantCulture), before = double.Parse(r["receiver_rss_before"], CultureInfo.InvariantCulture);
        output.WriteLine($"receiver: {perSecond:F1} samples/s appended, head series {r["receiver_head_series"]}");
        output.WriteLine($"receiver data folder (WAL and head) grew {diskPerDay / Hosts.Length / (1 << 20):F1} MiB per host per day ({(disk[1] - disk[0]) / (samples[1] - samples[0]):F2} bytes per sample)");
        output.WriteLine($"receiver RSS {before / (1 << 20):F0} MiB before the hosts, {rss / (1 << 20):F0} MiB with {Hosts.Length}: {(rss - before) / Hosts.Length / (1 << 20):F1} MiB per host");
        output.WriteLine($"an agent: RSS {double.Parse(r["agent_rss"], CultureInfo.InvariantCulture) / (1 << 20):F0} MiB, WAL {double.Parse(r["agent_wal_bytes"]) / (1 << 20):F1} MiB");
        output.WriteLine($"alerts after the start: {string.Join(", ", r.Where(kv => kv.Key.EndsWith("_after_s", StringComparison.Ordinal)).Select(kv => $"{kv.Key} {kv.Value} s"))}");
    }

    private static string Label(JsonNode? series, string name) => series!["metric"]![name]?.GetValue<string>() ?? "";

    /// <summary>The receiver's TLS certificate for its address (a CA of the test's own) and its basic-auth user.</summary>
    private static void WriteReceiverTls(TempFolder folder, string password)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=xx two-site test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=central", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse(Central));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(folder.File("ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(folder.File("server.crt"), leaf.ExportCertificatePem());
        File.WriteAllText(folder.File("server.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(folder.File("web.yml"), $"""
            tls_server_config:
              cert_file: {folder.File("server.crt")}
              key_file: {folder.File("server.key")}
            basic_auth_users:
              xx-agent: {BCrypt.Net.BCrypt.HashPassword(password, 4)}
            """);
    }

    /// <summary>Runs TwoSites.sh in a network and mount namespace of its own; its lines as (key, value).</summary>
    private async Task<List<(string Key, string Value)>> RunTwoSites(TempFolder folder, string password, string results)
    {
        Lanes.ServerStarting("the two-site network");
        string work = Directory.CreateDirectory(folder.File("work")).FullName;
        foreach (string file in new[] { "ca.crt", "web.yml" }) File.Copy(folder.File(file), Path.Combine(work, file));
        var start = new ProcessStartInfo("unshare") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "--net", "--mount", "--propagation", "private", "--kill-child", "bash", Repository.PathOf("tests/XxExporter.Tests/Bundle/TwoSites.sh") })
            start.ArgumentList.Add(arg);
        start.Environment["BIN"] = AppContext.BaseDirectory;
        start.Environment["REPO"] = Repository.Root;
        start.Environment["WORK"] = work;
        start.Environment["OUT"] = results;
        start.Environment["PASSWORD"] = password;
        start.Environment["TIMEOUT_S"] = "420";
        using var process = Repository.Start(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(25));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        string log = await stdout + await stderr;
        var lines = File.Exists(results)
            ? File.ReadAllLines(results).Select(l => l.Split('\t', 2)).Select(p => (p[0], p.Length > 1 ? p[1] : "")).ToList()
            : [];
        foreach (var (key, value) in lines) output.WriteLine($"{key}\t{value}");
        if (!process.HasExited || process.ExitCode != 0 || !lines.Contains(("done", "yes")))
        {
            foreach (string name in Directory.GetFiles(work, "*.log", SearchOption.AllDirectories))
                output.WriteLine($"---- {Path.GetRelativePath(work, name)}\n{string.Join('\n', File.ReadLines(name).TakeLast(15))}");
            Assert.Fail($"TwoSites.sh did not finish: {lines.LastOrDefault(l => l.Item1 == "failed").Item2}\n{log}");
        }
        return lines;
    }
}

using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using XxExporter.Chain;
using XxExporter.Tests.Chain;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Web;

/// <summary>
/// The status page as a person sees it: rendered by headless Chromium from the running exporter, beside a real
/// Alertmanager holding the alerts the rules would fire for this node (and one of another host, not shown).
/// </summary>
[FullLane]
public sealed class StatusPageBrowserTests : IAsyncLifetime
{
    private const string Host = "node-a:19420";
    private readonly TempFolder _folder = new();
    private readonly FakeChainNode _node = new(SyntheticRuntime.FromGoldenVectors(legacy: false).Healthy);
    private ServerProcess? _alertmanager;
    private WebApplication? _app;
    private string _base = "";

    public async Task InitializeAsync()
    {
        await _node.StartAsync();
        _alertmanager = await AlertmanagerProcess.StartAsync(Directory.CreateDirectory(_folder.File("alertmanager")).FullName,
            "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n");
        // What the rules fire for this scene: the scripted node's storage (the golden vectors) has a queued slash, a
        // recent slash and a disabled validator (one offence); the node backup below is 3 days old and 3 bytes; the
        // certificate, expiring within a day, pages (its warning tier is held back by the shipped inhibition, which
        // this Alertmanager lacks, so it is left out) and is silenced while it is renewed.
        await HeldAlerts.PostAsync(_alertmanager,
            HeldAlerts.FromRule("XxValidatorSlashed", Host), HeldAlerts.FromRule("XxBackupFailing", Host, ("target", "cmix_node")),
            HeldAlerts.FromRule("XxCertificateExpiring", Host, ("severity", "critical"), ("file", "gateway-cert.crt"), ("kind", "identity"), ("state", "active")),
            HeldAlerts.FromRule("XxChainDown", "node-b:19420"));
        await HeldAlerts.SilenceAsync(_alertmanager, ("alertname", "XxCertificateExpiring"), ("instance", Host));
        await HeldAlerts.SettleAsync(_alertmanager, held => held.Any(a => a.State == "silenced"));
        Directory.CreateDirectory(_folder.File("logs"));
        string stamp = DateTime.UtcNow.AddMinutes(-2).ToString("yyyy/MM/dd HH:mm:ss");
        File.WriteAllLines(_folder.File("logs/cmix.log"),
        [
            $"INFO {stamp} Starting xx network node (server) v3.13.0",
            $"INFO {stamp} Updated to PRECOMPUTING successfully",
            $"INFO {stamp} [n:11420]: RID 9876543 Round took 31.482193667s seconds",
            $"INFO {stamp} Updated to COMPLETED successfully",
            $"INFO {stamp} Updated to WAITING successfully",
        ]);
        File.WriteAllText(_folder.File("cmix-IDF.json"), """{"hexNodeID": "0x1111111111111111111111111111111111111111111111111111111111111111"}""");
        File.WriteAllText(_folder.File("gateway.dump"), "fresh");
        File.WriteAllText(_folder.File("node.dump"), "old");
        File.SetLastWriteTimeUtc(_folder.File("node.dump"), DateTime.UtcNow.AddDays(-3));
        Directory.CreateDirectory(_folder.File("cred"));
        using (var certificate = TestCertificates.SelfSignedEc("gateway"))
            TestCertificates.WritePem(certificate, _folder.File("cred/gateway-cert.crt"), _folder.File("cred/gateway-key.key"));
        Uri address;
        (_app, address) = await ExporterTesting.StartAsync(["--web.listen-address", "127.0.0.1:0", "--logs.dir", _folder.File("logs"),
            "--log.level", "error", "--logs.from-start", "--logs.timezone", "UTC", "--chain.rpc-url", _node.WsUrl, "--chain.stash", Ss58.Encode(Convert.FromHexString(
                "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")), "--chain.idf-path", _folder.File("cmix-IDF.json"),
            "--checks.backups", $"cmix_gateway={_folder.File("gateway.dump")},cmix_node={_folder.File("node.dump")}",
            "--checks.certificates", _folder.File("cred/*.crt"), "--checks.probes", "",
            "--binaries.paths", "",   // the scripted node has no XXCmix pallet to compare binaries with
            "--status.alertmanager-url", _alertmanager.Address.ToString(), "--status.alert-matchers", $"instance=\"{Host}\""]);
        _base = address.ToString().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        if (_alertmanager is not null) await _alertmanager.DisposeAsync();
        await _node.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Chromium_shows_the_validator_its_era_and_points()
    {
        string dom = await Chromium("--dump-dom", $"{_base}/");
        Assert.Contains("xx-exporter status", dom);
        Assert.Contains("Validator", dom);
        Assert.Contains("<td>Status</td><td>active</td>", dom);
        Assert.Contains("<td>Era</td><td>42</td>", dom);
        Assert.Contains("70 (median 70)", dom);        // 100 earned, 30 deducted (runtime 207)
        Assert.Contains("<td>Activity</td><td>WAITING</td>", dom);
        Assert.Contains("<td>Rounds since the exporter started</td><td>1 completed, 0 failed</td>", dom);
        Assert.Contains("<td>cmix_node</td><td>3d ago, 3 bytes</td>", dom);
        Assert.Matches("<td>cmix_gateway</td><td>[0-9]+s ago, 5 bytes</td>", dom);
        Assert.Matches("<td>gateway-cert.crt</td><td>expires in 2[34]h</td>", dom);
        Assert.Contains("node ERERERERERERERERERERERERERERERERERERERERERE", dom.Replace("\n", ""));
    }

    [Fact]
    public async Task Chromium_shows_the_alerts_first_with_severity_and_runbook()
    {
        string dom = await Chromium("--dump-dom", $"{_base}/");
        Assert.Contains("xx-exporter status: 2 alerts firing (1 critical, 1 warning), 1 silenced", dom);
        string top = dom[dom.IndexOf("<section class=\"alerts\">", StringComparison.Ordinal)..dom.IndexOf("<main>", StringComparison.Ordinal)];
        Assert.Equal(3, top.Split("<li>").Length - 1);
        string summary = System.Net.WebUtility.HtmlEncode(Bundle.PrometheusRulesTests.Alerts().Single(a => a.Name == "XxBackupFailing").Annotation("summary"));
        Assert.Contains($"<li><span class=\"chip warning\">warning</span><b>XxBackupFailing</b>: {summary} "
            + "<a href=\"https://github.com/xx-exporter/xx-exporter/blob/main/docs/runbooks/XxBackupFailing.md\">runbook</a> <span class=\"labels\">instance=node-a:19420, job=xx-exporter, target=cmix_node</span></li>", top);
        Assert.Contains("<li><span class=\"chip critical\">critical</span><b>XxValidatorSlashed</b>", top);
        Assert.Contains("<li><span class=\"chip silenced\">silenced: critical</span><b>XxCertificateExpiring</b>", top);
        Assert.DoesNotContain("XxChainDown", top);   // another host's
    }

    [Fact]
    public async Task Chromium_renders_a_screenshot()
    {
        // The status page picture of docs/configuration.md is made by this test: STATUS_SCREENSHOT=docs/status-page.png dotnet test --filter Chromium_renders
        string png = Environment.GetEnvironmentVariable("STATUS_SCREENSHOT") is { Length: > 0 } wanted
            ? Path.GetFullPath(wanted) : _folder.File("status.png");
        await Chromium("--window-size=1200,820", "--hide-scrollbars", $"--screenshot={png}", $"{_base}/");
        Assert.True(new FileInfo(png).Length > 20_000, "the screenshot is (nearly) empty");
    }

    [Fact]
    public async Task Status_json_has_the_same_facts()
    {
        using var http = new HttpClient();
        using var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"{_base}/status.json"));
        var validator = json.RootElement.GetProperty("validator");
        Assert.Equal("active", validator.GetProperty("state").GetString());
        Assert.Equal(42, validator.GetProperty("activeEra").GetDouble());
        Assert.Equal(70, validator.GetProperty("eraPoints").GetDouble());
        Assert.True(json.RootElement.GetProperty("chain").GetProperty("up").GetBoolean());
        Assert.Equal([("XxValidatorSlashed", "firing"), ("XxBackupFailing", "firing"), ("XxCertificateExpiring", "silenced")],
            json.RootElement.GetProperty("alerts").GetProperty("alerts").EnumerateArray().Select(a => (a.GetProperty("name").GetString(), a.GetProperty("state").GetString())));
    }

    [Fact]
    public async Task Health_and_readiness_answer()
    {
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync($"{_base}/-/healthy")).StatusCode);
        var waited = Stopwatch.StartNew();
        System.Net.HttpStatusCode ready;
        do ready = (await http.GetAsync($"{_base}/-/ready")).StatusCode;
        while (ready != System.Net.HttpStatusCode.OK && waited.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(System.Net.HttpStatusCode.OK, ready);
    }

    /// <summary>Runs Debian's chromium headless with the flags this machine needs (no sandbox as root, no network).</summary>
    public static async Task<string> Chromium(params string[] args)
    {
        using var profile = new TempFolder();
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.Path}",
                     "--virtual-time-budget=3000" }.Concat(args))
            start.ArgumentList.Add(arg);
        using var chromium = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start (apt-get install chromium)");
        var output = chromium.StandardOutput.ReadToEndAsync();
        _ = chromium.StandardError.ReadToEndAsync();
        if (!chromium.WaitForExit(60_000)) chromium.Kill(entireProcessTree: true);
        return await output;
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using XxExporter.Hosting;
using XxExporter.Settings;
using XxExporter.Tests.Support;
using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

/// <summary>
/// The status page leads with the alerts a real Alertmanager holds for this host (API v2, selected by
/// --status.alert-matchers): firing, silenced and inhibited as such, each with its severity and runbook; and says
/// at its top, in words, when there is no Alertmanager or it cannot be read.
/// </summary>
[FullLane]
public sealed class AlertmanagerStatusTests : IAsyncLifetime
{
    private const string Host = "node-a:19420", OtherHost = "node-b:19420";
    private const string RunbookBase = HeldAlerts.RunbookBase;

    /// <summary>The test's Alertmanager: one receiver that sends nothing, and the shipped inhibition of the chain alerts by XxChainDown.</summary>
    private const string Config = """
        route:
          receiver: nowhere
        receivers:
          - name: nowhere
        inhibit_rules:
          - source_matchers: ['alertname="XxChainDown"']
            target_matchers: ['alertname="XxChainPeersLow"']
            equal: [instance]
        """;

    private readonly TempFolder _folder = new();
    private ServerProcess? _alertmanager;
    private WebApplication? _exporter;

    public async Task InitializeAsync() => _alertmanager = await AlertmanagerProcess.StartAsync(_folder.Path, Config);

    public async Task DisposeAsync()
    {
        if (_exporter is not null) await _exporter.DisposeAsync();
        if (_alertmanager is not null) await _alertmanager.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task The_page_and_status_json_show_exactly_this_hosts_alerts_firing_silenced_and_inhibited()
    {
        await HeldAlerts.PostAsync(_alertmanager!,
            HeldAlerts.Alert("XxChainDown", "critical", Host),
            HeldAlerts.Alert("XxBackupStale", "critical", Host, ("target", "cmix_node")),
            HeldAlerts.Alert("XxChainPeersLow", "warning", Host),      // inhibited by XxChainDown of the same instance
            HeldAlerts.Alert("XxLogSilent", "warning", Host, ("log", "gateway")),   // silenced below
            HeldAlerts.Alert("XxBackupStale", "critical", OtherHost, ("target", "cmix_node")),   // another host's: not shown
            HeldAlerts.Alert("XxWatchdog", "info", Host));   // left out by the second matcher, as compose does
        await HeldAlerts.SilenceAsync(_alertmanager!, ("alertname", "XxLogSilent"), ("instance", Host));
        await HeldAlerts.SettleAsync(_alertmanager!, held => held.Count(a => a.State == "firing") == 4 && held.Any(a => a.State == "inhibited") && held.Any(a => a.State == "silenced"));

        var http = await StartExporter("--status.alertmanager-url", _alertmanager!.Address.ToString(), "--status.alert-matchers", $"instance=\"{Host}\", alertname!=\"XxWatchdog\"");

        using var json = JsonDocument.Parse(await http.GetStringAsync("/status.json"));
        var alerts = json.RootElement.GetProperty("alerts");
        Assert.Equal(_alertmanager.Address.ToString(), alerts.GetProperty("alertmanager").GetString());
        Assert.Equal($"instance=\"{Host}\",alertname!=\"XxWatchdog\"", alerts.GetProperty("matchers").GetString());
        Assert.True(alerts.GetProperty("reachable").GetBoolean());
        Assert.False(alerts.TryGetProperty("unavailable", out _));
        var shown = alerts.GetProperty("alerts").EnumerateArray().Select(a => (a.GetProperty("name").GetString(), a.GetProperty("state").GetString(),
            a.GetProperty("severity").GetString(), a.GetProperty("runbook").GetString(), a.GetProperty("labels").GetProperty("instance").GetString())).ToList();
        Assert.Equal(
        [
            ("XxBackupStale", "firing", "critical", RunbookBase + "XxBackupStale.md", Host),
            ("XxChainDown", "firing", "critical", RunbookBase + "XxChainDown.md", Host),
            ("XxLogSilent", "silenced", "warning", RunbookBase + "XxLogSilent.md", Host),
            ("XxChainPeersLow", "inhibited", "warning", RunbookBase + "XxChainPeersLow.md", Host),
        ], shown);
        var first = alerts.GetProperty("alerts")[0];
        Assert.Equal("The summary of XxBackupStale", first.GetProperty("summary").GetString());
        Assert.Equal($"XxBackupStale on {Host}, in words.", first.GetProperty("description").GetString());
        Assert.Equal("cmix_node", first.GetProperty("labels").GetProperty("target").GetString());

        string html = await http.GetStringAsync("/");
        Assert.Contains("<header class=\"critical\"><h1>xx-exporter status: 2 alerts firing (2 critical), 1 silenced, 1 inhibited</h1>", html);
        string top = html[html.IndexOf("<section class=\"alerts\">", StringComparison.Ordinal)..html.IndexOf("<main>", StringComparison.Ordinal)];
        Assert.Contains($"matching instance=&quot;{Host}&quot;,alertname!=&quot;XxWatchdog&quot;", top);
        Assert.Equal(4, top.Split("<li>").Length - 1);
        Assert.Contains($"<li><span class=\"chip critical\">critical</span><b>XxBackupStale</b>: The summary of XxBackupStale <a href=\"{RunbookBase}XxBackupStale.md\">runbook</a>", top);
        Assert.Contains($"<li><span class=\"chip silenced\">silenced: warning</span><b>XxLogSilent</b>: The summary of XxLogSilent <a href=\"{RunbookBase}XxLogSilent.md\">runbook</a>", top);
        Assert.Contains($"<li><span class=\"chip inhibited\">inhibited: warning</span><b>XxChainPeersLow</b>", top);
        Assert.DoesNotContain(OtherHost, html);
        Assert.DoesNotContain("XxWatchdog</b>", html);
    }

    [Fact]
    public async Task Without_matchers_every_alert_the_alertmanager_holds_is_shown()
    {
        await HeldAlerts.PostAsync(_alertmanager!, HeldAlerts.Alert("XxBackupStale", "critical", Host), HeldAlerts.Alert("XxBackupStale", "critical", OtherHost));
        await HeldAlerts.SettleAsync(_alertmanager!, held => held.Count == 2);
        var http = await StartExporter("--status.alertmanager-url", _alertmanager!.Address.ToString());
        using var json = JsonDocument.Parse(await http.GetStringAsync("/status.json"));
        Assert.Equal([Host, OtherHost], json.RootElement.GetProperty("alerts").GetProperty("alerts").EnumerateArray()
            .Select(a => a.GetProperty("labels").GetProperty("instance").GetString()).Order());
        string none = await NoAlertsPage();
        Assert.Contains("<header class=\"none\"><h1>xx-exporter status: no alerts</h1>", none);
        Assert.Contains($"<h2>No alerts in Alertmanager at {_alertmanager.Address} matching instance=&quot;nowhere&quot;.</h2>", none);
    }

    [Fact]
    public async Task Without_an_alertmanager_the_page_says_so_naming_the_setting()
    {
        var http = await StartExporter();
        string html = await http.GetStringAsync("/");
        Assert.Contains("<section class=\"unavailable\"><h2>Alerts not known</h2><p>No Alertmanager is configured (--status.alertmanager-url is empty), "
            + "so no alert is shown here: the facts below are the exporter&#39;s, not judged.</p></section>", html);
        using var json = JsonDocument.Parse(await http.GetStringAsync("/status.json"));
        var alerts = json.RootElement.GetProperty("alerts");
        Assert.False(alerts.GetProperty("reachable").GetBoolean());
        Assert.False(alerts.TryGetProperty("alertmanager", out _));
        Assert.StartsWith("No Alertmanager is configured (--status.alertmanager-url is empty)", alerts.GetProperty("unavailable").GetString());
    }

    [Fact]
    public async Task An_alertmanager_that_cannot_be_reached_is_named_at_the_top_with_the_cause()
    {
        string url = $"http://127.0.0.1:{Loopback.FreePort()}/";
        var http = await StartExporter("--status.alertmanager-url", url);
        string html = await http.GetStringAsync("/");
        Assert.Contains("<header class=\"unknown\"><h1>xx-exporter status: alerts not known</h1>", html);
        Assert.Matches($"<section class=\"unavailable\"><h2>Alerts not known</h2><p>Alertmanager at {Regex(url)} \\(--status.alertmanager-url\\) cannot be read: "
            + "Connection refused \\(127\\.0\\.0\\.1:[0-9]+\\)\\. The alerts it holds are not shown; the facts below are the exporter&#39;s, not judged\\.</p>", html);
        using var json = JsonDocument.Parse(await http.GetStringAsync("/status.json"));
        Assert.False(json.RootElement.GetProperty("alerts").GetProperty("reachable").GetBoolean());
        Assert.Equal(url, json.RootElement.GetProperty("alerts").GetProperty("alertmanager").GetString());
    }

    [Fact]
    public async Task A_failed_read_is_counted_and_logged_once_and_a_read_is_reused_for_a_while()
    {
        await _alertmanager!.DisposeAsync();
        _alertmanager = null;
        int port = Loopback.FreePort();
        var clock = new ManualClock();
        var logs = new CapturedLogs();
        using var alerts = new AlertmanagerAlerts(new StatusSettings { Alertmanager = new Uri($"http://127.0.0.1:{port}/") }, clock, logs.CreateLogger("status"));

        var first = await alerts.CurrentAsync();
        Assert.Same(first, await alerts.CurrentAsync());   // reused, not read again
        clock.Advance(AlertmanagerAlerts.CacheFor);
        var second = await alerts.CurrentAsync();
        Assert.False(second.Reachable);
        Assert.Equal(2, second.FailedReads);
        Assert.Equal("Warning status: The status page cannot read the alerts of Alertmanager at http://127.0.0.1:"
            + $"{port}/ (--status.alertmanager-url): Connection refused (127.0.0.1:{port}); it says so at its top until it can ", Assert.Single(logs.Lines));

        _alertmanager = await AlertmanagerProcess.RunAsync(_folder.Path, port);
        await HeldAlerts.PostAsync(_alertmanager!, HeldAlerts.Alert("XxBackupStale", "critical", Host));
        clock.Advance(AlertmanagerAlerts.CacheFor);
        var third = await alerts.CurrentAsync();
        Assert.True(third.Reachable);
        Assert.Equal("XxBackupStale", Assert.Single(third.Alerts).Name);
        Assert.Equal(2, third.FailedReads);
        Assert.Equal($"Information status: The status page reads the alerts of Alertmanager at http://127.0.0.1:{port}/ again ", logs.Lines[^1]);

        await HeldAlerts.PostAsync(_alertmanager!, HeldAlerts.Alert("XxChainDown", "critical", Host));
        clock.Advance(AlertmanagerAlerts.CacheFor - TimeSpan.FromMilliseconds(1));
        Assert.Single((await alerts.CurrentAsync()).Alerts);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, (await alerts.CurrentAsync()).Alerts.Count);
    }

    [Fact]
    public async Task An_alertmanager_that_does_not_answer_costs_the_page_its_timeout_and_is_named()
    {
        // Connections complete into the backlog and no HTTP answer ever comes.
        using var hung = new TcpListener(IPAddress.Loopback, 0);
        hung.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)hung.LocalEndpoint).Port}/");
        using var alerts = new AlertmanagerAlerts(new StatusSettings { Alertmanager = url }, TimeProvider.System, new CapturedLogs().CreateLogger("status"));
        var read = await alerts.CurrentAsync();
        Assert.False(read.Reachable);
        Assert.Equal($"Alertmanager at {url} (--status.alertmanager-url) cannot be read: it did not answer within 2s. "
            + "The alerts it holds are not shown; the facts below are the exporter's, not judged.", read.Unavailable);
    }

    [Fact]
    public async Task An_answer_that_is_not_alertmanagers_is_named_as_such()
    {
        // The exporter itself stands for a wrong URL that answers.
        var http = await StartExporter();
        using var alerts = new AlertmanagerAlerts(new StatusSettings { Alertmanager = new Uri(http.BaseAddress!, "/not-alertmanager/") }, TimeProvider.System,
            new CapturedLogs().CreateLogger("status"));
        var read = await alerts.CurrentAsync();
        Assert.Contains("cannot be read: it answered HTTP 404", read.Unavailable);
    }

    [Fact]
    public async Task Credentials_in_the_url_are_sent_as_basic_authentication_and_shown_nowhere()
    {
        // The exporter behind basic authentication stands for an Alertmanager behind it: past the login it answers 404.
        File.WriteAllText(_folder.File("web.yml"), $"basic_auth_users:\n  watcher: {WebConfigLoaderTests.HtpasswdHash}\n");
        var http = await StartExporter("--web.config.file", _folder.File("web.yml"));
        var port = http.BaseAddress!.Port;
        var logs = new CapturedLogs();
        using var without = new AlertmanagerAlerts(new StatusSettings { Alertmanager = new Uri($"http://127.0.0.1:{port}/am/") }, TimeProvider.System, logs.CreateLogger("status"));
        Assert.Contains("cannot be read: it answered HTTP 401", (await without.CurrentAsync()).Unavailable);
        using var with = new AlertmanagerAlerts(new StatusSettings { Alertmanager = new Uri($"http://watcher:{WebConfigLoaderTests.HtpasswdPassword}@127.0.0.1:{port}/am/") },
            TimeProvider.System, logs.CreateLogger("status"));
        var read = await with.CurrentAsync();
        Assert.Contains("cannot be read: it answered HTTP 404", read.Unavailable);
        Assert.Equal($"http://127.0.0.1:{port}/am/", read.Alertmanager);
        Assert.DoesNotContain(WebConfigLoaderTests.HtpasswdPassword, read.Unavailable + logs.All);
    }

    private async Task<string> NoAlertsPage()
    {
        var http = await StartExporter("--status.alertmanager-url", _alertmanager!.Address.ToString(), "--status.alert-matchers", "instance=\"nowhere\"");
        return await http.GetStringAsync("/");
    }

    private async Task<HttpClient> StartExporter(params string[] status)
    {
        if (_exporter is not null) await _exporter.DisposeAsync();
        Directory.CreateDirectory(_folder.File("logs"));
        Uri address;
        (_exporter, address) = await ExporterTesting.StartAsync(["--web.listen-address", "127.0.0.1:0", "--logs.dir", _folder.File("logs"), "--log.level", "error",
            "--chain.rpc-url", "", "--checks.backups", "", "--checks.certificates", "", "--checks.probes", "", "--checks.dns-names", "",
            "--checks.gateway-config", "", "--binaries.paths", "", .. status]);
        return new HttpClient { BaseAddress = address };
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}

/// <summary>--status.alert-matchers is read as a PromQL selector's matchers and handed to Alertmanager as written.</summary>
public sealed class StatusSettingsTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("instance=\"node-a:19420\"", "instance=\"node-a:19420\"")]
    [InlineData("{instance=~\"node-a:19420|gw-a:19420\", site != \"b,c\"}", "instance=~\"node-a:19420|gw-a:19420\",site!=\"b,c\"")]
    [InlineData("job!~\"node\",  note=\"say \\\"hi\\\" \\\\ bye\",", "job!~\"node\",note=\"say \\\"hi\\\" \\\\ bye\"")]
    public void Matchers_are_read_as_in_a_selector(string text, string read) =>
        Assert.Equal(read, string.Join(",", StatusSettings.ParseMatchers(text)));

    [Theory]
    [InlineData("instance", "invalid --status.alert-matchers \"instance\": instance needs =, !=, =~ or !~ and a value in double quotes")]
    [InlineData("instance=node-a", "invalid --status.alert-matchers \"instance=node-a\": the value of instance must be in double quotes")]
    [InlineData("instance=\"node-a", "invalid --status.alert-matchers \"instance=\"node-a\": the value of instance has no closing double quote")]
    [InlineData("1x=\"a\"", "invalid --status.alert-matchers \"1x=\"a\"\": expected a label name at \"1x=\"a\"\" (matchers are written name=\"value\")")]
    [InlineData("a=\"1\" b=\"2\"", "invalid --status.alert-matchers \"a=\"1\" b=\"2\"\": expected a comma after a=\"1\"")]
    public void A_wrong_matcher_names_the_setting_and_what_is_wrong(string text, string message) =>
        Assert.Equal(message, Assert.Throws<SettingsException>(() => Load("--status.alert-matchers", text)).Message);

    [Theory]
    [InlineData("alertmanager:9093")]
    [InlineData("ftp://alertmanager:9093")]
    [InlineData("http://alertmanager:9093/?x=1")]
    public void The_alertmanager_url_must_be_http_or_https(string url) =>
        Assert.Equal($"invalid --status.alertmanager-url \"{url}\": must be an http:// or https:// URL without a query",
            Assert.Throws<SettingsException>(() => Load("--status.alertmanager-url", url)).Message);

    [Fact]
    public async Task Credentials_in_the_url_are_shown_nowhere()
    {
        using var alerts = new AlertmanagerAlerts(Load("--status.alertmanager-url", "http://watcher:s3cret@127.0.0.1:1/am").Status, TimeProvider.System,
            new CapturedLogs().CreateLogger("status"));
        var read = await alerts.CurrentAsync();
        Assert.Equal("http://127.0.0.1:1/am", read.Alertmanager);
        Assert.DoesNotContain("s3cret", read.Unavailable);
    }

    private static ExporterSettings Load(params string[] flags) => ExporterSettings.Load(CommandLine.Parse(flags));
}

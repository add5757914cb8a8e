using System.Diagnostics;
using System.Text.Json.Nodes;

namespace XxExporter.Tests.Support;

/// <summary>
/// The shipped Prometheus and Alertmanager configurations running as Debian's prometheus 2.42 and
/// prometheus-alertmanager 0.25 on 127.0.0.1, scraping one exporter and notifying a <see cref="WebhookListener"/>.
/// The configuration is what the native demo runs (<see cref="DemoScript"/>, demo/run.sh --config-only): the shipped
/// files with only what a loopback test must change: addresses and, on the <see cref="CompressedClock"/>, a 1 s scrape and
/// evaluation interval and time in the rules' <c>for:</c> compressed 60 times (minutes become seconds), as the simulated
/// node compresses its eras; the rule expressions and Alertmanager's routing and waits stay as shipped. On
/// <see cref="ShippedClock"/> nothing but the addresses changes (the measured time to alert, docs/alerts.md "Time to alert").
/// </summary>
public sealed class MonitoringStack : IAsyncDisposable
{
    private readonly TempFolder _folder = new();

    /// <summary>demo/run.sh's clock options of the fast tests.</summary>
    public static readonly string[] CompressedClock = ["--interval-seconds", "1", "--compress-for"];

    /// <summary>The shipped scrape and evaluation intervals and for: durations.</summary>
    public static readonly string[] ShippedClock = [];

    private MonitoringStack(WebhookListener webhook) => Webhook = webhook;

    public WebhookListener Webhook { get; }

    /// <summary>The generated configuration: prometheus/ (prometheus.yml, rules/) and alertmanager/ (alertmanager.yml).</summary>
    public string ConfigFolder => _folder.Path;

    public ServerProcess Prometheus { get; private set; } = null!;

    public ServerProcess Alertmanager { get; private set; } = null!;

    public static Task<MonitoringStack> StartAsync(Uri exporter, string site, string[]? clock = null) =>
        StartAsync(exporter, site, clock, []);

    /// <summary>
    /// As above, with <paramref name="otherHosts"/> scraped too: further exporters of the same validator
    /// (<c>validator-1</c>, as prometheus.yml ships its target), each with its site and target labels.
    /// </summary>
    /// <param name="editPrometheusYml">Changes the generated prometheus.yml further (e.g. the blackbox exporter's address and the gateways it probes).</param>
    public static async Task<MonitoringStack> StartAsync(Uri exporter, string site, string[]? clock, IReadOnlyList<ScrapedHost> otherHosts,
        Func<string, string>? editPrometheusYml = null)
    {
        var stack = new MonitoringStack(await WebhookListener.StartAsync());
        try
        {
            await stack.StartServersAsync(exporter, site, clock ?? CompressedClock, otherHosts, editPrometheusYml);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartServersAsync(Uri exporter, string site, string[] clock, IReadOnlyList<ScrapedHost> otherHosts, Func<string, string>? editPrometheusYml)
    {
        int alertmanagerPort = Loopback.FreePort(), prometheusPort = Loopback.FreePort();
        while (prometheusPort == alertmanagerPort) prometheusPort = Loopback.FreePort();
        await DemoScript.WriteConfigsAsync(_folder.Path, exporter.Authority, $"127.0.0.1:{alertmanagerPort}", $"127.0.0.1:{prometheusPort}",
            $"{Webhook.Url}/webhook", site, clock);
        if (otherHosts.Count > 0) AddTargets(_folder.File("prometheus/prometheus.yml"), exporter, otherHosts);
        if (editPrometheusYml is not null) File.WriteAllText(_folder.File("prometheus/prometheus.yml"), editPrometheusYml(File.ReadAllText(_folder.File("prometheus/prometheus.yml"))));
        Alertmanager = await AlertmanagerProcess.RunAsync(_folder.File("alertmanager"), alertmanagerPort);
        string prometheus = _folder.File("prometheus");
        Prometheus = await ServerProcess.StartAsync("prometheus", prometheus, port =>
            [$"--config.file={prometheus}/prometheus.yml", $"--web.listen-address=127.0.0.1:{port}", $"--storage.tsdb.path={prometheus}/data"],
            port: prometheusPort);
    }

    /// <summary>Adds <paramref name="hosts"/> as static targets of the xx-exporter job, before the shipped one.</summary>
    private static void AddTargets(string prometheusYml, Uri exporter, IReadOnlyList<ScrapedHost> hosts)
    {
        string shipped = $"      - targets: ['{exporter.Authority}']\n";
        string text = File.ReadAllText(prometheusYml);
        Assert.True(text.Contains(shipped, StringComparison.Ordinal), $"the generated prometheus.yml has no \"{shipped.Trim()}\"");
        var added = new System.Text.StringBuilder();
        foreach (var host in hosts)
        {
            added.Append($"      - targets: ['{host.Exporter.Authority}']\n        labels:\n");
            foreach (var (name, value) in host.Labels) added.Append($"          {name}: {value}\n");
        }
        File.WriteAllText(prometheusYml, text.Replace(shipped, added + shipped, StringComparison.Ordinal));
    }

    /// <summary>Waits until Prometheus has scraped the exporter successfully (its first scrape comes after a few seconds).</summary>
    public async Task WaitForExporterUpAsync(TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        string health = "";
        while (waited.Elapsed < limit)
        {
            var targets = JsonNode.Parse(await Prometheus.Http.GetStringAsync("/api/v1/targets"))!["data"]!["activeTargets"]!.AsArray();
            var exporter = targets.FirstOrDefault(t => t!["labels"]!["job"]!.GetValue<string>() == "xx-exporter");
            health = exporter?["health"]?.GetValue<string>() + " " + exporter?["lastError"]?.GetValue<string>();
            if (health.StartsWith("up")) return;
            await Task.Delay(200);
        }
        Assert.Fail($"the exporter target is not up after {limit}: {health}\n{Prometheus.Log}");
    }

    /// <summary>An instant query's result vector.</summary>
    public async Task<JsonArray> QueryAsync(string promql)
    {
        using var response = await Prometheus.Http.PostAsync("/api/v1/query", new FormUrlEncodedContent([new("query", promql)]));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, $"{promql}: {body.ToJsonString()}");
        return body["data"]!["result"]!.AsArray();
    }

    /// <summary>The alerting rules whose last evaluation failed, with the error.</summary>
    public async Task<List<string>> FailingRulesAsync()
    {
        var groups = JsonNode.Parse(await Prometheus.Http.GetStringAsync("/api/v1/rules"))!["data"]!["groups"]!.AsArray();
        return groups.SelectMany(g => g!["rules"]!.AsArray())
            .Where(r => r!["health"]!.GetValue<string>() == "err")
            .Select(r => $"{r!["name"]}: {r["lastError"]}").ToList();
    }

    public async ValueTask DisposeAsync() => await Teardown.AllAsync(
        () => Prometheus?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => Alertmanager?.DisposeAsync() ?? ValueTask.CompletedTask,
        Webhook.DisposeAsync,
        () => { _folder.Dispose(); return ValueTask.CompletedTask; });
}

/// <summary>A further exporter for <see cref="MonitoringStack"/> to scrape, with its target labels (validator, site, site_role).</summary>
public sealed record ScrapedHost(Uri Exporter, IReadOnlyList<(string Name, string Value)> Labels);

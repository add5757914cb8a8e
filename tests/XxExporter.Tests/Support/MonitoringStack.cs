using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace XxExporter.Tests.Support;

/// <summary>
/// The shipped Prometheus and Alertmanager configurations running as Debian's prometheus 2.42 and
/// prometheus-alertmanager 0.25 on 127.0.0.1, scraping one exporter and notifying a <see cref="WebhookListener"/>.
/// What changes from the shipped files is only what a loopback test must change: addresses, a 1 s scrape and
/// evaluation interval, and time in the rules' <c>for:</c> compressed 60 times (minutes become seconds), as the
/// simulated node compresses its eras; the rule expressions and Alertmanager's routing and waits stay as shipped.
/// </summary>
public sealed partial class MonitoringStack : IAsyncDisposable
{
    private readonly TempFolder _folder = new();

    private MonitoringStack(WebhookListener webhook) => Webhook = webhook;

    public WebhookListener Webhook { get; }

    public ServerProcess Prometheus { get; private set; } = null!;

    public ServerProcess Alertmanager { get; private set; } = null!;

    public static async Task<MonitoringStack> StartAsync(Uri exporter, string site)
    {
        var stack = new MonitoringStack(await WebhookListener.StartAsync());
        try
        {
            await stack.StartAlertmanagerAsync();
            await stack.StartPrometheusAsync(exporter, site);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartAlertmanagerAsync()
    {
        string folder = Directory.CreateDirectory(_folder.File("alertmanager")).FullName;
        string config = Replace(File.ReadAllText(Repository.PathOf("alertmanager/alertmanager.yml")),
            "http://127.0.0.1:5001/", $"{Webhook.Url}/webhook");
        Alertmanager = await AlertmanagerProcess.StartAsync(folder, config);
    }

    private async Task StartPrometheusAsync(Uri exporter, string site)
    {
        string folder = Directory.CreateDirectory(_folder.File("prometheus")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "rules"));
        foreach (string rules in Directory.GetFiles(Repository.PathOf("prometheus/rules"), "*.yml"))
            File.WriteAllText(Path.Combine(folder, "rules", Path.GetFileName(rules)),
                ForClause().Replace(File.ReadAllText(rules), m => m.Groups[1].Value + m.Groups[2].Value + (m.Groups[3].Value == "m" ? "s" : "m")));
        string shipped = File.ReadAllText(Repository.PathOf("prometheus/prometheus.yml"));
        Prometheus = await ServerProcess.StartAsync("prometheus", folder, port =>
        {
            string config = Replace(shipped, "scrape_interval: 15s", "scrape_interval: 1s");
            config = Replace(config, "scrape_timeout: 10s", "scrape_timeout: 1s");
            config = Replace(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
            config = Replace(config, "'alertmanager:9093'", $"'{Alertmanager.Address.Authority}'");
            config = Replace(config, "'xx-exporter:19420'", $"'{exporter.Authority}'");
            config = Replace(config, "site: home", $"site: {site}");
            config = Replace(config, "'localhost:9090'", $"'127.0.0.1:{port}'");
            File.WriteAllText(Path.Combine(folder, "prometheus.yml"), config);
            return [$"--config.file={folder}/prometheus.yml", $"--web.listen-address=127.0.0.1:{port}", $"--storage.tsdb.path={folder}/data"];
        });
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

    private static string Replace(string text, string shipped, string replacement)
    {
        Assert.True(text.Contains(shipped), $"the shipped file no longer contains {shipped}");
        return text.Replace(shipped, replacement);
    }

    public async ValueTask DisposeAsync() => await Teardown.AllAsync(
        () => Prometheus?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => Alertmanager?.DisposeAsync() ?? ValueTask.CompletedTask,
        Webhook.DisposeAsync,
        () => { _folder.Dispose(); return ValueTask.CompletedTask; });

    [GeneratedRegex(@"(?m)^([ \t]+for: )(\d+)([mh])\b")]
    private static partial Regex ForClause();
}

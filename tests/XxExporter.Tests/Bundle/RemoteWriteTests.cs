using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// XxRemoteWriteFailing reads Prometheus's own remote write series: on Debian's prometheus (2.42) with two queues, one
/// to a port nothing listens on (retried: behind) and one to a store that answers 400 to every batch (rejected for
/// good: failing), the rule's expression finds each witness under the names it uses.
/// </summary>
[FullLane]
public sealed class RemoteWriteTests
{
    [Fact]
    public async Task An_unreachable_store_is_behind_and_a_rejecting_one_is_failing()
    {
        await using var rejecting = await WebhookListener.StartAsync(status: 400);
        using var folder = new TempFolder();
        int port = Loopback.FreePort();
        File.WriteAllText(folder.File("prometheus.yml"), $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ['127.0.0.1:{{port}}']
            remote_write:
              - url: http://127.0.0.1:{{Loopback.FreePort()}}/api/v1/write
                name: unreachable
                queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
              - url: {{rejecting.Url}}/api/v1/write
                name: rejecting
                queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
            """);
        await using var prometheus = await ServerProcess.StartAsync("prometheus", folder.Path, p =>
            [$"--config.file={folder.File("prometheus.yml")}", $"--web.listen-address=127.0.0.1:{p}", $"--storage.tsdb.path={folder.File("data")}"],
            port: port);
        string expr = PrometheusRulesTests.Alerts().Single(a => a.Name == "XxRemoteWriteFailing").Expr;

        var found = new Dictionary<string, double>();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60) && !(found.ContainsKey("unreachable behind") && found.ContainsKey("rejecting failing")))
        {
            await Task.Delay(1000);
            found = (await Query(prometheus, expr)).ToDictionary(
                r => $"{r!["metric"]!["remote_name"]} {r["metric"]!["problem"]}",
                r => double.Parse(r!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture));
        }
        Assert.True(found.ContainsKey("unreachable behind") && found.ContainsKey("rejecting failing"),
            $"witnesses after {waited.Elapsed}: {string.Join(", ", found.Keys)}\n{prometheus.Log}");
        Assert.True(found["unreachable behind"] > 1e9, "a queue that never sent is behind by the epoch (the description's \"sent nothing\")");
        Assert.True(found["rejecting failing"] > 0);
        Assert.NotEmpty(rejecting.Received("/api/v1/write"));   // the store was asked, and refused
    }

    private static async Task<JsonArray> Query(ServerProcess prometheus, string promql)
    {
        using var response = await prometheus.Http.PostAsync("/api/v1/query", new FormUrlEncodedContent([new("query", promql)]));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, $"{promql}: {body.ToJsonString()}");
        return body["data"]!["result"]!.AsArray();
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The stack's alerts about itself (docs/operations.md "Watching the watchers") on the real Prometheus and Alertmanager of the
/// end-to-end stack, each provoked as it happens in the field: a rule that fails at every evaluation, a reload of a
/// rule file that does not parse, and a dead man's switch that refuses the heartbeat. Each must reach Alertmanager.
/// </summary>
[FullLane]
[Collection(MoreCompressedClockStacks.Name)]
public sealed class WatchersEndToEndTests
{
    [Fact]
    public async Task Failing_rules_a_failed_reload_and_lost_notifications_each_reach_alertmanager()
    {
        using var logs = new TempFolder();
        var (exporter, address) = await ExporterTesting.StartAsync("--web.listen-address", "127.0.0.1:0", "--logs.dir", logs.Path,
            "--checks.backups", "", "--checks.certificates", "", "--checks.probes", "", "--chain.rpc-url", "", "--log.level", "error");
        await using var _ = exporter;
        await using var stack = await MonitoringStack.StartAsync(address, "e2e");
        await stack.WaitForExporterUpAsync(TimeSpan.FromSeconds(60));
        string rules = Path.Combine(stack.ConfigFolder, "prometheus", "rules");

        // The dead man's switch refuses: Alertmanager gives up on the heartbeat and counts a lost notification. The
        // slowest of the three, and apart from Prometheus's rules: provoked first, awaited last.
        string alertmanagerYml = Path.Combine(stack.ConfigFolder, "alertmanager", "alertmanager.yml");
        string config = File.ReadAllText(alertmanagerYml);
        string heartbeat = Regex.Match(config, @"'(http://127\.0\.0\.1:\d+/heartbeat)'").Groups[1].Value;
        Assert.NotEmpty(heartbeat);
        File.WriteAllText(alertmanagerYml, config.Replace(heartbeat, $"http://127.0.0.1:{Loopback.FreePort()}/heartbeat"));
        Reload(stack.Alertmanager);
        var notificationsFailing = FiringInAlertmanagerAsync(stack, "XxAlertNotificationsFailing", TimeSpan.FromMinutes(3));

        // A rule that errors at every evaluation: many-to-many matching between the several up series.
        File.WriteAllText(Path.Combine(rules, "broken-evaluation.yml"),
            "groups:\n  - name: broken\n    rules:\n      - record: broken:up\n        expr: up * on() group_left() up\n");
        Reload(stack.Prometheus);
        await FiringInAlertmanagerAsync(stack, "XxRuleEvaluationsFailing");

        // A rule file that does not parse: Prometheus keeps the old rules and reports the failed reload.
        File.WriteAllText(Path.Combine(rules, "broken-syntax.yml"), "groups:\n  - name: [not, a, name\n");
        Reload(stack.Prometheus);
        await FiringInAlertmanagerAsync(stack, "XxMonitoringConfigReloadFailed");

        await notificationsFailing;
    }

    /// <summary>SIGHUP: how Prometheus and Alertmanager reload their configuration.</summary>
    private static void Reload(ServerProcess server)
    {
        using var kill = Process.Start("kill", ["-HUP", server.Id.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits until Alertmanager holds <paramref name="alert"/> as active (Prometheus fired it and sent it).</summary>
    private static async Task FiringInAlertmanagerAsync(MonitoringStack stack, string alert, TimeSpan? limit = null)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < (limit ?? TimeSpan.FromSeconds(90)))
        {
            var alerts = JsonNode.Parse(await stack.Alertmanager.Http.GetStringAsync($"/api/v2/alerts?filter=alertname%3D%22{alert}%22"))!.AsArray();
            if (alerts.Count > 0) return;
            await Task.Delay(1000);
        }
        var firing = await stack.QueryAsync("ALERTS");
        Assert.Fail($"{alert} did not reach Alertmanager within {waited.Elapsed:mm\\:ss}; Prometheus's alerts: {firing.ToJsonString()}");
    }
}

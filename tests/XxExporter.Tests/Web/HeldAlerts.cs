using System.Text;
using System.Text.Json.Nodes;
using XxExporter.Tests.Bundle;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Web;

/// <summary>Alerts and silences given to a real Alertmanager through its API v2, as Prometheus and a person would.</summary>
internal static class HeldAlerts
{
    public const string RunbookBase = "https://github.com/xx-exporter/xx-exporter/blob/main/docs/runbooks/";

    /// <summary>An alert with made-up annotations that say which alert and host they belong to.</summary>
    public static JsonObject Alert(string name, string severity, string instance, params (string Name, string Value)[] more) =>
        Alert(name, instance, more, new JsonObject { ["severity"] = severity },
            new JsonObject { ["summary"] = $"The summary of {name}", ["description"] = $"{name} on {instance}, in words.", ["runbook_url"] = $"{RunbookBase}{name}.md" });

    /// <summary>
    /// An alert with its rule's labels (severity, notify, a case label), summary and runbook (prometheus/rules/), as
    /// Prometheus sends it with the runbook_base external label set to <see cref="RunbookBase"/>. Of an alert with
    /// several rules (tiers, cases), the one whose labels <paramref name="more"/> names, such as its severity.
    /// </summary>
    public static JsonObject FromRule(string name, string instance, params (string Name, string Value)[] more)
    {
        var rule = PrometheusRulesTests.Alerts().Single(a => a.Name == name
            && more.All(m => a.Labels.GetValueOrDefault(m.Name) is not { } value || value == m.Value));
        var labels = new JsonObject();
        foreach (var (label, value) in rule.Labels) labels[label] = value;
        return Alert(name, instance, more, labels,
            new JsonObject { ["summary"] = rule.Annotation("summary"), ["runbook_url"] = rule.Annotation("runbook_url").Replace(PrometheusRulesTests.RunbookUrlTemplate, RunbookBase) });
    }

    private static JsonObject Alert(string name, string instance, (string Name, string Value)[] more, JsonObject labels, JsonObject annotations)
    {
        labels["alertname"] = name;
        labels["instance"] = instance;
        labels["job"] = "xx-exporter";
        foreach (var (label, value) in more) labels[label] = value;
        return new JsonObject
        {
            ["labels"] = labels,
            ["annotations"] = annotations,
            ["startsAt"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"),
            ["endsAt"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O"),
        };
    }

    public static async Task PostAsync(ServerProcess alertmanager, params JsonObject[] alerts)
    {
        using var response = await alertmanager.Http.PostAsync("/api/v2/alerts",
            new StringContent(new JsonArray(alerts).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A silence of an hour of the alerts with these labels.</summary>
    public static async Task SilenceAsync(ServerProcess alertmanager, params (string Name, string Value)[] matchers)
    {
        var silence = new JsonObject
        {
            ["matchers"] = new JsonArray(matchers.Select(m => (JsonNode)new JsonObject { ["name"] = m.Name, ["value"] = m.Value, ["isRegex"] = false, ["isEqual"] = true }).ToArray()),
            ["startsAt"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
            ["endsAt"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O"),
            ["createdBy"] = "xx-exporter tests",
            ["comment"] = "being fixed",
        };
        using var response = await alertmanager.Http.PostAsync("/api/v2/silences", new StringContent(silence.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until Alertmanager's answer (read as the page reads it) holds: it takes posted alerts in asynchronously.</summary>
    public static async Task SettleAsync(ServerProcess alertmanager, Func<IReadOnlyList<XxExporter.Web.Status.HeldAlert>, bool> settled)
    {
        List<XxExporter.Web.Status.HeldAlert> held = [];
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(20); await Task.Delay(100))
        {
            held = XxExporter.Web.Status.AlertmanagerAlerts.Parse(await alertmanager.Http.GetStringAsync("/api/v2/alerts"));
            if (settled(held)) return;
        }
        Assert.Fail($"Alertmanager holds: {string.Join("; ", held)}");
    }
}

using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using XxExporter.Telemetry;

namespace XxExporter.Web.Status;

/// <summary>One alert Alertmanager holds: <paramref name="State"/> is firing, silenced or inhibited.</summary>
/// <param name="Labels">The alert's labels but its name and severity (which host, database, file ... it concerns).</param>
/// <param name="Runbook">The rule's <c>runbook_url</c> annotation.</param>
public sealed record HeldAlert(string Name, string State, string? Severity, string? Summary, string? Description, string? Runbook,
    IReadOnlyDictionary<string, string> Labels, DateTimeOffset? Since);

/// <summary>The alerts the page leads with, where they come from, and whether they could be read.</summary>
/// <param name="Alertmanager">The Alertmanager's URL (without credentials); null when none is configured.</param>
/// <param name="Matchers">The matchers that select this host's alerts, as Alertmanager reads them; empty: all.</param>
/// <param name="Unavailable">Why there are no alerts to show, in words (no Alertmanager configured, or the cause it could not be read); null when read.</param>
/// <param name="ReadAt">When Alertmanager last answered.</param>
/// <param name="FailedReads">Reads that failed since the exporter started.</param>
public sealed record AlertsStatus(string? Alertmanager, string Matchers, bool Reachable, string? Unavailable, DateTimeOffset? ReadAt,
    long FailedReads, IReadOnlyList<HeldAlert> Alerts);

/// <summary>
/// Reads the alerts of <see cref="StatusSettings.Alertmanager"/> (API v2, <c>GET /api/v2/alerts</c> with the matchers
/// as <c>filter=</c>): each answer is reused for <see cref="CacheFor"/>, a read waits at most <see cref="Timeout"/>,
/// and callers meanwhile share the read in flight. Only the status page asks (never /metrics). A failed read is
/// counted and logged once until Alertmanager answers again.
/// </summary>
public sealed class AlertmanagerAlerts : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    public const int MaxAnswerBytes = 4 << 20;

    private static readonly string[] StateOrder = ["firing", "silenced", "inhibited"];
    private static readonly string[] SeverityOrder = ["critical", "warning", "info"];

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient? _http;
    private readonly Uri? _alerts;
    private readonly string? _shown;
    private readonly string _matchers;
    private readonly Lock _gate = new();
    private Task<AlertsStatus>? _latest;
    private DateTimeOffset _latestStarted;
    private DateTimeOffset? _lastAnswer;
    private long _failedReads;
    private bool _failing;

    public AlertmanagerAlerts(StatusSettings settings, TimeProvider time, ILogger logger)
    {
        (_time, _logger) = (time, logger);
        _matchers = string.Join(",", settings.Matchers);
        if (settings.Alertmanager is not { } url) return;
        _shown = new UriBuilder(url) { UserName = "", Password = "" }.Uri.ToString();
        var query = new StringBuilder("api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true");
        foreach (var matcher in settings.Matchers) query.Append("&filter=").Append(Uri.EscapeDataString(matcher.ToString()));
        _alerts = new Uri(new Uri(_shown.TrimEnd('/') + "/"), query.ToString());
        // A fleet's Alertmanager may hold many alerts; an answer past this is refused, not held in memory.
        _http = new HttpClient { Timeout = Timeout, MaxResponseContentBufferSize = MaxAnswerBytes };
        // Credentials in the URL (http://user:password@host) are sent as basic authentication, and shown nowhere.
        if (url.UserInfo.Length > 0)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(url.UserInfo))));
    }

    /// <summary>The answer of less than <see cref="CacheFor"/> ago, the read in flight, or a new read.</summary>
    public Task<AlertsStatus> CurrentAsync()
    {
        if (_http is null)
            return Task.FromResult(new AlertsStatus(null, _matchers, false,
                $"No Alertmanager is configured ({StatusSettings.Table.AlertmanagerUrl.Name} is empty), so no alert is shown here: the facts below are the exporter's, not judged.",
                null, 0, []));
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_latest is not { } latest || (latest.IsCompleted && now - _latestStarted >= CacheFor))
            {
                _latestStarted = now;
                _latest = ReadAsync();
            }
            return _latest;
        }
    }

    public void Dispose() => _http?.Dispose();

    private async Task<AlertsStatus> ReadAsync()
    {
        string cause;
        try
        {
            using var response = await _http!.GetAsync(_alerts);
            string body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
                cause = $"it answered HTTP {(int)response.StatusCode}{(body.Trim().Length > 0 ? ": " + ForeignText.Text(body.Trim()) : "")}";
            else
            {
                var alerts = Parse(body);
                lock (_gate)
                {
                    _lastAnswer = _time.GetUtcNow();
                    if (_failing) _logger.LogInformation("The status page reads the alerts of Alertmanager at {Alertmanager} again", _shown);
                    _failing = false;
                }
                return new AlertsStatus(_shown, _matchers, true, null, _lastAnswer, Interlocked.Read(ref _failedReads), alerts);
            }
        }
        catch (TaskCanceledException)
        {
            cause = $"it did not answer within {Timeout.TotalSeconds:0}s";
        }
        catch (HttpRequestException ex)
        {
            cause = ex.Message.TrimEnd('.');
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            cause = "its answer is not a list of alerts of Alertmanager's API v2";
        }
        long failed = Interlocked.Increment(ref _failedReads);
        lock (_gate)
        {
            if (!_failing)
                _logger.LogWarning("The status page cannot read the alerts of Alertmanager at {Alertmanager} ({Setting}): {Cause}; it says so at its top until it can",
                    _shown, StatusSettings.Table.AlertmanagerUrl.Name, cause);
            _failing = true;
        }
        return new AlertsStatus(_shown, _matchers, false,
            $"Alertmanager at {_shown} ({StatusSettings.Table.AlertmanagerUrl.Name}) cannot be read: {cause}. The alerts it holds are not shown; the facts below are the exporter's, not judged.",
            _lastAnswer, failed, []);
    }

    /// <summary>The alerts of an API v2 answer, firing first (the most severe first), then silenced, then inhibited.</summary>
    public static List<HeldAlert> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var alerts = new List<HeldAlert>();
        foreach (var alert in document.RootElement.EnumerateArray())
        {
            var labels = Strings(alert.GetProperty("labels"));
            var annotations = alert.TryGetProperty("annotations", out var a) ? Strings(a) : new Dictionary<string, string>();
            var status = alert.GetProperty("status");
            string state = NonEmpty(status, "silencedBy") ? "silenced" : NonEmpty(status, "inhibitedBy") ? "inhibited" : "firing";
            alerts.Add(new HeldAlert(labels.GetValueOrDefault("alertname", ""), state, labels.GetValueOrDefault("severity"),
                annotations.GetValueOrDefault("summary"), annotations.GetValueOrDefault("description"), annotations.GetValueOrDefault("runbook_url"),
                labels.Where(l => l.Key is not ("alertname" or "severity")).OrderBy(l => l.Key, StringComparer.Ordinal).ToDictionary(),
                alert.TryGetProperty("startsAt", out var since) && since.TryGetDateTimeOffset(out var at) ? at : null));
        }
        return alerts.OrderBy(a => Array.IndexOf(StateOrder, a.State))
            .ThenBy(a => a.Severity is { } s && SeverityOrder.Contains(s) ? Array.IndexOf(SeverityOrder, s) : SeverityOrder.Length)
            .ThenBy(a => a.Name, StringComparer.Ordinal).ThenBy(a => string.Join(",", a.Labels), StringComparer.Ordinal).ToList();
    }

    private static Dictionary<string, string> Strings(JsonElement map) =>
        map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");

    private static bool NonEmpty(JsonElement status, string list) =>
        status.TryGetProperty(list, out var ids) && ids.ValueKind == JsonValueKind.Array && ids.GetArrayLength() > 0;
}

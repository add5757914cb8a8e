using System.Text;
using System.Text.Json;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Web.Status;

/// <summary>The status page and /status.json of one report, rendered once for every request that shares it.</summary>
public sealed record RenderedStatus(byte[] Html, byte[] Json);

/// <summary>
/// The report that / and /status.json serve. Building one reads every source, the whole registry and the alerts
/// (<see cref="AlertmanagerAlerts"/>, which waits at most its timeout), so requests never build their own: those
/// arriving while a report is built wait for it, and a finished report is served for <see cref="ReuseFor"/> (the
/// page refreshes every <see cref="StatusPage.RefreshSeconds"/> s). However many requests come, at most one report
/// is built and held at a time, so memory does not grow with the number of connections.
/// </summary>
public sealed class StatusReports(CollectorRegistry registry, IReadOnlyList<IStatusNote> notes, AlertmanagerAlerts alerts, string telemetryPath, TimeProvider time)
{
    public static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<RenderedStatus>? _latest;
    private DateTimeOffset _latestStarted;

    /// <summary>The report in flight or built less than <see cref="ReuseFor"/> ago, else a new one.</summary>
    public Task<RenderedStatus> CurrentAsync(CancellationToken requestAborted)
    {
        Task<RenderedStatus> latest;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            bool reusable = _latest is { } built && (!built.IsCompleted || (built.IsCompletedSuccessfully && now - _latestStarted < ReuseFor));
            if (!reusable)
            {
                _latestStarted = now;
                // Not cancelled by the request that started it: the others wait for the same report.
                _latest = BuildAsync(now);
            }
            latest = _latest!;
        }
        return latest.WaitAsync(requestAborted);
    }

    private async Task<RenderedStatus> BuildAsync(DateTimeOffset now)
    {
        var report = await StatusBuilder.BuildAsync(registry, now, await alerts.CurrentAsync(), CancellationToken.None, notes);
        return new RenderedStatus(Encoding.UTF8.GetBytes(StatusPage.Render(report, telemetryPath)),
            JsonSerializer.SerializeToUtf8Bytes(report, StatusJson.Default.StatusReport));
    }
}

using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

/// <summary>Every status request shares one report: many at once build it once, and it is reused for a second.</summary>
public sealed class StatusReportsTests
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly ManualClock _clock = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AlertmanagerAlerts _alerts;
    private int _collections;

    public StatusReportsTests()
    {
        _alerts = new AlertmanagerAlerts(new StatusSettings(), _clock, NullLogger.Instance);
        Metrics.WithCustomRegistry(_registry).CreateGauge("xx_chain_up", "up").Set(1);
        // Stands for the sources the exporter reads before each collection: slow, and counted here.
        _registry.AddBeforeCollectCallback(async _ =>
        {
            Interlocked.Increment(ref _collections);
            await _release.Task;
        });
    }

    [Fact]
    public async Task Two_hundred_requests_at_once_collect_the_registry_once_and_get_the_same_report()
    {
        var reports = new StatusReports(_registry, [], _alerts, "/metrics", _clock);
        var requests = Enumerable.Range(0, 200).Select(_ => Task.Run(() => reports.CurrentAsync(default))).ToList();
        while (Volatile.Read(ref _collections) == 0) await Task.Delay(5);
        _release.SetResult();
        var served = await Task.WhenAll(requests);
        Assert.Equal(1, _collections);
        Assert.All(served, report => Assert.Same(served[0], report));
        Assert.Contains("xx-exporter status", System.Text.Encoding.UTF8.GetString(served[0].Html));
        Assert.True(JsonDocument.Parse(served[0].Json).RootElement.GetProperty("chain").GetProperty("up").GetBoolean());
    }

    [Fact]
    public async Task A_report_is_reused_for_a_second_then_built_anew()
    {
        _release.SetResult();
        var reports = new StatusReports(_registry, [], _alerts, "/metrics", _clock);
        var first = await reports.CurrentAsync(default);
        _clock.Advance(StatusReports.ReuseFor - TimeSpan.FromMilliseconds(1));
        Assert.Same(first, await reports.CurrentAsync(default));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotSame(first, await reports.CurrentAsync(default));
        Assert.Equal(2, _collections);
    }

    [Fact]
    public async Task A_request_that_goes_away_does_not_cancel_the_report_the_others_wait_for()
    {
        var reports = new StatusReports(_registry, [], _alerts, "/metrics", _clock);
        using var gone = new CancellationTokenSource();
        var abandoned = reports.CurrentAsync(gone.Token);
        var waiting = reports.CurrentAsync(default);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        _release.SetResult();
        Assert.Contains("xx-exporter status", System.Text.Encoding.UTF8.GetString((await waiting).Html));
        Assert.Equal(1, _collections);
    }
}

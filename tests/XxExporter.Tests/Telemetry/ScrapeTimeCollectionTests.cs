using Prometheus;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Telemetry;

/// <summary>What a scrape-time read that fails leaves behind: the health series, and a log line only for what the read did not report.</summary>
public class ScrapeTimeCollectionTests
{
    private readonly CapturedLogs _logs = new();
    private readonly CollectorSeries _health = new ExporterMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())).Collector("test");

    private ScrapeTimeCollection Collection(Exception failure) =>
        new(_ => Task.FromException(failure), TimeSpan.FromSeconds(1), _health, _ => { }, _logs.Factory.CreateLogger("test"));

    [Fact]
    public async Task A_read_that_throws_unexpectedly_is_logged_once_and_counted()
    {
        var collection = Collection(new InvalidOperationException("a bug in the read"));
        await collection.CollectAsync(CancellationToken.None);
        await collection.CollectAsync(CancellationToken.None);
        Assert.Equal(0, _health.Success.Value);
        Assert.Single(_logs.Lines, line => line.Contains("The test collector failed unexpectedly: a bug in the read"));
    }

    [Fact]
    public async Task A_read_wedged_past_its_deadline_makes_later_scrapes_report_it_at_once()
    {
        var wedged = new TaskCompletionSource();   // ignores cancellation, as a read stuck in a system call does
        int overdue = 0;
        var collection = new ScrapeTimeCollection(_ => wedged.Task, TimeSpan.FromMilliseconds(100), _health, _ => overdue++,
            _logs.Factory.CreateLogger("test"));

        await collection.CollectAsync(CancellationToken.None);   // waits out the timeout and the grace
        Assert.Equal(1, overdue);
        var later = collection.CollectAsync(CancellationToken.None);
        Assert.True(later.IsCompleted, "a later scrape waited again for the wedged read");
        await later;
        Assert.Equal(2, overdue);
        Assert.Equal(1, collection.Runs);   // no second read was started beside the wedged one
        Assert.Equal(0, _health.Success.Value);
        wedged.SetResult();
    }

    [Fact]
    public async Task A_failure_the_read_has_reported_is_only_counted()
    {
        await Collection(new CollectionFailedException()).CollectAsync(CancellationToken.None);
        Assert.Equal(0, _health.Success.Value);
        Assert.Empty(_logs.Lines);
    }
}

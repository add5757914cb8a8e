using System.Text.RegularExpressions;
using Prometheus;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Telemetry;

/// <summary>The one way scrape-time sources reach /metrics: shared reads, deadlines, series replaced whole, errors logged once.</summary>
public class ScrapeSourcesTests
{
    private readonly CapturedLogs _logs = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Web.ManualClock _clock = new();

    /// <summary>A source whose every read does what the test says, counting how often it was started.</summary>
    private sealed class ScriptedSource(Func<Readings, CancellationToken, Task> read, TimeSpan? timeout = null, Action<Readings>? down = null)
        : IScrapeSource
    {
        public int Reads;
        public string Name => "scripted";
        public TimeSpan Timeout { get; } = timeout ?? TimeSpan.FromSeconds(1);

        public Task CollectAsync(Readings readings, CancellationToken token)
        {
            Interlocked.Increment(ref Reads);
            return read(readings, token);
        }

        public void Unavailable(Readings readings) => down?.Invoke(readings);
    }

    private Gauge Start(ScriptedSource source)
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        var family = Families.Gauge(factory, "test_value", "A value.", "item");
        new ScrapeSources([source], new ExporterMetrics(factory), _logs.Factory, _clock).CollectBeforeEachScrape(_registry);
        return family;
    }

    private Task<Exposition> Scrape() => Exposition.Of(_registry);

    private static double Success(Exposition metrics) => metrics["xx_exporter_collector_success{collector=\"scripted\"}"];

    [Fact]
    public async Task Series_a_read_does_not_set_again_are_removed()
    {
        var items = new List<string> { "a", "b" };
        Gauge? family = null;
        family = Start(new ScriptedSource((readings, _) =>
        {
            foreach (string item in items) readings.Set(family!, 1, item);
            return Task.CompletedTask;
        }));

        Assert.True((await Scrape()).Has("test_value{item=\"b\"}"));
        items.Remove("b");
        var after = await Scrape();
        Assert.True(after.Has("test_value{item=\"a\"}"));
        Assert.False(after.Has("test_value{item=\"b\"}"));
        Assert.Equal(1, Success(after));
    }

    [Fact]
    public async Task An_unlabelled_series_exists_only_while_reads_set_it()
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        var height = Families.Gauge(factory, "test_height", "A height.");
        Assert.False((await Scrape()).Has("test_height"));   // declared, never read: absent, not 0

        bool known = true;
        new ScrapeSources([new ScriptedSource((readings, _) =>
        {
            if (known) readings.Set(height, 42);
            return Task.CompletedTask;
        })], new ExporterMetrics(factory), _logs.Factory).CollectBeforeEachScrape(_registry);
        Assert.Equal(42, (await Scrape())["test_height"]);
        known = false;
        Assert.False((await Scrape()).Has("test_height"));
    }

    [Fact]
    public async Task A_failure_is_logged_once_and_its_recovery_once()
    {
        string? error = "the server refused the login";
        Start(new ScriptedSource((readings, _) =>
        {
            if (error is not null) readings.Fail("cmix_node", error);
            return Task.CompletedTask;
        }));

        for (int i = 0; i < 3; i++) Assert.Equal(0, Success(await Scrape()));
        error = null;
        _clock.Advance(FlipLimitedLog.Interval);
        for (int i = 0; i < 2; i++) Assert.Equal(1, Success(await Scrape()));
        Assert.Single(_logs.Lines, line => line.Contains("scripted cmix_node: the server refused the login"));
        Assert.Single(_logs.Lines, line => line.Contains("scripted cmix_node: working again"));
    }

    [Fact]
    public async Task A_notice_is_logged_once_and_its_recovery_once_without_failing_the_source()
    {
        string? finding = "connection refused";
        Start(new ScriptedSource((readings, _) =>
        {
            if (finding is not null) readings.Notice("gateway", finding);
            return Task.CompletedTask;
        }));

        for (int i = 0; i < 3; i++) Assert.Equal(1, Success(await Scrape()));
        finding = null;
        Assert.Equal(1, Success(await Scrape()));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains("working again")); // within a minute of the notice
        _clock.Advance(FlipLimitedLog.Interval);
        Assert.Equal(1, Success(await Scrape()));
        Assert.Single(_logs.Lines, line => line.StartsWith("Warning") && line.Contains("scripted gateway: connection refused"));
        Assert.Single(_logs.Lines, line => line.Contains("scripted gateway: working again"));
    }

    [Fact]
    public async Task A_finding_that_flips_at_every_read_is_logged_at_most_once_a_minute_per_subject()
    {
        int read = 0;
        Start(new ScriptedSource((readings, _) =>
        {
            // 200 names, each flipping between two results at every read, as a flapping resolver makes them.
            bool odd = Interlocked.Increment(ref read) % 2 == 1;
            for (int name = 0; name < 200; name++) readings.Notice($"node-{name}.invalid", odd ? "no answer within 5s" : "the resolver failed");
            return Task.CompletedTask;
        }));

        for (int minute = 0; minute < 3; minute++)
        {
            for (int i = 0; i < 20; i++)
            {
                await Scrape();
                _clock.Advance(TimeSpan.FromSeconds(1)); // a scrape a second
            }
            _clock.Advance(FlipLimitedLog.Interval - TimeSpan.FromSeconds(20));
        }
        await Scrape();

        var perName = _logs.Lines.Where(line => line.Contains("scripted node-")).GroupBy(line => Regex.Match(line, @"node-\d+").Value).ToList();
        Assert.Equal(200, perName.Count);
        // The first result at once, then at most a line a minute with the result of the moment (61 reads in 3 minutes).
        Assert.All(perName, lines => Assert.InRange(lines.Count(), 2, 4));
    }

    [Fact]
    public async Task A_failed_read_that_sets_nothing_removes_the_old_series()
    {
        bool broken = false;
        Gauge? family = null;
        family = Start(new ScriptedSource((readings, _) =>
        {
            if (broken) readings.Fail("the file is no longer valid");
            else readings.Set(family!, 1, "id");
            return Task.CompletedTask;
        }));

        Assert.True((await Scrape()).Has("test_value{item=\"id\"}"));
        broken = true;
        var metrics = await Scrape();
        Assert.False(metrics.Has("test_value{item=\"id\"}"));
        Assert.Equal(0, Success(metrics));
    }

    [Fact]
    public async Task A_read_that_throws_is_logged_once_with_its_trace_and_shows_the_down_view()
    {
        Gauge? family = null;
        family = Start(new ScriptedSource((_, _) => throw new InvalidOperationException("a bug in the read"),
            down: readings => readings.Set(family!, 0, "up")));

        await Scrape();
        var metrics = await Scrape();
        Assert.Equal(0, metrics["test_value{item=\"up\"}"]);
        Assert.Equal(0, Success(metrics));
        Assert.Single(_logs.Lines, line => line.Contains("The scripted collector failed unexpectedly: a bug in the read")
            && line.Contains(nameof(InvalidOperationException)));
    }

    [Fact]
    public async Task A_source_without_a_down_view_keeps_its_last_series_while_it_times_out()
    {
        bool hang = false;
        Gauge? family = null;
        family = Start(new ScriptedSource(async (readings, token) =>
        {
            if (hang) await Task.Delay(Timeout.Infinite, token);
            readings.Set(family!, 7, "kept");
        }, TimeSpan.FromMilliseconds(100)));

        await Scrape();
        hang = true;
        var metrics = await Scrape();
        Assert.Equal(7, metrics["test_value{item=\"kept\"}"]);
        Assert.Equal(0, Success(metrics));
        Assert.Single(_logs.Lines, line => line.Contains("scripted: no answer within 0.1s"));
    }

    [Fact]
    public async Task A_read_wedged_past_its_deadline_is_shared_and_reported_at_once_by_later_scrapes()
    {
        var wedged = new TaskCompletionSource();   // ignores cancellation, as a read stuck in a system call does
        var source = new ScriptedSource((_, _) => wedged.Task, TimeSpan.FromMilliseconds(100));
        Start(source);

        await Scrape();   // waits out the timeout and the grace
        var later = Scrape();
        Assert.True(later.IsCompleted, "a later scrape waited again for the wedged read");
        Assert.Equal(0, Success(await later));
        Assert.Equal(1, source.Reads);   // no second read was started beside the wedged one
        wedged.SetResult();
    }

    [Fact]
    public async Task Concurrent_scrapes_share_one_read()
    {
        var release = new TaskCompletionSource();
        var source = new ScriptedSource((_, _) => release.Task);
        Start(source);

        var scrapes = Enumerable.Range(0, 5).Select(_ => Scrape()).ToList();
        release.SetResult();
        await Task.WhenAll(scrapes);
        Assert.Equal(1, source.Reads);
    }

    [Fact]
    public async Task Label_values_from_outside_are_cut_to_the_documented_length()
    {
        Gauge? family = null;
        family = Start(new ScriptedSource((readings, _) =>
        {
            readings.Set(family!, 1, new string('v', 100_000));
            return Task.CompletedTask;
        }));

        // The rule's own table is ForeignTextTests: here, that every label goes through it.
        string series = Assert.Single((await Scrape()).Series, s => s.StartsWith("test_value{"));
        Assert.Matches($"^test_value{{item=\"v{{114}}…#[0-9a-f]{{12}}\"}}$", series);
    }

    [Fact]
    public async Task A_counter_copied_from_a_server_restarts_from_a_lower_value_instead_of_going_backwards()
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        var counter = Families.Counter(factory, "test_total", "A count.", "item");
        double value = 10;
        new ScrapeSources([new ScriptedSource((readings, _) =>
        {
            readings.Set(counter, value, "x");
            return Task.CompletedTask;
        })], new ExporterMetrics(factory), _logs.Factory).CollectBeforeEachScrape(_registry);

        Assert.Equal(10, (await Scrape())["test_total{item=\"x\"}"]);
        value = 3;
        Assert.Equal(3, (await Scrape())["test_total{item=\"x\"}"]);
    }
}

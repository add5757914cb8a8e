using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>
/// Runs the registered <see cref="IScrapeSource"/>s before each scrape, concurrently. Per source: scrapes that arrive
/// while a read is in flight wait for it instead of starting their own (connections cannot pile up); the read is
/// cancelled at the source's timeout, and no scrape waits past that deadline plus a second even if the read ignores
/// cancellation (a read wedged in a system call makes later scrapes report it overdue at once). A finished read's
/// series replace the source's old ones; its problems are logged once each, and once more when they clear (at most
/// once a minute per subject).
/// </summary>
public sealed class ScrapeSources : IAsyncDisposable
{
    private readonly IReadOnlyList<SourceRun> _runs;

    /// <param name="clock">What the log's once-a-minute rule counts time by; the system's clock unless a test moves its own.</param>
    public ScrapeSources(IEnumerable<IScrapeSource> sources, ExporterMetrics exporter, ILoggerFactory loggers, TimeProvider? clock = null)
    {
        _runs = sources.Select(source => new SourceRun(source, exporter.Collector(source.Name),
            loggers.CreateLogger($"XxExporter.{source.Name}"), new FlipLimitedLog(clock ?? TimeProvider.System))).ToList();
    }

    public IReadOnlyList<string> Names => _runs.Select(run => run.Source.Name).ToList();

    /// <summary>Makes every scrape of <paramref name="registry"/> read the sources first.</summary>
    public void CollectBeforeEachScrape(CollectorRegistry registry)
    {
        if (_runs.Count > 0) registry.AddBeforeCollectCallback(CollectAsync);
    }

    /// <summary>Reads every source (or joins the reads in flight); returns within the longest timeout plus a second.</summary>
    public Task CollectAsync(CancellationToken scrapeAborted) => Task.WhenAll(_runs.Select(run => run.CollectAsync(scrapeAborted)));

    /// <summary>Closes what the sources hold open (a database's connection pool) when the host stops.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var run in _runs)
        {
            if (run.Source is IAsyncDisposable disposable) await disposable.DisposeAsync();
        }
    }

    private sealed class SourceRun(IScrapeSource source, CollectorSeries health, ILogger logger, FlipLimitedLog reported)
    {
        private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
        private readonly Lock _gate = new();
        private readonly Dictionary<string, Readings.Reading> _published = new();
        private readonly string _overdue = $"no answer within {source.Timeout.TotalSeconds:0.###}s";
        private Task? _inFlight;
        private Task _inFlightDeadline = Task.CompletedTask;

        public IScrapeSource Source => source;

        public async Task CollectAsync(CancellationToken scrapeAborted)
        {
            Task run, deadline;
            lock (_gate)
            {
                if (_inFlight is null || _inFlight.IsCompleted)
                {
                    _inFlightDeadline = Task.Delay(source.Timeout + Grace);
                    _inFlight = RunAsync();
                }
                (run, deadline) = (_inFlight, _inFlightDeadline);
            }
            try
            {
                await Task.WhenAny(run, deadline).WaitAsync(scrapeAborted);
            }
            catch (OperationCanceledException) when (scrapeAborted.IsCancellationRequested)
            {
                return; // the scraper went away; the read finishes on its own for the next scrape
            }
            if (!run.IsCompleted) Finish(UnavailableView(_overdue), source.Timeout + Grace, unavailable: true);
        }

        private async Task RunAsync()
        {
            long started = Stopwatch.GetTimestamp();
            using var cancel = new CancellationTokenSource(source.Timeout);
            var readings = new Readings();
            bool unavailable = true;
            try
            {
                await source.CollectAsync(readings, cancel.Token);
                unavailable = false;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                readings = UnavailableView(_overdue);
            }
            catch (Exception ex)
            {
                // A bug in the source: its stack trace once, not at every scrape.
                if (reported.Logged("") != ex.Message) logger.LogError(ex, "The {Collector} collector failed unexpectedly: {Error}", source.Name, ex.Message);
                readings = UnavailableView(ex.Message);
            }
            Finish(readings, Stopwatch.GetElapsedTime(started), unavailable);
        }

        /// <summary>What the source shows while it cannot be read, failing with <paramref name="error"/>.</summary>
        private Readings UnavailableView(string error)
        {
            var readings = new Readings();
            source.Unavailable(readings);
            readings.Fail(error);
            return readings;
        }

        /// <param name="unavailable">The read did not finish or threw, so <paramref name="readings"/> is the down view.</param>
        private void Finish(Readings readings, TimeSpan duration, bool unavailable)
        {
            lock (_published)
            {
                // A source that wrote no "down" view keeps its last series while it is unavailable; a read that
                // finished has all its series, even none (a failed read that found nothing to show).
                if (!unavailable || readings.Values.Count > 0) Publish(readings);
                Log(readings.Problems);
                health.Report(!readings.Failed, duration);
            }
        }

        private void Publish(Readings readings)
        {
            var current = new HashSet<string>();
            foreach (var reading in readings.Values)
            {
                string key = reading.Key;
                current.Add(key);
                _published[key] = reading;
                Set(reading);
            }
            foreach (var (key, stale) in _published.Where(p => !current.Contains(p.Key)).ToList())
            {
                Remove(stale);
                _published.Remove(key);
            }
        }

        private static void Set(Readings.Reading reading)
        {
            switch (reading.Family)
            {
                case Gauge gauge:
                    gauge.WithLabels(reading.Labels).Set(reading.Value);
                    break;
                case Counter counter:
                    var child = counter.WithLabels(reading.Labels);
                    if (reading.Value >= child.Value) child.IncTo(reading.Value);
                    else
                    {
                        // the server's statistics were reset: start again from its value rather than go backwards
                        Remove(reading);
                        counter.WithLabels(reading.Labels).IncTo(reading.Value);
                    }
                    break;
                default:
                    throw new NotSupportedException($"{reading.Family.Name}: only gauges and counters are read at scrape time");
            }
        }

        private static void Remove(Readings.Reading reading)
        {
            switch (reading.Family)
            {
                case Gauge gauge when reading.Labels.Length == 0: gauge.Unpublish(); break;
                case Gauge gauge: gauge.RemoveLabelled(reading.Labels); break;
                case Counter counter when reading.Labels.Length == 0: counter.Unpublish(); break;
                case Counter counter: counter.RemoveLabelled(reading.Labels); break;
            }
        }

        /// <summary>
        /// Each problem when it appears or changes, and once when it clears, at most once a minute per subject
        /// (<see cref="FlipLimitedLog"/>): a broken file or a flapping target must not flood the log.
        /// </summary>
        private void Log(IReadOnlyDictionary<string, string> problems)
        {
            foreach (var (subject, error) in reported.Changes(problems))
            {
                if (error is null && subject.Length == 0) logger.LogInformation("{Collector}: working again", source.Name);
                else if (error is null) logger.LogInformation("{Collector} {Subject}: working again", source.Name, subject);
                else if (subject.Length == 0) logger.LogWarning("{Collector}: {Error}", source.Name, error);
                else logger.LogWarning("{Collector} {Subject}: {Error}", source.Name, subject, error);
            }
        }
    }
}

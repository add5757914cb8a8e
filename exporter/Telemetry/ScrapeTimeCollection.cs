using System.Diagnostics;

namespace XxExporter.Telemetry;

/// <summary>
/// Runs a remote read when Prometheus scrapes. Scrapes that arrive while a read is in flight wait for it instead
/// of starting their own (so connections cannot pile up); the read is cancelled at the timeout, and a scrape
/// never waits much longer than that even if the read ignores cancellation. Success and duration go to the
/// collector's health series.
/// </summary>
public sealed class ScrapeTimeCollection(Func<CancellationToken, Task> read, TimeSpan timeout, CollectorSeries health, Action onOverdue)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private Task? _inFlight;

    /// <summary>Reads started so far (tests check that concurrent scrapes share one).</summary>
    public int Runs { get; private set; }

    public async Task CollectAsync(CancellationToken scrapeAborted)
    {
        Task run;
        lock (_gate)
        {
            if (_inFlight is null || _inFlight.IsCompleted)
            {
                Runs++;
                _inFlight = RunAsync();
            }
            run = _inFlight;
        }
        try
        {
            await run.WaitAsync(timeout + Grace, scrapeAborted);
        }
        catch (TimeoutException)
        {
            onOverdue();
            health.Report(false, timeout + Grace);
        }
        catch (OperationCanceledException) when (scrapeAborted.IsCancellationRequested)
        {
            // The scraper went away; the read finishes on its own for the next scrape.
        }
    }

    private async Task RunAsync()
    {
        long started = Stopwatch.GetTimestamp();
        using var cancel = new CancellationTokenSource(timeout);
        bool ok = true;
        try
        {
            await read(cancel.Token);
        }
        catch (Exception)
        {
            ok = false; // the read reports its own failure; here it only counts
        }
        health.Report(ok, Stopwatch.GetElapsedTime(started));
    }
}

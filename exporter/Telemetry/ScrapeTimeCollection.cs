using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace XxExporter.Telemetry;

/// <summary>
/// Runs a remote read when Prometheus scrapes. Scrapes that arrive while a read is in flight wait for it instead
/// of starting their own (so connections cannot pile up); the read is cancelled at the timeout, and no scrape
/// waits past the read's own deadline even if the read ignores cancellation (a read wedged in a system call makes
/// the later scrapes report it overdue at once rather than each waiting again). Success and duration go to the
/// collector's health series. A read reports its own failures and ends with <see cref="CollectionFailedException"/>;
/// anything else it throws is a bug, logged here.
/// </summary>
/// <param name="onOverdue">Told <see cref="Overdue"/> when a scrape stops waiting for the read.</param>
public sealed class ScrapeTimeCollection(
    Func<CancellationToken, Task> read, TimeSpan timeout, CollectorSeries health, Action<string> onOverdue, ILogger logger)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private Task? _inFlight;
    private Task _inFlightDeadline = Task.CompletedTask; // the timeout plus grace after the read started
    private string? _lastUnexpected;

    /// <summary>Reads started so far (tests check that concurrent scrapes share one).</summary>
    public int Runs { get; private set; }

    /// <summary>What a read that ran out of time is reported as.</summary>
    public string Overdue { get; } = $"no answer within {timeout.TotalSeconds:0.###}s";

    public async Task CollectAsync(CancellationToken scrapeAborted)
    {
        Task run, deadline;
        lock (_gate)
        {
            if (_inFlight is null || _inFlight.IsCompleted)
            {
                Runs++;
                _inFlightDeadline = Task.Delay(timeout + Grace);
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
        if (!run.IsCompleted)
        {
            onOverdue(Overdue);
            health.Report(false, timeout + Grace);
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
            _lastUnexpected = null;
        }
        catch (CollectionFailedException)
        {
            ok = false; // the read has said why; here it only counts
        }
        catch (Exception ex)
        {
            ok = false;
            // A bug in the read, with its stack trace once rather than at every scrape.
            if (ex.Message != _lastUnexpected) logger.LogError(ex, "The {Collector} collector failed unexpectedly: {Error}", health.Name, ex.Message);
            _lastUnexpected = ex.Message;
        }
        health.Report(ok, Stopwatch.GetElapsedTime(started));
    }
}

/// <summary>Ends a read that failed and has logged why, so <see cref="ScrapeTimeCollection"/> only counts it.</summary>
public sealed class CollectionFailedException(Exception? cause = null) : Exception("the collection failed; the collector has logged why", cause);

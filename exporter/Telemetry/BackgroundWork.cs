using System.Runtime.ExceptionServices;

namespace XxExporter.Telemetry;

/// <summary>
/// Slow work for one subject - a name's lookup, a file's hash, a config's parse - that no scrape waits for. A scrape
/// asks for a version of the input (a file's size and modification time, a host name) and gets the last completed
/// result at once: possibly of an older version, or none before the first run ends. At most one run at a time: a
/// version asked for while one runs is run once after it ends (only the newest asked), so a file touched again and
/// again is hashed one time after another, never several times at once.
/// </summary>
public sealed class BackgroundWork<TVersion, TResult>(Func<TVersion, Task<TResult>> work, TimeProvider clock)
{
    /// <summary>A run that ended: the version it was for, and when.</summary>
    public sealed class Completed(TVersion version, TResult result, ExceptionDispatchInfo? bug, DateTimeOffset at)
    {
        public TVersion Version => version;

        public DateTimeOffset At => at;

        /// <summary>The run's result; a run that threw (a bug) throws again here, in the scrape that reports it.</summary>
        public TResult Result
        {
            get
            {
                bug?.Throw();
                return result;
            }
        }

        public bool Threw => bug is not null;
    }

    private static readonly EqualityComparer<TVersion> Same = EqualityComparer<TVersion>.Default;

    private readonly Lock _gate = new();
    private Completed? _last;
    private (bool Running, TVersion Version) _run;
    private (bool Asked, TVersion Version) _next;

    /// <summary>Whether a run is under way (for tests: runs start on the thread pool, so counting them would race).</summary>
    internal bool Running
    {
        get
        {
            lock (_gate) return _run.Running;
        }
    }

    /// <summary>
    /// The last completed run, or null before the first ends. Starts a run for <paramref name="version"/> unless the
    /// last completed run is of that version and <paramref name="renew"/> (given it) says it need not be renewed; while
    /// a run for another version is under way, <paramref name="version"/> is the one run after it.
    /// </summary>
    public Completed? Latest(TVersion version, Func<Completed, bool>? renew = null)
    {
        lock (_gate)
        {
            if (_run.Running)
            {
                _next = Same.Equals(_run.Version, version) ? default : (true, version);
            }
            else if (_last is null || !Same.Equals(_last.Version, version) || _last.Threw || (renew?.Invoke(_last) ?? false))
            {
                Start(version);
            }
            return _last;
        }
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void Start(TVersion version)
    {
        _run = (true, version);
        _ = Task.Run(() => RunAsync(version));
    }

    private async Task RunAsync(TVersion version)
    {
        Completed completed;
        try
        {
            completed = new(version, await work(version).ConfigureAwait(false), null, clock.GetUtcNow());
        }
        catch (Exception ex)
        {
            completed = new(version, default!, ExceptionDispatchInfo.Capture(ex), clock.GetUtcNow());
        }
        lock (_gate)
        {
            _last = completed;
            _run = default;
            if (_next.Asked)
            {
                var next = _next.Version;
                _next = default;
                Start(next);
            }
        }
    }
}

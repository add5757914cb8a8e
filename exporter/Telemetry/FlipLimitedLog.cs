namespace XxExporter.Telemetry;

/// <summary>
/// Which changes of a condition to log, per subject (a file, a target, a name): a problem when it appears, changes or
/// clears, but at most once per <see cref="Interval"/> per subject. A condition that flips faster (a flapping resolver,
/// a file growing a few characters at a time) is logged when it first changes, then at most once a minute with what
/// it is by then; a flip back to what was logged last logs nothing.
/// </summary>
public sealed class FlipLimitedLog(TimeProvider clock)
{
    /// <summary>The least time between two log lines of one subject.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>Per subject: the problem logged last (null: "working again", or nothing yet) and when.</summary>
    private readonly Dictionary<string, (string? Logged, DateTimeOffset At)> _subjects = new();
    private readonly Lock _gate = new();

    public FlipLimitedLog() : this(TimeProvider.System) { }

    /// <summary>The problem logged last for <paramref name="subject"/>; null if none or it was logged as cleared.</summary>
    public string? Logged(string subject)
    {
        lock (_gate) return _subjects.GetValueOrDefault(subject).Logged;
    }

    /// <summary>
    /// The lines to write now for the problems of this round (subject → problem; a subject left out has none):
    /// each subject whose problem differs from the one logged last and was not logged within <see cref="Interval"/>,
    /// with its problem, or null for one that cleared.
    /// </summary>
    public IReadOnlyList<(string Subject, string? Problem)> Changes(IReadOnlyDictionary<string, string> problems)
    {
        var now = clock.GetUtcNow();
        var lines = new List<(string, string?)>();
        lock (_gate)
        {
            foreach (var (subject, problem) in problems) Consider(subject, problem, now, lines);
            foreach (string subject in _subjects.Keys.Where(subject => !problems.ContainsKey(subject)).ToList())
            {
                Consider(subject, null, now, lines);
                // A cleared subject is forgotten once its last line is old enough that a new one may be logged at once anyway.
                if (_subjects[subject] is { Logged: null } cleared && now - cleared.At >= Interval) _subjects.Remove(subject);
            }
        }
        return lines;
    }

    /// <summary>One subject's problem (null: none) this round, without the others: for an owner with one subject at a time.</summary>
    public bool ShouldLog(string subject, string? problem)
    {
        var lines = new List<(string, string?)>();
        lock (_gate) Consider(subject, problem, clock.GetUtcNow(), lines);
        return lines.Count > 0;
    }

    private void Consider(string subject, string? problem, DateTimeOffset now, List<(string, string?)> lines)
    {
        bool known = _subjects.TryGetValue(subject, out var last);
        if (known ? last.Logged == problem : problem is null) return;
        if (known && now - last.At < Interval) return;
        _subjects[subject] = (problem, now);
        lines.Add((subject, problem));
    }
}

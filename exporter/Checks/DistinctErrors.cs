using Microsoft.Extensions.Logging;

namespace XxExporter.Checks;

/// <summary>
/// Logs a check's errors by subject (a file, a target) when one appears or changes, and once when it clears -
/// not at every scrape, which would flood the log of a host that keeps a broken file.
/// </summary>
internal sealed class DistinctErrors(ILogger logger, string check)
{
    private readonly Lock _gate = new();
    private Dictionary<string, string> _failing = new();

    /// <summary>One run's errors; a subject not in them has none (any more).</summary>
    public void Report(IReadOnlyDictionary<string, string> errors)
    {
        lock (_gate)
        {
            foreach (var (subject, error) in errors)
            {
                if (_failing.GetValueOrDefault(subject) != error) logger.LogWarning("{Check} {Subject}: {Error}", check, subject, error);
            }
            foreach (string subject in _failing.Keys.Where(s => !errors.ContainsKey(s)))
                logger.LogInformation("{Check} {Subject}: no error any more", check, subject);
            _failing = new Dictionary<string, string>(errors);
        }
    }

    /// <summary>An error outside a run (the run is overdue); the next run's report clears it.</summary>
    public void Fail(string subject, string error)
    {
        lock (_gate)
        {
            if (_failing.GetValueOrDefault(subject) == error) return;
            _failing[subject] = error;
            logger.LogWarning("{Check} {Subject}: {Error}", check, subject, error);
        }
    }
}

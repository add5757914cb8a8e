using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>
/// The series one source publishes in one metric family, for values read whole at each scrape: what is set
/// during a collection stays, what is not set again (a dropped table, a database gone down) is removed by
/// <see cref="Sweep"/>. Counters copied from a server (which may reset its statistics) restart from the new
/// value instead of going backwards.
/// </summary>
public sealed class SweptSeries<TChild>(Collector<TChild> family) where TChild : ChildBase
{
    private readonly Dictionary<string, string[]> _published = new();
    private readonly HashSet<string> _setThisRound = new();

    public void Set(double value, params string[] labels)
    {
        string key = string.Join('\u0001', labels);
        _setThisRound.Add(key);
        _published[key] = labels;
        switch (family.WithLabels(labels))
        {
            case Gauge.Child gauge:
                gauge.Set(value);
                break;
            case Counter.Child counter when value >= counter.Value:
                counter.IncTo(value);
                break;
            case Counter.Child:
                family.RemoveLabelled(labels); // the server's statistics were reset
                ((Counter.Child)(object)family.WithLabels(labels)).IncTo(value);
                break;
        }
    }

    /// <summary>Removes the series not set since the last sweep.</summary>
    public void Sweep()
    {
        foreach (var (key, labels) in _published.Where(p => !_setThisRound.Contains(p.Key)).ToList())
        {
            family.RemoveLabelled(labels);
            _published.Remove(key);
        }
        _setThisRound.Clear();
    }
}

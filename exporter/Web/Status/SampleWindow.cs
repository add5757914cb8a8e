namespace XxExporter.Web.Status;

/// <summary>
/// The recent past of the few series the problem table looks back on (<see cref="Problems.Remembered"/>): one
/// snapshot a minute for <see cref="Length"/>, so an alert's <c>increase(x[15m])</c> or <c>min_over_time(x[30m])</c>
/// can be judged by the exporter itself. Memory is bounded: at most <see cref="Capacity"/> snapshots of those series.
/// Like Prometheus with a series younger than the range, a look back longer than the exporter has run starts from
/// the oldest snapshot.
/// </summary>
public sealed class SampleWindow
{
    /// <summary>The longest range an entry of the problem table looks back (XxCmixRoundFailureRatioHigh: 6 h).</summary>
    public static readonly TimeSpan Length = TimeSpan.FromHours(6);
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);
    public static readonly int Capacity = (int)(Length / Every) + 1;

    private readonly Lock _gate = new();
    private readonly Queue<Snapshot> _snapshots = new();
    private readonly Dictionary<string, string> _keys = new();   // one string per series, shared by every snapshot

    private sealed record Snapshot(double At, Dictionary<string, double> Values);

    /// <summary>Keeps the remembered series of <paramref name="samples"/> if the newest snapshot is a minute old.</summary>
    internal void Record(MetricSamples samples, double now)
    {
        lock (_gate)
        {
            if (_snapshots.Count > 0 && now - _snapshots.Last().At < Every.TotalSeconds) return;
            var values = new Dictionary<string, double>();
            foreach (var sample in samples.Remembered(Problems.Remembered))
            {
                string key = Key(sample);
                if (!_keys.TryGetValue(key, out string? shared)) _keys[key] = shared = key;
                values[shared] = sample.Value;
            }
            _snapshots.Enqueue(new Snapshot(now, values));
            while (_snapshots.Count > Capacity) _snapshots.Dequeue();
        }
    }

    internal int Count
    {
        get { lock (_gate) return _snapshots.Count; }
    }

    /// <summary>How far back the window reaches from <paramref name="now"/>, at most <paramref name="span"/>.</summary>
    internal TimeSpan Covered(double now, TimeSpan span)
    {
        lock (_gate)
            return _snapshots.Count == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(span.TotalSeconds, Math.Max(0, now - _snapshots.Peek().At)));
    }

    /// <summary>The sample's growth over the last <paramref name="span"/> (0 when it was not remembered yet).</summary>
    internal double Increase(Sample sample, double now, TimeSpan span) =>
        Math.Max(0, sample.Value - (Before(sample, now - span.TotalSeconds, orOldest: true) ?? sample.Value));

    /// <summary>The sample's value <paramref name="span"/> ago; null if the window does not reach back that far.</summary>
    internal double? Ago(Sample sample, double now, TimeSpan span) => Before(sample, now - span.TotalSeconds, orOldest: false);

    /// <summary>The least value of the sample over the last <paramref name="span"/>, the current one included.</summary>
    internal double Min(Sample sample, double now, TimeSpan span)
    {
        string key = Key(sample);
        lock (_gate)
            return _snapshots.Where(s => s.At >= now - span.TotalSeconds && s.Values.ContainsKey(key))
                .Select(s => s.Values[key]).Append(sample.Value).Min();
    }

    private double? Before(Sample sample, double at, bool orOldest)
    {
        string key = Key(sample);
        lock (_gate)
        {
            var holding = _snapshots.Where(s => s.Values.ContainsKey(key)).ToList();
            var before = holding.LastOrDefault(s => s.At <= at) ?? (orOldest ? holding.FirstOrDefault() : null);
            return before?.Values[key];
        }
    }

    private static string Key(Sample sample) =>
        sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
}

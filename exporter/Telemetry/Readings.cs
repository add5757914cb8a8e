using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>
/// What one read of an <see cref="IScrapeSource"/> found: the series it set and the problems it met. Nothing reaches
/// the registry until the read is over, so a read that fails halfway never leaves half its series behind.
/// </summary>
public sealed class Readings
{
    private readonly List<Reading> _values = new();
    private readonly Dictionary<string, string> _problems = new();

    internal IReadOnlyList<Reading> Values => _values;

    /// <summary>
    /// Failures and notices by subject (a file, a target, or the source as a whole as ""), each a sentence for the
    /// log.
    /// </summary>
    internal IReadOnlyDictionary<string, string> Problems => _problems;

    /// <summary>True if <see cref="Fail(string, string)"/> was called: the source's collector success is 0.</summary>
    public bool Failed { get; private set; }

    public void Set(Gauge family, double value, params string[] labels) => _values.Add(new Reading(family, Cut(labels), value));

    /// <summary>A counter copied from elsewhere (a server's statistics): it restarts from the new value if that went down.</summary>
    public void Set(Counter family, double value, params string[] labels) => _values.Add(new Reading(family, Cut(labels), value));

    public void Set(Gauge family, bool value, params string[] labels) => Set(family, value ? 1 : 0, labels);

    /// <summary>Sets the series if there is a value; leaves it out (so it is removed) if not.</summary>
    public void SetIfKnown(Gauge family, double? value, params string[] labels)
    {
        if (value is { } known) Set(family, known, labels);
    }

    /// <summary>The source as a whole did not work (its collector success is 0); logged once until the error changes.</summary>
    public void Fail(string error) => Fail("", error);

    /// <summary>One subject of the source (a file, a probe target) did not work; logged once per subject until it changes.</summary>
    public void Fail(string subject, string error)
    {
        _problems[Subject(subject)] = ForeignText.Show(error, ForeignText.SentenceLength);
        Failed = true;
    }

    /// <summary>
    /// A finding the operator should read in the log that is no failure of the source (a probe target refusing
    /// connections was probed fine): logged once per subject until it changes, like a failure, but the collector
    /// still succeeds.
    /// </summary>
    public void Notice(string subject, string finding) => _problems[Subject(subject)] = ForeignText.Show(finding, ForeignText.SentenceLength);

    /// <summary>
    /// Subjects (a file's path, a node's address) and problems are logged: they go by the rule for foreign text
    /// even when their sources already applied it to the parts they took from outside.
    /// </summary>
    private static string Subject(string subject) => ForeignText.Show(subject, ForeignText.TextLength);

    private static string[] Cut(string[] labels)
    {
        // Every label value, ours or from outside (a node's version string, a file's name), goes by the one rule.
        for (int i = 0; i < labels.Length; i++) labels[i] = ForeignText.Label(labels[i]);
        return labels;
    }

    internal readonly record struct Reading(Collector Family, string[] Labels, double Value)
    {
        public string Key => Family.Name + "\u0001" + string.Join('\u0001', Labels);
    }
}

namespace XxExporter.Web.Status;

/// <summary>One problem on the page and in /status.json: the alert whose condition holds, what it concerns, and what to read.</summary>
public sealed record Problem(string Alert, Severity Severity, Card Card, string? Subject, string Summary, string Runbook);

/// <summary>
/// What an entry of <see cref="Problems"/> judges by: the current samples, the time, how long the exporter has
/// watched, and the recent past of the remembered families (<see cref="SampleWindow"/>). Spans are in seconds, as
/// the entries' pins.
/// </summary>
public sealed class Judge
{
    private readonly MetricSamples _samples;
    private readonly SampleWindow _window;

    internal Judge(MetricSamples samples, double now, SampleWindow window)
    {
        (_samples, Now, _window) = (samples, now, window);
        Watched = samples.Value("process_start_time_seconds") is { } started ? now - started : null;
    }

    /// <summary>Unix time now.</summary>
    public double Now { get; }

    /// <summary>How long the exporter has run (a "none since the exporter started" counts only after the span judged).</summary>
    public double? Watched { get; }

    internal IEnumerable<Sample> All(string name) => _samples.All(name);

    internal Sample? One(string name) => _samples.All(name).FirstOrDefault();

    internal double? Value(string name, params (string Label, string Value)[] labels) => _samples.Value(name, labels);

    /// <summary>As <c>increase(x[span])</c>.</summary>
    internal double Increase(Sample sample, double span) => _window.Increase(sample, Now, TimeSpan.FromSeconds(span));

    /// <summary>As <c>x offset span</c>: null if the exporter does not remember that far back.</summary>
    internal double? Ago(Sample sample, double span) => _window.Ago(sample, Now, TimeSpan.FromSeconds(span));

    /// <summary>As <c>min_over_time(x[span])</c>.</summary>
    internal double Min(Sample sample, double span) => _window.Min(sample, Now, TimeSpan.FromSeconds(span));

    /// <summary>How much of the last <paramref name="span"/> the exporter remembers, in seconds.</summary>
    internal double Covered(double span) => _window.Covered(Now, TimeSpan.FromSeconds(span)).TotalSeconds;

    /// <summary>Rounds completed and failed (all reasons) over the last <paramref name="span"/>.</summary>
    internal (double Completed, double Failed) Rounds(double span) =>
        (All("xx_cmix_rounds_completed_total").Sum(s => Increase(s, span)), All("xx_cmix_round_failures_total").Sum(s => Increase(s, span)));

    /// <summary>As <c>min_over_time(xx_validator_active[span]) == 0</c>: the validator was out of the active set in that span.</summary>
    internal bool WasOutOfActiveSet(double span) => One("xx_validator_active") is { } active && Min(active, span) == 0;

    /// <summary>A span as a person says it: 45s, 16m, 26h, 3d.</summary>
    public static string Span(double seconds) => seconds switch
    {
        < 120 => $"{seconds:0}s",
        < 7200 when Math.Round(seconds) != 3600 => $"{seconds / 60:0}m",
        < 172800 => $"{seconds / 3600:0.#}h",
        _ => $"{seconds / 86400:0.#}d",
    };
}

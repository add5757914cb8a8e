namespace XxExporter.Telemetry;

/// <summary>
/// A source read when Prometheus scrapes: a database, the chain node, a host check. <see cref="ScrapeSources"/> runs
/// every registered source before each scrape, one read at a time per source (concurrent scrapes share the read in
/// flight), under <see cref="Timeout"/>, and reports its health as
/// <c>xx_exporter_collector_success</c>/<c>_duration_seconds{collector="<see cref="Name"/>"}</c>.
/// </summary>
public interface IScrapeSource
{
    /// <summary>The <c>collector</c> label of the source's health series and the subject of its log lines.</summary>
    string Name { get; }

    /// <summary>How long one read may take; the read's token is cancelled then and scrapes stop waiting a second later.</summary>
    TimeSpan Timeout { get; }

    /// <summary>
    /// Reads the source and sets every series it has now on <paramref name="readings"/>: series of the source that are
    /// not set again are removed. What the operator must know about (a server down, a file unreadable) goes to
    /// <see cref="Readings.Fail"/>; the read then still returns normally with the series that say so
    /// (<c>xx_postgres_up 0</c>). Anything thrown is treated as a bug.
    /// </summary>
    Task CollectAsync(Readings readings, CancellationToken timeout);

    /// <summary>
    /// The series to show while a read has not finished in time or has thrown. Writing nothing keeps the series of
    /// the last read; a source whose old values would mislead (stale heights look like a stuck chain) writes its
    /// "down" view here.
    /// </summary>
    void Unavailable(Readings readings) { }
}

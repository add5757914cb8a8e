namespace XxExporter.Checks;

/// <summary>One scrape-time check, run by <see cref="HostChecks"/> under a timeout with concurrent scrapes sharing a run.</summary>
internal interface IHostCheck
{
    /// <summary>Reads and publishes; false if something configured could not be read (the collector's success 0).</summary>
    Task<bool> ReadAsync(CancellationToken timeout);

    /// <summary>The run did not finish in time: <paramref name="error"/> says how long it was given.</summary>
    void Overdue(string error);
}

namespace XxExporter.Telemetry;

/// <summary>
/// A source that has something for people which must never be a label (free text such as the error a cMix node
/// stopped on): the status page and /status.json show it under the alerts, with the source's name.
/// </summary>
public interface IStatusNote
{
    string Name { get; }

    /// <summary>A sentence, or null while there is nothing to say.</summary>
    string? StatusNote { get; }
}

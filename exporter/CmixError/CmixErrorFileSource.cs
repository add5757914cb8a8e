using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Files;
using XxExporter.Logs;
using XxExporter.Telemetry;

namespace XxExporter.CmixError;

/// <summary>What the last read found in <c>cmix-err.log</c>: the file's time and, if it decoded, the error.</summary>
/// <param name="Problem">Why the file could not be read or decoded; null if <paramref name="Error"/> is set.</param>
public sealed record CmixErrorFinding(string Path, DateTimeOffset Modified, RoundError? Error, string? Problem)
{
    /// <summary>The error the node stopped on, as the exporter's log says it under the file's name; built once per finding.</summary>
    public string Sentence { get; } = Error is { } found
        ? $"the cMix node stopped on an error written at {Modified:yyyy-MM-dd HH:mm:ss}Z " +
          $"({(found.RoundId == 0 ? "not tied to a round" : $"round {found.RoundId}")}{(found.NodeId is { } node ? $", reported by node {node}" : "")}): " +
          $"{found.Error}. Its wrapper restarts it within about 20 s; if this file stays, see docs/runbooks/XxServiceDown.md"
        : $"the cMix node left an error file written at {Modified:yyyy-MM-dd HH:mm:ss}Z that {Problem}, " +
          "so its reason cannot be shown; if it stays, see docs/runbooks/XxServiceDown.md";
}

/// <summary>
/// Watches <c>cmix-err.log</c>, the error a stopping cMix node leaves for its wrapper. It normally lives 10-20
/// seconds, until the wrapper restarts the node and the new process removes it; one that stays is a node down until
/// a person acts (docs/xx-node-facts.md, 2.3; docs/runbooks/XxServiceDown.md). Each new file's error is
/// logged once (a file that keeps changing: at most once a minute); the file is decoded, and its sentence built, again
/// only when it changes (<see cref="ParsedFile{T}"/>).
/// </summary>
public sealed class CmixErrorFileSource : IScrapeSource, IStatusNote
{
    private readonly string _path;
    private readonly ParsedFile<CmixErrorFinding> _file;
    private readonly Gauge _present, _modified, _decoded, _round;

    private CmixErrorFileSource(string path, IMetricFactory factory)
    {
        _path = path;
        _file = new(path, (content, version) =>
        {
            var error = RoundErrorFile.TryDecode(content, out string? problem);
            return new CmixErrorFinding(path, new DateTimeOffset(version.Modified), error, problem);
        });
        _present = Families.Gauge(factory, "xx_cmix_error_file_present",
            "1 if cmix-err.log (the error a stopped cMix node leaves for its wrapper) exists, else 0; the other xx_cmix_error_file_* series exist only while it does.");
        _modified = Families.Gauge(factory, "xx_cmix_error_file_modified_timestamp_seconds",
            "Modification time of cmix-err.log, as Unix seconds: when the node wrote the error it stopped on.");
        _decoded = Families.Gauge(factory, "xx_cmix_error_file_decoded",
            "1 if cmix-err.log decoded as a RoundError (its text is in the exporter's log), 0 if it is unreadable, too large or garbled.");
        _round = Families.Gauge(factory, "xx_cmix_error_file_round_id",
            "The round named in cmix-err.log; 0 for a failure of the node not tied to a round.");
    }

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly SourceRegistration Registration = new("cmix_error_file",
        "The error file a stopped cMix node leaves for its wrapper (xx_cmix_error_file_*), watched when the cmix log is enabled.",
        context => For(LogSettings.Read(context.Settings), context.Factory));

    /// <summary>The check, when the cMix log is followed on this host (a gateway-only host has no error file).</summary>
    public static IEnumerable<IScrapeSource> For(LogSettings settings, IMetricFactory factory) =>
        settings.CmixErrorFile is { } path ? [new CmixErrorFileSource(path, factory)] : [];

    public string Name => "cmix_error_file";

    public TimeSpan Timeout { get; } = TimeSpan.FromSeconds(5); // a local file; this only bounds a hung mount

    /// <summary>The last read's finding; null while there is no error file. For the status page.</summary>
    public CmixErrorFinding? Current { get; private set; }

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        CmixErrorFinding finding;
        try
        {
            finding = _file.Read();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            readings.Set(_present, false); // the restarted node took it
            Current = null;
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var modified = new DateTimeOffset(File.GetLastWriteTimeUtc(_path));
            string problem = $"cannot be read ({ex.Message})";
            finding = Current is { Error: null } known && known.Modified == modified && known.Problem == problem ? known : new(_path, modified, null, problem);
        }
        Current = finding;
        readings.Set(_present, true);
        readings.Set(_modified, finding.Modified.ToUnixTimeSeconds());
        readings.Set(_decoded, finding.Error is not null);
        if (finding.Error is { } found) readings.Set(_round, found.RoundId);
        readings.Notice(_path, finding.Sentence);
    }

    /// <summary>The error the node stopped on, for the status page (never a label).</summary>
    public string? StatusNote => Current is { } finding ? $"{finding.Path}: {finding.Sentence}" : null;
}

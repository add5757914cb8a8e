using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Files;
using XxExporter.Telemetry;

namespace XxExporter.Logs;

/// <summary>
/// How many of the enabled log files are there at all. A mistyped <c>--logs.dir</c> otherwise looks like a quiet,
/// healthy node: every log alert needs its file present, so none could fire.
/// </summary>
public sealed class LogFilesSource(LogSettings settings, IMetricFactory factory) : IScrapeSource
{
    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly SourceRegistration Registration = new("log_files", "How many of the enabled log files exist (xx_log_files_found).",
        context => [new LogFilesSource(LogSettings.Read(context.Settings), context.Factory)]);

    private readonly Gauge _found = Families.Gauge(factory, "xx_log_files_found",
        "Enabled log files that exist at their configured paths (or whose folder this user may not look into: see xx_log_file_readable); 0 means none was found (a wrong --logs.dir?), so no log alert can fire.");

    public string Name => "log_files";

    public TimeSpan Timeout { get; } = TimeSpan.FromSeconds(5);

    public Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        readings.Set(_found, settings.Files.Count(file => FileStat.MayExist(file.Path)));
        return Task.CompletedTask;
    }

    /// <summary>The warning for a host where none of the enabled logs exists; null if some do (or none is enabled).</summary>
    public static string? NoneFound(LogSettings settings)
    {
        if (settings.Files.Count == 0 || settings.Files.Any(file => FileStat.MayExist(file.Path))) return null;
        var folders = settings.Files.Select(file => Path.GetDirectoryName(file.Path) ?? ".").Distinct().ToList();
        string why = folders.All(folder => !Directory.Exists(folder)) ? $"{string.Join(", ", folders)} does not exist" : $"none is in {string.Join(", ", folders)}";
        return $"none of the enabled log files is there ({why}): check {LogSettings.Table.Dir.Name}; no log alert can fire until they appear";
    }
}

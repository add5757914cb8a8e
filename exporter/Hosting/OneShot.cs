using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Logs;
using XxExporter.Settings;
using XxExporter.Telemetry;

namespace XxExporter.Hosting;

/// <summary>
/// <c>--once</c>: reads every configured log file from its start to its current end, writes the exposition
/// text to <paramref name="output"/> and returns. The same pipeline as the running exporter, without a server.
/// </summary>
public static class OneShot
{
    public static async Task RunAsync(ExporterSettings settings, Stream output, ILoggerFactory loggers)
    {
        // All-zero metrics for a folder that is not there would read as a quiet node: that is an error here.
        if (LogFilesSource.NoneFound(settings.Logs) is { } none) throw new SettingsException($"--once: {none}");
        foreach (var missing in settings.Logs.Files.Where(file => !File.Exists(file.Path)))
            Console.Error.WriteLine($"xx-exporter: warning: {missing.Path} does not exist; its series are all 0");
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var sources = LogSource.CreateAll(settings.Logs with { FromStart = true }, factory, new ExporterMetrics(factory), loggers,
            positions: null, startAtEnd: false);
        foreach (var source in sources)
        {
            using (source)
            {
                source.Poll(loggers.CreateLogger("XxExporter.OneShot"));
                source.Follower.Finish();
            }
        }
        await registry.CollectAndExportAsTextAsync(output);
        await output.FlushAsync();
    }
}

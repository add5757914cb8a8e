using Microsoft.Extensions.Logging;
using XxExporter.Hosting;
using XxExporter.Settings;
using XxExporter.Telemetry;

try
{
    var request = CommandLine.Parse(args);
    if (request.ShowHelp) { Console.Out.Write(CommandLine.Usage()); return 0; }
    if (request.ShowVersion) { Console.Out.WriteLine($"xx-exporter {ExporterMetrics.Version}"); return 0; }
    var settings = ExporterSettings.Load(request);
    if (settings.Once)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        await OneShot.RunAsync(settings, Console.OpenStandardOutput(), loggers);
        return 0;
    }
    await ExporterHost.Build(settings).RunAsync();
    return 0;
}
catch (SettingsException ex)
{
    Console.Error.WriteLine($"xx-exporter: {ex.Message}");
    return 2;
}

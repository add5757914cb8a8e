using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using XxExporter.Logs;
using XxExporter.Telemetry;

namespace XxExporter.Hosting;

/// <summary>
/// The few lines the exporter writes once it listens, at the default level: its version, the URLs it serves (with the
/// port it really took for <c>:0</c>) and what it watches, so a wrong folder or a missing database is seen at once.
/// </summary>
public static class StartupReport
{
    public static void LogWhenStarted(WebApplication app, ExporterSettings settings, IReadOnlyList<string> sources)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("XxExporter");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (string line in Lines(settings, addresses, sources)) logger.LogInformation("{Line}", line);
            if (LogFilesSource.NoneFound(settings.Logs) is { } none) logger.LogWarning("Logs: {Warning}", none);
        });
    }

    public static IEnumerable<string> Lines(ExporterSettings settings, IEnumerable<string> addresses, IReadOnlyList<string> sources)
    {
        yield return $"xx-exporter {ExporterMetrics.Version} serving {string.Join(", ", addresses.Select(a => a.TrimEnd('/') + settings.TelemetryPath))}"
            + " (status page at /)";
        var files = settings.Logs.Files;
        var found = files.Where(f => File.Exists(f.Path)).Select(f => f.Path).ToList();
        var missing = files.Where(f => !File.Exists(f.Path)).Select(f => f.Path).ToList();
        if (files.Count == 0) yield return "Logs: none enabled";
        else
        {
            yield return $"Logs found: {(found.Count > 0 ? string.Join(", ", found) : "none")}"
                + (missing.Count > 0 ? $"; not there yet: {string.Join(", ", missing)}" : "");
        }
        var postgres = settings.Postgres.Targets.Select(t => t.ToString()).ToList();
        yield return $"Postgres: {(postgres.Count > 0 ? string.Join(", ", postgres) : "none configured")}";
        yield return $"Chain: {(settings.Chain.Enabled ? string.Join(", ", settings.Chain.Endpoints) : "off")}";
        yield return $"Read at each scrape: {string.Join(", ", sources)}";
        yield return $"Host role: {settings.Checks.Role.Role.ToString().ToLowerInvariant()} ({settings.Checks.Role.How})";
        if (settings.Checks.UnusedBackupSources.Count > 0)
            yield return $"Backup sources left out, no backup target has their name: {string.Join(", ", settings.Checks.UnusedBackupSources)} ({Checks.ChecksSettings.Table.BackupSources.Name})";
    }
}

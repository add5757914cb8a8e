using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XxExporter.Logs.Tailing;
using XxExporter.Telemetry;

namespace XxExporter.Logs;

/// <summary>Polls one log at the configured interval for as long as the exporter runs.</summary>
public sealed class LogFollowerService(LogSource source, TimeSpan interval, PositionStore? positions, ILogger logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            source.Poll(logger);
            positions?.Set(source.File.Path, source.Follower.Position);
        }
        while (await WaitForTick(timer, stoppingToken));
    }

    private static async Task<bool> WaitForTick(PeriodicTimer timer, CancellationToken token)
    {
        try { return await timer.WaitForNextTickAsync(token); }
        catch (OperationCanceledException) { return false; }
    }

    public override void Dispose()
    {
        source.Dispose();
        base.Dispose();
    }
}

/// <summary>Writes the read positions every few seconds and once more on shutdown.</summary>
public sealed class PositionSaverService(PositionStore store, ILogger<PositionSaverService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) SaveLogged();
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        SaveLogged();
    }

    /// <summary>A save that keeps failing the same way (a FIFO put at the path) is logged when it starts, changes or ends, at most once a minute.</summary>
    private readonly FlipLimitedLog _failures = new();

    private void SaveLogged()
    {
        string setting = LogSettings.Table.PositionsFile.Name;
        try
        {
            store.Save();
            if (_failures.ShouldLog(setting, null)) logger.LogInformation("Read positions are saved to {File} again", store.File);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (_failures.ShouldLog(setting, ex.Message)) logger.LogWarning("Cannot save read positions ({Setting}): {Error}", setting, ex.Message);
        }
    }
}

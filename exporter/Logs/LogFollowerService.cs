using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XxExporter.Logs.Tailing;

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

    private void SaveLogged()
    {
        try { store.Save(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot save read positions to {File}: {Error}", store.File, ex.Message);
        }
    }
}

using Microsoft.Extensions.Hosting;

namespace XxExporter.Hosting;

/// <summary>
/// Gives the GC's memory back after a burst (hundreds of connections, a flood of idle ones). The GC keeps the memory
/// it committed for the burst once the objects in it are gone, and gives it back only in a full collection, which an
/// exporter answering a few scrapes a minute does not need for hours. Every <see cref="Period"/> this looks at the
/// last collection: when more than <see cref="FreeCommitted"/> was committed beyond the objects it kept, it runs one
/// aggressive full collection, which compacts and decommits. A steady exporter's GC keeps far less than that spare
/// (its first generation is 1 MiB, exporter/XxExporter.csproj), so this runs only after a burst.
/// </summary>
public sealed class MemoryReturn : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(20);

    public const long FreeCommitted = 8L << 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var last = GC.GetGCMemoryInfo();
                if (last.TotalCommittedBytes - last.HeapSizeBytes > FreeCommitted)
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped, or disposed without a stop (as tests do): nothing to finish.
        }
    }
}

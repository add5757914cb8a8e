using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using XxExporter.Hosting;
using XxExporter.Logs;
using XxExporter.Logs.Tailing;
using XxExporter.Telemetry;
using static XxExporter.Tests.Tailing.LogLines;

namespace XxExporter.Tests.Tailing;

public sealed class LogFollowerServiceTests : IDisposable
{
    private readonly TailHarness _log = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public async Task Written_lines_reach_the_metrics_and_the_saved_position_within_a_few_polls()
    {
        var health = new ExporterMetrics(_log.Factory).Collector("log_cmix");
        var positions = new PositionStore(Path.Combine(_log.Dir, "positions.json"));
        var source = new LogSource(new LogFile(LogKind.Cmix, _log.LogPath), _log.Follow(startAtEnd: true), health);
        using var service = new LogFollowerService(source, TimeSpan.FromMilliseconds(50), positions, NullLogger.Instance);

        await service.StartAsync(CancellationToken.None);
        try
        {
            // The first poll runs in the background; once it has found no file, the file is new and read from its start.
            await WaitUntil(() => health.Success.Value == 1);
            _log.Append(Line(1));
            await WaitUntil(() => _log.InfoRecords == 1);
            _log.Append(Line(2));
            await WaitUntil(() => _log.InfoRecords == 2);
            await WaitUntil(() => positions.Get(_log.LogPath)?.Offset == new FileInfo(_log.LogPath).Length);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
        _log.AssertRecords([1, 2]);
        Assert.Equal(1, health.Success.Value);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), "not seen within 5 s");
            await Task.Delay(10);
        }
    }
}

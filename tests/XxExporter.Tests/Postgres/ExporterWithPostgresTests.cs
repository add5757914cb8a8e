using System.Diagnostics;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Postgres;

public class ExporterWithPostgresTests
{
    [Fact]
    public async Task A_dead_database_leaves_the_log_pipeline_and_the_scrape_working()
    {
        using var logs = new TempFolder();
        File.WriteAllText(logs.File("cmix.log"), "");
        var (app, address) = await ExporterTesting.StartAsync("--web.listen-address", "127.0.0.1:0", "--logs.dir", logs.Path,
            "--logs.poll-interval", "50ms", "--log.level", "error", "--postgres.gateway.host", "127.0.0.1",
            "--postgres.gateway.port", Loopback.FreePort().ToString(), "--postgres.timeout", "1s");
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        // The existing (empty) file is read from its end once the follower has polled it the first time.
        while (Exposition.Parse(await http.GetStringAsync("/metrics"))["xx_exporter_collector_success{collector=\"log_cmix\"}"] == 0)
            await Task.Delay(20);
        await File.AppendAllTextAsync(logs.File("cmix.log"), "INFO 2023/07/26 14:00:00 Starting xx network node (server) v3.13.0\n");
        var waited = Stopwatch.StartNew();
        Exposition metrics;
        do
        {
            var scrape = Stopwatch.StartNew();
            metrics = Exposition.Parse(await http.GetStringAsync("/metrics"));
            Assert.True(scrape.Elapsed < TimeSpan.FromSeconds(2.5), $"scrape took {scrape.Elapsed}");
        }
        while (metrics["xx_cmix_starts_total"] == 0 && waited.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(1, metrics["xx_cmix_starts_total"]);
        Assert.Equal(0, metrics["xx_postgres_up{database=\"cmix_gateway\"}"]);
        Assert.Equal(0, metrics["xx_exporter_collector_success{collector=\"postgres_cmix_gateway\"}"]);
        Assert.True(metrics["process_resident_memory_bytes"] > 0);
        await app.StopAsync();
    }
}

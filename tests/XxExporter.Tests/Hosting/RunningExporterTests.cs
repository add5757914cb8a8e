using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary>The exporter as operators run it: a real server on 127.0.0.1 following real files.</summary>
public sealed class RunningExporterTests : IAsyncLifetime
{
    private readonly TempFolder _logs = new();
    private WebApplication? _app;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task InitializeAsync()
    {
        File.WriteAllText(_logs.File("cmix.log"), "INFO 2023/07/26 14:00:00 Starting xx network node (server) v3.13.0\n");
        (_app, _http.BaseAddress) = await ExporterTesting.StartAsync("--web.listen-address", "127.0.0.1:0", "--logs.dir", _logs.Path,
            "--logs.timezone", "UTC", "--logs.poll-interval", "100ms", "--log.level", "warn");
        // Followers start polling in the background; until each has polled once, "exists at start" is undecided.
        var ready = await ScrapeUntil(AllPolled, TimeSpan.FromSeconds(5));
        Assert.True(AllPolled(ready), "log followers did not start");
    }

    private static bool AllPolled(Exposition metrics) =>
        metrics.Series.Where(s => s.StartsWith("xx_exporter_collector_success{collector=\"log_")).All(s => metrics[s] == 1);

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _http.Dispose();
        _logs.Dispose();
    }

    private async Task<Exposition> Scrape()
    {
        using var response = await _http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return Exposition.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until <paramref name="done"/> holds or <paramref name="limit"/> has passed; returns the last scrape.</summary>
    private async Task<Exposition> ScrapeUntil(Func<Exposition, bool> done, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var metrics = await Scrape();
            if (done(metrics) || waited.Elapsed > limit) return metrics;
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_line_written_shows_on_metrics_within_a_second()
    {
        // The existing line was before start: the file is read from its end.
        var before = await Scrape();
        Assert.Equal(0, before["xx_cmix_starts_total"]);
        Assert.Equal(1, before["xx_log_file_present{log=\"cmix\"}"]);
        Assert.Equal(0, before["xx_log_file_present{log=\"gateway\"}"]);

        await File.AppendAllTextAsync(_logs.File("cmix.log"), "INFO 2023/07/26 14:00:10 [n:11420]: RID 5 Round took 20.5s seconds\n");
        var after = await ScrapeUntil(m => m["xx_cmix_rounds_completed_total"] > 0 && m["xx_log_last_record_timestamp_seconds{log=\"cmix\"}"] > 0,
            TimeSpan.FromSeconds(1));
        Assert.Equal(1, after["xx_cmix_rounds_completed_total"]);
        Assert.Equal(1690380010, after["xx_log_last_record_timestamp_seconds{log=\"cmix\"}"]);
        Assert.Equal(1, after["xx_exporter_collector_success{collector=\"log_cmix\"}"]);
    }

    [Fact]
    public async Task A_log_created_later_is_read_from_its_start()
    {
        await File.WriteAllTextAsync(_logs.File("gateway.log"),
            "INFO 2023/07/26 14:00:00 Starting xx network gateway v3.16.1\nINFO 2023/07/26 14:00:01 Round 7 received, 3 real messages processed, 997 dummies ignored\n");
        var metrics = await ScrapeUntil(m => m["xx_gateway_rounds_received_total"] > 0 && m["xx_log_file_present{log=\"gateway\"}"] > 0,
            TimeSpan.FromSeconds(2));
        Assert.Equal(1, metrics["xx_gateway_starts_total"]);
        Assert.Equal(3, metrics["xx_gateway_messages_total{kind=\"real\"}"]);
        Assert.Equal(1, metrics["xx_log_file_present{log=\"gateway\"}"]);
    }

    [Fact]
    public async Task The_landing_page_links_to_the_metrics()
    {
        string page = await _http.GetStringAsync("/");
        Assert.Contains("href=\"/metrics\"", page);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using XxExporter.Checks;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

public sealed class ProbeCheckTests : IDisposable
{
    private readonly Listeners _ports = new();

    public void Dispose() => _ports.Dispose();

    private static ChecksHarness Harness(TimeSpan timeout, params ProbeTarget[] targets) =>
        new(ChecksHarness.Off with { Probes = targets, ProbeTimeout = timeout });

    [Fact]
    public async Task An_open_port_succeeds_and_a_closed_one_fails_fast()
    {
        int open = _ports.Listening();
        int closed = Loopback.FreePort();
        var harness = Harness(TimeSpan.FromSeconds(5), new("node", "127.0.0.1", open), new("gateway", "127.0.0.1", closed), new("by_name", "localhost", open));
        await harness.ScrapeUntil("xx_probe_success{target=\"by_name\"}"); // a name is looked up in the background

        var elapsed = Stopwatch.StartNew();
        var m = await harness.Scrape();

        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(3), $"took {elapsed.Elapsed}"); // the timeout is 5 s
        Assert.Equal(1, m["xx_probe_success{target=\"node\"}"]);
        Assert.InRange(m["xx_probe_duration_seconds{target=\"node\"}"], 0, 1);
        Assert.Equal(1, m["xx_probe_success{target=\"by_name\"}"]);
        Assert.Equal(0, m["xx_probe_success{target=\"gateway\"}"]);
        Assert.InRange(m["xx_probe_duration_seconds{target=\"gateway\"}"], 0, 1);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"probes\"}"]); // a refused target is a finding
        await Promtool.AssertLintClean(m.Text);

        // Logged when it starts failing and when it recovers, not at every scrape.
        await harness.Scrape();
        Assert.Single(harness.Logs.Lines);
        Assert.Contains($"probes gateway (127.0.0.1:{closed}): Connection refused", harness.Logs.Lines[0]);
        using var gateway = new TcpListener(IPAddress.Loopback, closed);
        gateway.Start();
        harness.Clock.Advance(FlipLimitedLog.Interval); // a change is logged at most once a minute
        m = await harness.Scrape();
        Assert.Equal(1, m["xx_probe_success{target=\"gateway\"}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"probes\"}"]);
        Assert.Contains(harness.Logs.Lines, line => line.StartsWith("Information") && line.Contains($"probes gateway (127.0.0.1:{closed}): working again"));
    }

    [Fact]
    public async Task A_target_whose_name_the_resolver_never_answers_holds_no_scrape_and_the_others_are_probed()
    {
        int open = _ports.Listening();
        int lookups = 0;
        var silent = new NameResolver((_, _) => { Interlocked.Increment(ref lookups); return new TaskCompletionSource<IPAddress[]>().Task; });
        var harness = new ChecksHarness(ChecksHarness.Off with
        {
            Probes = [new("node", "127.0.0.1", open), new("by_name", "xx-node.example.invalid", open)],
            ProbeTimeout = TimeSpan.FromSeconds(1), DnsTimeout = TimeSpan.FromMinutes(1),
        }, silent);
        for (int scrape = 0; scrape < 3; scrape++)
        {
            var m = await harness.Scrape().WaitAsync(TimeSpan.FromSeconds(30)); // a scrape that waited for the lookup would take the minute
            Assert.Equal(1, m["xx_probe_success{target=\"node\"}"]);
            Assert.False(m.Has("xx_probe_success{target=\"by_name\"}")); // no lookup has ended: nothing to report
            await ChecksHarness.Asked(() => Volatile.Read(ref lookups), 1);
        }
        Assert.Equal(1, lookups);
    }

    [Fact]
    public async Task A_silent_port_times_out_and_concurrent_scrapes_share_one_probe_round()
    {
        int open = _ports.Listening();
        // 1 s, not less: on a loaded 2-core machine the open port's connect must not lose the race against the deadline.
        var harness = Harness(TimeSpan.FromSeconds(1), new("node", "127.0.0.1", _ports.Hanging()), new("gateway", "127.0.0.1", open));

        var elapsed = Stopwatch.StartNew();
        var scrapes = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => harness.Scrape()));

        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(3), $"took {elapsed.Elapsed}"); // a scrape waits at most the timeout + 1 s
        // One round for all five: each saw the same measured duration.
        Assert.Single(scrapes.Select(m => m["xx_probe_duration_seconds{target=\"gateway\"}"]).Distinct());
        foreach (var m in scrapes)
        {
            Assert.Equal(0, m["xx_probe_success{target=\"node\"}"]);
            // About the 1 s timeout: timers may fire a little early against the Stopwatch, so allow a margin.
            Assert.InRange(m["xx_probe_duration_seconds{target=\"node\"}"], 0.95, 2.5);
            Assert.Equal(1, m["xx_probe_success{target=\"gateway\"}"]); // probed at the same time, not after
        }
        Assert.Contains("no connection within 1s", harness.Logs.All);
    }
}

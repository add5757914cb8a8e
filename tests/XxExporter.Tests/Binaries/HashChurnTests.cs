using System.Diagnostics;
using System.Net;
using XxExporter.Tests.Support;
using Xunit.Abstractions;
using XxSimulator.Chain;
using XxSimulator.Node;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Binaries;

/// <summary>
/// The built exporter, run as its own process, hashing a large binary whose modification time is touched again and
/// again (a copy rewriting it, a tool touching it): the file is open for at most one hash at a time (counted in
/// /proc/&lt;pid&gt;/fd, so an exact count, not a timing) and no scrape waits for a hash. The scrape bound is half of what
/// a scrape that waited would take (one hash of the file on this machine, measured first, or the source's timeout).
/// </summary>
[FullLane]
public sealed class HashChurnTests(ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly DateTimeOffset ChainStarted = new(2023, 7, 26, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The binaries source's timeout (the chain's): a scrape that waited for a hash would wait this long, or the hash's time.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private readonly TempFolder _folder = new();
    private JsonRpcHost? _chain;

    public async ValueTask DisposeAsync()
    {
        if (_chain is not null) await _chain.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_binary_touched_while_it_is_hashed_is_hashed_once_at_a_time_and_no_scrape_waits()
    {
        var chain = new SimulatedChain(Scenario.Healthy, TimeSpan.FromDays(1), ChainStarted, NodeIdentity.Stash, NodeIdentity.CmixId, new SimulatedBinaries(null));
        var frozen = chain.At(ChainStarted + TimeSpan.FromHours(20));
        _chain = new JsonRpcHost((method, parameters) => SubstrateRpc.Answer(frozen, method, parameters));
        await _chain.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

        // 100 MB of holes: read at memory speed, hashed at BLAKE2s speed, no disk used.
        string server = _folder.File("xxnetwork-cmix");
        using (var file = File.Create(server)) file.SetLength(100_000_000);

        string exporter = BuiltExporter.Path;
        await using var process = await ServerProcess.StartAsync(exporter, _folder.Path, port =>
        [
            $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.File("no-logs")}", $"--chain.rpc-url=ws://{_chain.EndPoint}",
            "--chain.idf-path=/nonexistent/idf.json", $"--chain.timeout={ReadTimeout.TotalSeconds}s", $"--binaries.paths=server={server}",
            "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--checks.gateway-config=", "--checks.dns-names=", "--log.level=warn",
        ], readyPath: "/-/healthy");
        using var http = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(100) }; // for main's scrapes that wait

        const string Hashed = "xx_binary_hash_matches_chain{binary=\"server\",source=\"file\"}";
        var firstHash = Stopwatch.StartNew();
        while (!Exposition.Parse(await http.GetStringAsync("/metrics")).Has(Hashed))
        {
            Assert.True(firstHash.Elapsed < TimeSpan.FromSeconds(90), "the file was not hashed:\n" + process.Log);
            await Task.Delay(20);
        }
        var oneHash = firstHash.Elapsed;

        // Touch it every 50 ms for several hashes' time, scraping all along.
        var churnFor = TimeSpan.FromTicks(Math.Max(oneHash.Ticks * 3, TimeSpan.FromSeconds(5).Ticks));
        using var stop = new CancellationTokenSource(churnFor);
        var touching = Task.Run(async () =>
        {
            var modified = DateTime.UtcNow;
            while (!stop.IsCancellationRequested)
            {
                File.SetLastWriteTimeUtc(server, modified = modified.AddSeconds(1));
                await Task.Delay(50);
            }
        });
        var counting = Task.Run(async () =>
        {
            int most = 0;
            while (!stop.IsCancellationRequested)
            {
                most = Math.Max(most, OpenHandles(process.Id, server));
                await Task.Delay(5);
            }
            return most;
        });
        var scrapes = new List<TimeSpan>();
        while (!stop.IsCancellationRequested)
        {
            var scrape = Stopwatch.StartNew();
            var metrics = Exposition.Parse(await http.GetStringAsync("/metrics"));
            scrapes.Add(scrape.Elapsed);
            Assert.True(metrics.Has(Hashed), "the last hash is reported while the file is hashed again");
        }
        await touching;
        int mostOpen = await counting;

        var slowest = scrapes.Max();
        output.WriteLine($"one hash {oneHash.TotalSeconds:0.00}s; {scrapes.Count} scrapes in {churnFor.TotalSeconds:0.0}s, slowest {slowest.TotalSeconds:0.000}s; at most {mostOpen} open");
        Assert.True(mostOpen <= 1, $"the file was open {mostOpen} times at once: hashes ran side by side");
        var waited = oneHash < ReadTimeout ? oneHash : ReadTimeout;
        Assert.True(slowest < waited / 2, $"a scrape took {slowest.TotalSeconds:0.000}s, one hash takes {oneHash.TotalSeconds:0.00}s: scrapes waited for hashes");
    }

    /// <summary>How many of the process's open files are <paramref name="path"/> (one per hash reading it).</summary>
    private static int OpenHandles(int pid, string path)
    {
        int open = 0;
        foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == path) open++;
            }
            catch (IOException) { } // closed while listed
        }
        return open;
    }
}

using System.Text;
using XxExporter.Tests.Support;
using Xunit.Abstractions;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Chain;

/// <summary>
/// The built exporter, run as its own process, reading a hostile chain node on 127.0.0.1 that sends the worst answers
/// it can fit in a message: its memory (VmHWM, VmRSS in /proc/&lt;pid&gt;/status) stays within the budget docs/configuration.md
/// states above its steady RSS and comes back near it. Margins are generous; nothing here is timed.
/// </summary>
[FullLane]
public sealed class HostileNodeMemoryTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const long SettledBytes = 32L << 20;


    private readonly SyntheticRuntime _runtime = new();
    private readonly FakeChainNode _node = new((method, _) => Answer.MethodNotFound(method));
    private readonly TempFolder _folder = new();


    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>What a hostile node answers instead of a real one: a method and the raw JSON of its result.</summary>
    private static IEnumerable<(string Name, string Method, string Result)> Attacks()
    {
        yield return ("15.7 million tiny values in 31 MB", "system_health", "[" + Repeat("0,", 15_700_000) + "0]");
        yield return ("2 million tiny values under the size bound", "system_health", "[" + Repeat("0,", 2_000_000) + "0]");
        yield return ("a 30 MB string", "system_health", "\"" + new string('x', 30 << 20) + "\"");
        yield return ("a 30 MB block hash", "chain_getBlockHash", "\"0x" + new string('a', 30 << 20) + "\"");
        yield return ("a 3.9 MB block hash under the size bound", "chain_getBlockHash", "\"0x" + new string('a', 3_900_000) + "\"");
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    [Theory]
    [InlineData("ws")]
    [InlineData("http")]
    public async Task Hostile_answers_stay_within_the_memory_budget_and_it_comes_back(string scheme)
    {
        _node.Handler = _runtime.Healthy;
        await _node.StartAsync();
        string url = $"{scheme}://127.0.0.1:{_node.Port}";
        string exporter = BuiltExporter.Path;
        await using var process = await ServerProcess.StartAsync(exporter, _folder.Path, port =>
        [
            $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.Path}", $"--chain.rpc-url={url}", "--chain.idf-path=/nonexistent/idf.json",
            "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--log.level=warn",
        ], readyPath: "/-/healthy", environment: BuiltExporter.ShippedGc);

        // Steady: a node that failed once (so the failure paths are loaded, as they are in a running exporter) and is back.
        _node.Handler = (method, parameters) => method == "system_health" ? new Answer.Garbage("<html>502 Bad Gateway</html>") : _runtime.Healthy(method, parameters);
        await process.Http.GetStringAsync("/metrics");
        await HealthyAgainAsync(process);
        long steady = ProcMemory.Read(process.Id, "VmRSS");

        var peaks = new List<string>();
        foreach (var (name, method, result) in Attacks())
        {
            int sent = 0;
            _node.Handler = (m, parameters) =>
            {
                if (m != method) return _runtime.Healthy(m, parameters);
                Interlocked.Increment(ref sent);
                return new Answer.Result(result);
            };
            // Three hostile answers each (a dropped connection waits a second before the next).
            for (int scrape = 0; scrape < 60 && Volatile.Read(ref sent) < 3; scrape++)
            {
                await process.Http.GetStringAsync("/metrics");
                await Task.Delay(200);
            }
            Assert.True(Volatile.Read(ref sent) >= 3, $"{name}: the exporter asked {method} {sent} times");
            long peak = ProcMemory.Read(process.Id, "VmHWM");
            peaks.Add($"{name}: peak {(peak - steady) >> 20} MiB over steady, now {(ProcMemory.Read(process.Id, "VmRSS") - steady) >> 20} MiB");
            Assert.True(peak - steady <= BuiltExporter.MemoryBudgetBytes, $"steady RSS {steady >> 20} MiB; " + string.Join("; ", peaks));
        }

        await HealthyAgainAsync(process);
        long after = ProcMemory.Read(process.Id, "VmRSS");
        output.WriteLine($"steady RSS {steady >> 20} MiB, after {after >> 20} MiB; " + string.Join("; ", peaks));
        Assert.True(after - steady <= SettledBytes, $"steady RSS {steady >> 20} MiB, after {after >> 20} MiB; " + string.Join("; ", peaks));
    }

    /// <summary>Serves the healthy node again; once the exporter reads it (after its reconnect backoff), 30 healthy scrapes.</summary>
    private async Task HealthyAgainAsync(ServerProcess process)
    {
        _node.Handler = _runtime.Healthy;
        for (int i = 0; i < 60 && !(await process.Http.GetStringAsync("/metrics")).Contains("xx_chain_up 1"); i++) await Task.Delay(200);
        for (int i = 0; i < 30; i++) Assert.Contains("xx_chain_up 1", await process.Http.GetStringAsync("/metrics"));
    }
}

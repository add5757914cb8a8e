using System.Text.Json;
using XxExporter.Chain;
using XxExporter.Tests.Chain;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Node;
using XxSimulator.Rpc;
using Xunit.Abstractions;

namespace XxExporter.Tests.Telemetry;

/// <summary>
/// The built exporter, run as its own process, given megabytes of text by a hostile chain node or in the files it
/// reads: none of it is kept or logged whole (docs/configuration.md, "Text from outside"). Memory is read from
/// /proc/&lt;pid&gt;/status inside a memory cgroup with the shipped unit's limit; the log is the process's own output.
/// Margins are generous; nothing here is timed.
/// </summary>
[FullLane]
public sealed class HostileTextTests(ITestOutputHelper output) : IAsyncDisposable
{

    /// <summary>Each line is cut to ForeignText's lengths: what dozens of them take, far below one hostile text.</summary>
    private const int LogBudgetChars = 256 << 10;

    private const int LongestLine = 4 << 10;

    private static readonly string AliceKeys = "0x" + string.Concat(new[] { "a1", "b2", "c3", "d4" }.Select(b => string.Concat(Enumerable.Repeat(b, 32))));

    private readonly SyntheticRuntime _runtime = SyntheticRuntime.FromGoldenVectors(legacy: false);
    private readonly FakeChainNode _node = new((method, _) => Answer.MethodNotFound(method));
    private readonly TempFolder _folder = new();
    private int _answers;

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        _folder.Dispose();
    }

    private static string[] Quiet(string folder, int port) =>
    [
        $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={folder}", "--chain.idf-path=/nonexistent/idf.json",
        "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--checks.dns-names=", "--log.level=warn",
    ];

    /// <summary>Three megabytes that differ from the last answer's only at their end, past any cut.</summary>
    private string Huge() => new string('e', 3 << 20) + Interlocked.Increment(ref _answers);

    [Fact]
    public async Task A_node_sending_megabytes_of_error_text_that_change_at_each_answer_stays_in_budget_and_logs_lines_of_bounded_length()
    {
        _runtime.Self = new NodeSelf("Authority", new HashSet<string>([AliceKeys]), RefusesUnsafe: false);
        _node.Handler = _runtime.Healthy;
        await _node.StartAsync();
        int port = _node.Port;
        using var cgroup = MemoryCgroup.Create();
        await using var process = await ServerProcess.StartAsync(BuiltExporter.Path, _folder.Path, listen =>
            [.. Quiet(_folder.Path, listen), $"--chain.rpc-url=ws://127.0.0.1:{port}", $"--chain.stash={Ss58.Encode(StakingChain.Alice)}"],
            readyPath: "/-/healthy", environment: BuiltExporter.ShippedGc);
        cgroup.Add(process.Id);
        await HealthyAsync(process);
        Assert.Contains("xx_chain_node_role{role=\"authority\"}", await process.Http.GetStringAsync("/metrics"));
        long steady = ProcMemory.Read(process.Id, "VmRSS");
        int logged = process.Log.Length;

        // A core method: every collection fails with a new text. Then the unsafe methods, asked once per connection,
        // with errors and then with answers of megabytes (a node restarted in between, so they are asked again).
        await AttackAsync(process, "system_health", (m, p) => m == "system_health" ? new Answer.Error(-32000, Huge()) : _runtime.Healthy(m, p), times: 8);
        foreach (string method in new[] { "system_nodeRoles", "author_hasSessionKeys" })
        {
            await RestartNodeAsync(port);
            await AttackAsync(process, method, (m, p) => m == method ? new Answer.Error(-32000, Huge()) : _runtime.Healthy(m, p), times: 1);
        }
        await RestartNodeAsync(port);
        await AttackAsync(process, "system_nodeRoles", (m, p) => m switch
        {
            "system_nodeRoles" => new Answer.Result(JsonSerializer.Serialize(new[] { Huge() })),
            "author_hasSessionKeys" => new Answer.Result(JsonSerializer.Serialize(Huge())),
            _ => _runtime.Healthy(m, p),
        }, times: 1);

        long peak = ProcMemory.Read(process.Id, "VmHWM");
        string log = process.Log[logged..];
        string longest = log.Split('\n').MaxBy(line => line.Length)!;
        output.WriteLine($"steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB; {log.Length} characters of log, longest line {longest.Length}: {longest}");
        Assert.True(peak - steady <= BuiltExporter.MemoryBudgetBytes, $"steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB");
        Assert.True(log.Length <= LogBudgetChars, $"{log.Length} characters of log:\n{Head(log)}");
        Assert.True(longest.Length <= LongestLine, Head(longest));
        Assert.Contains("…#", log); // the texts were cut, each with its hash
        Assert.DoesNotContain("OutOfMemory", log);
        Assert.Equal(0, cgroup.OomKills);
        Assert.Equal(0, cgroup.TimesAtLimit);
        await HealthyAsync(process);
    }

    [Fact]
    public async Task A_cmix_error_file_with_a_huge_node_id_gives_a_small_status_and_log_line()
    {
        byte[] nodeId = [.. Enumerable.Repeat((byte)0x42, 786_000)];
        File.WriteAllText(Path.Combine(_folder.Path, "cmix-err.log"), CmixErrorFile.Encode(42, nodeId, "Round 42 failed:\nphase timeout"));
        await using var process = await ServerProcess.StartAsync(BuiltExporter.Path, _folder.Path, port => [.. Quiet(_folder.Path, port), "--chain.rpc-url="],
            readyPath: "/-/healthy", environment: BuiltExporter.ShippedGc);

        Assert.Contains("xx_cmix_error_file_decoded 1", await process.Http.GetStringAsync("/metrics"));
        string status = await process.Http.GetStringAsync("/status.json");
        string page = await process.Http.GetStringAsync("/");

        output.WriteLine($"/status.json {status.Length} characters, / {page.Length}");
        Assert.Contains("reported by node QkJC", status);
        Assert.True(status.Length < 32 << 10, $"/status.json has {status.Length} characters");
        Assert.True(page.Length < 128 << 10, $"/ has {page.Length} characters");
        string line = Assert.Single(await process.LinesAsync(l => l.Contains("stopped on an error")));
        Assert.True(line.Length <= LongestLine, Head(line));
    }

    [Fact]
    public async Task Escape_and_bidi_characters_or_a_megabyte_host_in_the_gateway_config_reach_the_log_escaped_and_cut()
    {
        string config = Path.Combine(_folder.Path, "gateway.yaml");
        // The bidi characters as they are in the file; ESC as YAML writes it (a raw one is no YAML).
        File.WriteAllText(config, "cmixAddress: \"node\u202Egnp.\\e[2J\u2066x\"\n");
        await using var process = await ServerProcess.StartAsync(BuiltExporter.Path, _folder.Path, port =>
            [.. Quiet(_folder.Path, port), "--chain.rpc-url=", $"--checks.gateway-config={config}", "--checks.dns-timeout=1s"],
            readyPath: "/-/healthy", environment: BuiltExporter.ShippedGc);

        // The config is read in the background: its verdict is logged after a scrape or a few.
        for (int i = 0; i < 20 && !process.Log.Contains("sets cmixAddress"); i++)
        {
            await process.Http.GetStringAsync("/metrics");
            await Task.Delay(200);
        }
        string line = Assert.Single(process.Log.Split('\n'), l => l.Contains("sets cmixAddress"));
        Assert.Contains(@"to ""node\u202egnp.\u001b[2J\u2066x#", line);
        Assert.DoesNotContain(line, c => c is '\u202E' or '\u001b' or '\u2066');

        int logged = process.Log.Length;
        File.WriteAllText(config, $"cmixAddress: {new string('h', 900_000)}.invalid:11420\n");
        for (int i = 0; i < 20 && !process.Log[logged..].Contains("(cmixAddress in"); i++)
        {
            await process.Http.GetStringAsync("/metrics");
            await Task.Delay(200);
        }
        string node = Assert.Single(process.Log[logged..].Split('\n'), l => l.Contains("(cmixAddress in"));
        output.WriteLine(node);
        Assert.True(node.Length <= LongestLine, Head(node));
        Assert.Contains("hhh…#", node);
    }

    private static string Head(string text) => text.Length <= 4096 ? text : text[..4096];

    /// <summary>Serves <paramref name="handler"/> until the attacked method was answered <paramref name="times"/> times and three scrapes more.</summary>
    private async Task AttackAsync(ServerProcess process, string method, Func<string, JsonElement, Answer> handler, int times)
    {
        int sent = 0;
        _node.Handler = (m, p) =>
        {
            if (m == method) Interlocked.Increment(ref sent);
            return handler(m, p);
        };
        for (int scrape = 0, after = 0; scrape < 100 && after < 3; scrape++)
        {
            await process.Http.GetStringAsync("/metrics");
            if (Volatile.Read(ref sent) >= times) after++;
            await Task.Delay(200);
        }
        Assert.True(Volatile.Read(ref sent) >= times, $"the exporter asked {method} {sent} times");
    }

    /// <summary>The node restarts on its port, so the exporter connects again and asks what it asks once per connection.</summary>
    private async Task RestartNodeAsync(int port)
    {
        await _node.StopAsync();
        await _node.StartAsync(port);
    }

    /// <summary>Serves the healthy node; once the exporter reads it (after its reconnect backoff), 20 healthy scrapes.</summary>
    private async Task HealthyAsync(ServerProcess process)
    {
        _node.Handler = _runtime.Healthy;
        for (int i = 0; i < 60 && !(await process.Http.GetStringAsync("/metrics")).Contains("xx_chain_up 1"); i++) await Task.Delay(200);
        for (int i = 0; i < 20; i++) Assert.Contains("xx_chain_up 1", await process.Http.GetStringAsync("/metrics"));
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace XxExporter.Tests.Support;

/// <summary>
/// chopsticks (npm, tests/chain-tools) running the real xx network runtime offline from the raw chain spec in
/// ../shared/fixtures/xxchain, on a free 127.0.0.1 port, in manual block mode. Tests set chain state with
/// <c>dev_setStorage</c>. <see cref="MissingWhy"/> says why it cannot run (no ../shared, tools not installed).
/// </summary>
public sealed partial class Chopsticks : IDisposable
{
    private readonly Process? _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Chopsticks()
    {
        Lanes.ServerStarting("chopsticks");
        string spec = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "fixtures", "xxchain", "xxnetwork-raw-chainspec.sorted.json"));
        string cli = Path.Combine(Repository.Root, "tests", "chain-tools", "node_modules", "@acala-network", "chopsticks", "chopsticks.cjs");
        if (!File.Exists(spec)) { MissingWhy = $"the xx chain spec is not at {spec} (../shared beside the checkout)"; return; }
        if (!File.Exists(cli)) { MissingWhy = "chopsticks is not installed: run npm ci --prefix tests/chain-tools"; return; }
        int port = Loopback.FreePort();
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { cli, $"--genesis={spec}", "--host", "127.0.0.1", "--port", port.ToString(), "--build-block-mode=Manual" })
            start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
            // If the port was taken meanwhile chopsticks silently moves on: believe its own line.
            if (Listening().Match(line) is { Success: true } match) listening.TrySetResult(int.Parse(match.Groups[1].Value));
        }
        _process.OutputDataReceived += (_, e) => Read(e.Data);
        _process.ErrorDataReceived += (_, e) => Read(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!listening.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            Dispose();
            throw new InvalidOperationException($"chopsticks did not start:\n{Output}");
        }
        Port = listening.Task.Result;
        _http.BaseAddress = new Uri($"http://127.0.0.1:{Port}");
    }

    public string? MissingWhy { get; }

    private string Output { get { lock (_output) return _output.ToString(); } }

    public int Port { get; }

    public string Url => $"ws://127.0.0.1:{Port}";

    public async Task<JsonElement> Rpc(string method, string parametersJson)
    {
        string body = $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parametersJson}}}""";
        using var response = await _http.PostAsync("", new StringContent(body, Encoding.UTF8, "application/json"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (document.RootElement.TryGetProperty("error", out var error)) throw new InvalidOperationException($"{method}: {error}");
        return document.RootElement.GetProperty("result").Clone();
    }

    /// <summary>
    /// Makes sure the chain has a block on top of genesis. chopsticks builds block #1 at start, but when that build
    /// fails it only logs "build block failed" and serves genesis (#0), so a failed build is retried here.
    /// </summary>
    public async Task BuildFirstBlockAsync()
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (await HeadNumberAsync() >= 1) return;
            try { await Rpc("dev_newBlock", "[]"); }
            catch (InvalidOperationException) { } // logged by chopsticks; the output goes into the failure below
        }
        if (await HeadNumberAsync() < 1) throw new InvalidOperationException($"chopsticks could not build block #1:\n{Output}");
    }

    private async Task<long> HeadNumberAsync()
    {
        var header = await Rpc("chain_getHeader", "[]");
        return Convert.ToInt64(header.GetProperty("number").GetString(), 16);
    }

    /// <summary>Sets storage in decoded form (chopsticks encodes it with the runtime's own types).</summary>
    public Task SetStorage(string decodedJson) => Rpc("dev_setStorage", $"[{decodedJson}]");

    public void Dispose()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.Dispose();
        _http.Dispose();
    }

    [GeneratedRegex(@"RPC listening on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}

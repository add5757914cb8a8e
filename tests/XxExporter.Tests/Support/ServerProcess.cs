using System.Collections.Concurrent;
using System.Diagnostics;

namespace XxExporter.Tests.Support;

/// <summary>
/// A server program (prometheus, prometheus-alertmanager, the built exporter) started on 127.0.0.1 with its output kept for failure
/// messages, ready once its readiness endpoint answers 2xx; killed on dispose.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private ServerProcess(Process process, HttpClient http)
    {
        _process = process;
        Http = http;
    }

    public HttpClient Http { get; }

    public Uri Address => Http.BaseAddress!;

    public string Log => string.Join('\n', _log);

    /// <summary>
    /// The lines of its output that match, once at least one has arrived (its output is read as the process writes it,
    /// so a line written during the last request may still be on its way); none after <paramref name="within"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> LinesAsync(Func<string, bool> match, TimeSpan? within = null)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var lines = _log.Where(match).ToList();
            if (lines.Count > 0 || waited.Elapsed > (within ?? TimeSpan.FromSeconds(10))) return lines;
            await Task.Delay(50);
        }
    }

    /// <summary>The process id (for /proc/&lt;pid&gt;).</summary>
    public int Id => _process.Id;

    /// <summary>
    /// Starts <paramref name="program"/> with <paramref name="args"/> (given the port: <paramref name="port"/>, or a free
    /// one when 0) in <paramref name="folder"/>. <paramref name="client"/> makes <see cref="Http"/> for the port (one
    /// for HTTPS, say); plain HTTP to 127.0.0.1 when not given.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string program, string folder, Func<int, IEnumerable<string>> args, string readyPath = "/-/ready",
        IReadOnlyDictionary<string, string>? environment = null, int port = 0, Func<int, HttpClient>? client = null)
    {
        Lanes.ServerStarting(program);
        if (port == 0) port = Loopback.FreePort();
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (string arg in args(port)) start.ArgumentList.Add(arg);
        var http = client?.Invoke(port) ?? new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var running = new ServerProcess(Repository.Start(start), http);
        var process = running._process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) running._log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) running._log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                int exitCode = process.ExitCode;
                await running.DisposeAsync();
                throw new InvalidOperationException($"{program} exited with {exitCode}:\n{running.Log}");
            }
            try
            {
                using var ready = await running.Http.GetAsync(readyPath);
                if (ready.IsSuccessStatusCode) return running;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                await running.DisposeAsync();
                throw new TimeoutException($"{program} not ready on port {port}:\n{running.Log}");
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(limit.Token);
        }
        finally
        {
            _process.Dispose();
        }
    }
}

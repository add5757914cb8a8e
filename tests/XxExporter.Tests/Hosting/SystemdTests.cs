using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary>
/// The exporter under a service manager, with the test playing systemd: a Unix datagram socket in a temp folder
/// named by NOTIFY_SOCKET, as systemd gives a Type=notify service. The built exporter runs as a child process
/// because .NET decides once per process whether it is a systemd service: its parent is a process named systemd,
/// or it is PID 1 with NOTIFY_SOCKET set (a container under systemd). The test takes the second way honestly:
/// <c>unshare --pid --fork</c> (util-linux, needs root) makes the exporter PID 1 of a new PID namespace.
/// </summary>
[FullLane]
public sealed class SystemdTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Socket _notifySocket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public SystemdTests() => _notifySocket.Bind(new UnixDomainSocketEndPoint(NotifySocketPath));

    private string NotifySocketPath => _folder.File("notify");

    public void Dispose()
    {
        _notifySocket.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Under_systemd_it_notifies_ready_once_listening_and_stopping_on_sigterm_and_logs_for_the_journal()
    {
        int port = Loopback.FreePort();
        await using var exporter = RunningExporter.Start(port, _folder.Path, NotifySocketPath, asNamespacePid1: true);

        Assert.Equal("READY=1", await ReceiveAsync(TimeSpan.FromSeconds(30), exporter));
        // READY=1 means "serving": the port answers at once, with no retry.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        {
            Assert.Equal("xx-exporter is healthy\n", await http.GetStringAsync($"http://127.0.0.1:{port}/-/healthy"));
        }

        exporter.Terminate();
        Assert.Equal("STOPPING=1", await ReceiveAsync(TimeSpan.FromSeconds(10), exporter));
        Assert.Equal(0, await exporter.WaitForExitAsync());
        // journald reads the priority from a <n> prefix and stamps the time itself.
        Assert.Contains($"<6>Microsoft.Hosting.Lifetime[14] Now listening on: http://127.0.0.1:{port}", exporter.Output);
        Assert.All(exporter.Output, line => Assert.Matches(@"^<[0-7]>", line));
    }

    [Fact]
    public async Task Outside_systemd_a_stray_notify_socket_gets_nothing_and_the_log_keeps_its_timestamps()
    {
        int port = Loopback.FreePort();
        await using var exporter = RunningExporter.Start(port, _folder.Path, NotifySocketPath, asNamespacePid1: false);
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) })
        {
            var waited = Stopwatch.StartNew();
            while (!await AnswersAsync(http, $"http://127.0.0.1:{port}/-/healthy"))
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the exporter did not start listening: " + string.Join('\n', exporter.Output));
                await Task.Delay(50);
            }
        }

        exporter.Terminate();
        Assert.Equal(0, await exporter.WaitForExitAsync());
        Assert.Equal(0, _notifySocket.Available);   // the process is gone: anything it sent would be queued by now
        Assert.Contains(exporter.Output, line =>
            line.EndsWith($" info: Microsoft.Hosting.Lifetime[14] Now listening on: http://127.0.0.1:{port}", StringComparison.Ordinal));
        Assert.All(exporter.Output, line => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) ", line));
    }

    private async Task<string> ReceiveAsync(TimeSpan limit, RunningExporter exporter)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            int length = await _notifySocket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no notification within {limit.TotalSeconds} s; the exporter said:\n" + string.Join('\n', exporter.Output));
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The exporter built beside the tests, with its output collected line by line; killed on dispose.</summary>
    private sealed class RunningExporter : IAsyncDisposable
    {
        private const int Sigterm = 15;
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();
        private readonly bool _inNamespace;

        private RunningExporter(Process process, bool inNamespace)
        {
            _process = process;
            _inNamespace = inNamespace;
            process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) _output.Enqueue(line); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) _output.Enqueue(line); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        /// <summary>Log lines so far, stdout and stderr together.</summary>
        public IReadOnlyList<string> Output => [.. _output];

        public static RunningExporter Start(int port, string logsDir, string notifySocket, bool asNamespacePid1)
        {
            string exporter = BuiltExporter.Path;
            var start = new ProcessStartInfo(asNamespacePid1 ? "unshare" : exporter)
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            // --kill-child: should the test fail before stopping it, killing unshare takes the exporter along.
            if (asNamespacePid1) foreach (string arg in new[] { "--pid", "--fork", "--kill-child", exporter }) start.ArgumentList.Add(arg);
            // Debug lets the host's "Now listening on" through; nothing is collected but the (absent) logs.
            foreach (string arg in new[]
                     {
                         $"--web.listen-address=127.0.0.1:{port}", "--log.level=debug", $"--logs.dir={logsDir}", "--chain.rpc-url=",
                         "--checks.backups=", "--checks.certificates=", "--checks.probes=",
                     })
            {
                start.ArgumentList.Add(arg);
            }
            start.Environment["NOTIFY_SOCKET"] = notifySocket;
            start.Environment.Remove("LISTEN_PID");
            var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
            return new RunningExporter(process, asNamespacePid1);
        }

        /// <summary>SIGTERM, as systemctl stop sends it, to the exporter itself (unshare does not forward it).</summary>
        public void Terminate()
        {
            int pid = _inNamespace ? NamespaceChild() : _process.Id;
            Assert.Equal(0, Kill(pid, Sigterm));
        }

        private int NamespaceChild()
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                string children = File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Trim();
                if (children.Length > 0) return int.Parse(children);
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), "unshare started no child (it needs root): " + string.Join('\n', Output));
                Thread.Sleep(10);
            }
        }

        public async Task<int> WaitForExitAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(limit.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int Kill(int pid, int signal);
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using XxExporter.Tests.Support;
using XxExporter.Tests.Web;
using Xunit.Abstractions;

namespace XxExporter.Tests.Hosting;

/// <summary>
/// The built exporter serving HTTPS on 127.0.0.1 under what an attacker on the network can do without a password:
/// many status-page requests at once, and thousands of connections that never send a TLS ClientHello. Its memory
/// (VmRSS and the peak VmHWM of /proc/PID/status) must stay within <see cref="Headroom"/> of its steady RSS and
/// return near it once the load stops. Every loop is bounded; nothing asserts on time.
/// </summary>
[FullLane]
public sealed class MemoryUnderLoadTests(ITestOutputHelper output) : IDisposable
{
    private const long MiB = 1 << 20;
    private static readonly long Headroom = 64 * MiB;
    private static readonly long Returned = 32 * MiB;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Concurrent_status_requests_and_idle_tls_connections_leave_memory_bounded_and_it_returns()
    {
        using var certificate = TestCertificates.SelfSignedEc();
        TestCertificates.WritePem(certificate, _folder.File("cert.pem"), _folder.File("key.pem"));
        File.WriteAllText(_folder.File("web.yml"), "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n");
        int port = Loopback.FreePort();
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "xx-exporter"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string arg in new[]
                 {
                     $"--web.listen-address=127.0.0.1:{port}", $"--web.config.file={_folder.File("web.yml")}", $"--logs.dir={_folder.Path}",
                     "--chain.rpc-url=", "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--log.level=error",
                 })
        {
            start.ArgumentList.Add(arg);
        }
        // The Native AOT build embeds this gen0 budget (exporter/XxExporter.csproj); the JIT build beside the tests reads it here.
        start.Environment["DOTNET_GCgen0size"] = "100000";
        using var exporter = Repository.Start(start);
        exporter.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) output.WriteLine(line); };
        exporter.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) output.WriteLine(line); };
        exporter.BeginOutputReadLine();
        exporter.BeginErrorReadLine();
        try
        {
            using var handler = new SocketsHttpHandler
            {
                MaxConnectionsPerServer = 50,
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.Thumbprint },
            };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitUntilServing(http, exporter);

            // Warm up with a little of each load: JIT-compiled code, pools and the first reports are no growth to judge.
            await StatusRequests(http, workers: 50, each: 10);
            await IdleConnections(port, count: 300);
            long steady = ProcMemory.Read(exporter.Id, "VmRSS");
            output.WriteLine($"steady VmRSS {steady / MiB} MiB, VmHWM so far {ProcMemory.Read(exporter.Id, "VmHWM") / MiB} MiB");

            await StatusRequests(http, workers: 200, each: 20);
            output.WriteLine($"after 4000 status requests over 200 connections: VmRSS {ProcMemory.Read(exporter.Id, "VmRSS") / MiB} MiB");
            handler.Dispose();
            for (int round = 0; round < 2; round++)
            {
                await IdleConnections(port, count: 3000);
                output.WriteLine($"after 3000 idle TLS connections (round {round + 1}): VmRSS {ProcMemory.Read(exporter.Id, "VmRSS") / MiB} MiB");
            }
            long peak = ProcMemory.Read(exporter.Id, "VmHWM");
            output.WriteLine($"peak VmHWM {peak / MiB} MiB");
            Assert.True(peak <= steady + Headroom, $"VmHWM {peak / MiB} MiB, more than {Headroom / MiB} MiB above the steady {steady / MiB} MiB");

            // The server closes what the test left half-open at its handshake timeout; then memory should come back.
            long after = 0;
            for (int check = 0; check < 60; check++)
            {
                after = ProcMemory.Read(exporter.Id, "VmRSS");
                if (after <= steady + Returned) break;
                await Task.Delay(500);
            }
            output.WriteLine($"VmRSS after the load: {after / MiB} MiB");
            Assert.True(after <= steady + Returned, $"VmRSS stayed at {after / MiB} MiB, more than {Returned / MiB} MiB above the steady {steady / MiB} MiB");
        }
        finally
        {
            if (!exporter.HasExited) exporter.Kill();
            await exporter.WaitForExitAsync();
        }
    }

    private static async Task WaitUntilServing(HttpClient http, Process exporter)
    {
        for (int attempt = 0; ; attempt++)
        {
            Assert.False(exporter.HasExited, "the exporter exited at start");
            try
            {
                using var response = await http.GetAsync("/-/healthy");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) when (attempt < 300) { }
            await Task.Delay(100);
        }
    }

    /// <summary><paramref name="workers"/> clients at once, each asking for the page and the JSON in turn.</summary>
    private static Task StatusRequests(HttpClient http, int workers, int each) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++)
            {
                using var response = await http.GetAsync((worker + i) % 2 == 0 ? "/" : "/status.json");
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
            }
        })));

    /// <summary>Opens <paramref name="count"/> TCP connections to the TLS port that never send a ClientHello, holds them a while, closes them.</summary>
    private static async Task IdleConnections(int port, int count)
    {
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { await socket.ConnectAsync("127.0.0.1", port, limit.Token); }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException) { }
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }

}

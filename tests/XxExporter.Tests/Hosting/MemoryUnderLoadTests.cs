using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using XxExporter.Tests.Support;
using XxExporter.Tests.Web;
using XxExporter.Web.Status;
using Xunit.Abstractions;

namespace XxExporter.Tests.Hosting;

/// <summary>
/// The built exporter serving HTTPS on 127.0.0.1 under what an attacker on the network can do without a password:
/// many status-page requests at once, and thousands of connections that never send a TLS ClientHello, from many
/// addresses (each a 127/8 address of its own, as many hosts would be). Its memory (VmRSS and the peak VmHWM of
/// /proc/PID/status) must stay within <see cref="Headroom"/> (docs/configuration.md, "Memory") of its steady RSS and
/// return near it once the load stops; under connections it is held to the unit's memory limit (<see cref="MemoryCgroup"/>)
/// and never reaches it. Every loop is bounded; nothing asserts on time.
/// </summary>
[FullLane]
public sealed class MemoryUnderLoadTests(ITestOutputHelper output) : IDisposable
{
    private const long MiB = 1 << 20;
    private static readonly long Headroom = 64 * MiB;
    /// <summary>How far above its steady RSS it may stay once the load has stopped (and its GC has given back what it can).</summary>
    private static readonly long Returned = 24 * MiB;

    /// <summary>The GC setting the Native AOT build embeds (exporter/XxExporter.csproj), given to this JIT build the way it reads it.</summary>
    private static readonly Dictionary<string, string> ShippedGc = new() { ["DOTNET_GCgen0size"] = "100000" };

    private readonly TempFolder _folder = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var disposable in _disposables) disposable.Dispose();
        _folder.Dispose();
    }

    private async Task<ServerProcess> StartExporter(params string[] checks)
    {
        var certificate = TestCertificates.SelfSignedEc();
        _disposables.Add(certificate);
        TestCertificates.WritePem(certificate, _folder.File("cert.pem"), _folder.File("key.pem"));
        File.WriteAllText(_folder.File("web.yml"), "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n");
        string[] defaults = ["--chain.rpc-url=", "--checks.backups=", "--checks.certificates=", "--checks.probes="];
        return await ServerProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "xx-exporter"), _folder.Path, port =>
        [
            $"--web.listen-address=127.0.0.1:{port}", $"--web.config.file={_folder.File("web.yml")}", $"--logs.dir={_folder.Path}",
            .. defaults.Where(d => !checks.Any(c => c.StartsWith(d, StringComparison.Ordinal))), .. checks, "--log.level=error",
        ], readyPath: "/-/healthy", environment: ShippedGc, client: port => Client(IPAddress.Loopback, port));
    }

    /// <summary>An HTTPS client from <paramref name="source"/> that trusts the test's certificate.</summary>
    private HttpClient Client(IPAddress source, int port)
    {
        var handler = Loopback.HandlerFrom(source);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        _disposables.Add(client);
        return client;
    }

    /// <summary>Client number <paramref name="index"/>'s address: 127.0.2.1, 127.0.2.2, ..., 127.0.3.1, ...</summary>
    private static IPAddress Address(int index) => new([127, 0, (byte)(2 + index / 250), (byte)(1 + index % 250)]);

    [Fact]
    public async Task Concurrent_status_requests_and_idle_tls_connections_leave_memory_bounded_and_it_returns()
    {
        await using var exporter = await StartExporter();
        // Held to the shipped unit's MemoryMax, as the exporter runs under systemd.
        using var cgroup = MemoryCgroup.Create();
        cgroup.Add(exporter.Id);
        int port = exporter.Address.Port;

        // Warm up with a little of each load: JIT-compiled code, pools and the first reports are no growth to judge.
        await StatusRequests(port, clients: 50, each: 10);
        await IdleConnections(port, count: 300);
        long steady = ProcMemory.Read(exporter.Id, "VmRSS");
        output.WriteLine($"steady VmRSS {steady / MiB} MiB, VmHWM so far {ProcMemory.Read(exporter.Id, "VmHWM") / MiB} MiB");

        await StatusRequests(port, clients: 200, each: 20);
        output.WriteLine($"after 4000 status requests from 200 clients: VmRSS {ProcMemory.Read(exporter.Id, "VmRSS") / MiB} MiB");
        for (int round = 0; round < 2; round++)
        {
            await IdleConnections(port, count: 3000);
            output.WriteLine($"after 3000 idle TLS connections (round {round + 1}): VmRSS {ProcMemory.Read(exporter.Id, "VmRSS") / MiB} MiB");
        }
        await AssertBoundedAndReturned(exporter, steady);
        Assert.Equal(0, cgroup.TimesAtLimit);
        Assert.Equal(0, cgroup.OomKills);
    }

    [Fact]
    public async Task Status_requests_with_3000_certificates_and_300_targets_are_bounded_in_size_and_memory()
    {
        string certificates = Directory.CreateDirectory(_folder.File("certificates")).FullName;
        using (var host = TestCertificates.SelfSignedEc())
        {
            TestCertificates.WritePem(host, _folder.File("host.crt"), _folder.File("host.key"));
            string pem = File.ReadAllText(_folder.File("host.crt"));
            for (int i = 0; i < 3000; i++) File.WriteAllText(Path.Combine(certificates, $"host-{i:D4}-cert.crt"), pem);
        }
        for (int i = 0; i < 300; i += 2) File.WriteAllText(_folder.File($"backup{i}"), "");
        await using var exporter = await StartExporter(
            $"--checks.certificates={certificates}",
            "--checks.backups=" + string.Join(',', Enumerable.Range(0, 300).Select(i => $"target{i}={_folder.File($"backup{i}")}")),
            "--checks.backup-min-bytes=0");
        int port = exporter.Address.Port;

        var status = await exporter.Http.GetByteArrayAsync("/status.json");
        var json = JsonDocument.Parse(status).RootElement;
        output.WriteLine($"/status.json: {status.Length} bytes");
        Assert.Equal(StatusBuilder.MaxRows, json.GetProperty("certificates").GetArrayLength());
        Assert.Equal(3000 - StatusBuilder.MaxRows, json.GetProperty("notShown").GetProperty("certificates").GetInt32());
        Assert.Equal(300 - StatusBuilder.MaxRows, json.GetProperty("notShown").GetProperty("backups").GetInt32());
        // The backups with no file are the ones kept.
        Assert.All(json.GetProperty("backups").EnumerateArray(), backup => Assert.False(backup.GetProperty("present").GetBoolean()));
        Assert.True(status.Length < 64 << 10, $"/status.json is {status.Length} bytes");

        await StatusRequests(port, clients: 10, each: 5);
        long steady = ProcMemory.Read(exporter.Id, "VmRSS");
        output.WriteLine($"steady VmRSS {steady / MiB} MiB, VmHWM so far {ProcMemory.Read(exporter.Id, "VmHWM") / MiB} MiB");
        await StatusRequests(port, clients: 50, each: 20);
        output.WriteLine($"after 1000 status requests from 50 clients: VmRSS {ProcMemory.Read(exporter.Id, "VmRSS") / MiB} MiB");
        await AssertBoundedAndReturned(exporter, steady);
    }

    private async Task AssertBoundedAndReturned(ServerProcess exporter, long steady)
    {
        long peak = ProcMemory.Read(exporter.Id, "VmHWM");
        output.WriteLine($"peak VmHWM {peak / MiB} MiB");
        Assert.True(peak <= steady + Headroom, $"VmHWM {peak / MiB} MiB, more than {Headroom / MiB} MiB above the steady {steady / MiB} MiB");

        // Once the load has stopped, memory should come back (exporter/Hosting/MemoryReturn.cs looks every 20 s).
        long after = 0;
        for (int check = 0; check < 120; check++)
        {
            after = ProcMemory.Read(exporter.Id, "VmRSS");
            if (after <= steady + Returned) break;
            await Task.Delay(500);
        }
        output.WriteLine($"VmRSS after the load: {after / MiB} MiB");
        Assert.True(after <= steady + Returned, $"VmRSS stayed at {after / MiB} MiB, more than {Returned / MiB} MiB above the steady {steady / MiB} MiB");
    }

    /// <summary><paramref name="clients"/> clients at once, each from an address of its own, asking for the page and the JSON in turn.</summary>
    private Task StatusRequests(int port, int clients, int each) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var http = Client(Address(client), port);
            for (int i = 0; i < each; i++)
            {
                using var response = await http.GetAsync((client + i) % 2 == 0 ? "/" : "/status.json");
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
            }
        })));

    /// <summary>
    /// Opens <paramref name="count"/> TCP connections to the TLS port, 30 from each address, that never send a
    /// ClientHello; holds them a while, closes them.
    /// </summary>
    private static async Task IdleConnections(int port, int count)
    {
        var sockets = new List<Socket>();
        var server = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            for (int i = 0; i < count; i++)
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { sockets.Add(await Loopback.ConnectFrom(Address(i / 30), server, limit.Token)); }
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

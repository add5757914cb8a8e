using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using XxExporter.Tests.Support;
using Xunit.Abstractions;

namespace XxExporter.Tests.Checks;

/// <summary>
/// The built exporter, run as its own process with a resolver that reads every query and never answers: a UDP socket
/// of this test on a loopback address, named by a resolv.conf bind-mounted over /etc/resolv.conf in a mount namespace
/// of the exporter's own (unshare --mount, root only; the machine's file is untouched). The gateway's node name and a
/// DNS check name resolve through it. No scrape of /metrics or /status.json may wait for the lookups: each answers in
/// well under half the lookup timeout (a bound on blocking, not a speed claim), and the lookup's timeout is reported
/// once it has passed.
/// </summary>
[FullLane]
public sealed class HangingResolverTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(10);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task A_resolver_that_never_answers_holds_no_scrape()
    {
        Skip.If(Environment.UserName != "root", "a mount namespace of the exporter's own (unshare --mount) needs root");
        // A loopback address of this test's own: port 53 there is free whatever else listens on 127.0.0.1 or 127.0.0.53.
        var address = new IPAddress([127, 53, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]);
        using var resolver = new UdpClient(new IPEndPoint(address, 53));
        int queries = 0;
        using var stop = new CancellationTokenSource();
        var silent = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await resolver.ReceiveAsync(stop.Token);
                    Interlocked.Increment(ref queries);
                }
            }
            catch (OperationCanceledException) { }
        });

        string resolvConf = _folder.File("resolv.conf");
        File.WriteAllText(resolvConf, $"nameserver {address}\noptions timeout:30 attempts:1\n");
        string gatewayConfig = _folder.File("gateway.yaml");
        File.WriteAllText(gatewayConfig, "port: 22840\ncmixAddress: \"xx-node.example.invalid:11420\"\n");
        string exporter = BuiltExporter.Path;
        await using var process = await ServerProcess.StartAsync("unshare", _folder.Path, port =>
        [
            "--mount", "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", resolvConf,
            exporter, $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.File("no-logs")}", "--chain.rpc-url=",
            "--checks.backups=", "--checks.certificates=", "--checks.probes=", $"--checks.gateway-config={gatewayConfig}",
            "--checks.dns-names=scheduling.example.invalid", $"--checks.dns-timeout={LookupTimeout.TotalSeconds}s",
        ], readyPath: "/-/healthy");

        var scrapes = new List<double>();
        var sinceStart = Stopwatch.StartNew();
        Exposition metrics;
        do
        {
            var scrape = Stopwatch.StartNew();
            metrics = Exposition.Parse(await process.Http.GetStringAsync("/metrics"));
            await process.Http.GetStringAsync("/status.json");
            scrapes.Add(scrape.Elapsed.TotalSeconds);
            Assert.True(sinceStart.Elapsed < TimeSpan.FromSeconds(60), "the lookups' timeout was never reported:\n" + metrics.Text + process.Log);
            await Task.Delay(100);
        }
        while (!metrics.Has("xx_gateway_node_probe_success") || !metrics.Has("xx_dns_resolution_success{name=\"scheduling.example.invalid\"}"));
        await stop.CancelAsync();
        await silent;

        var slowest = TimeSpan.FromSeconds(scrapes.Max());
        output.WriteLine($"{queries} queries; /metrics and /status.json took {string.Join(", ", scrapes.Select(s => s.ToString("0.000")))}s");
        Assert.True(queries > 0, "the exporter never asked the test's resolver:\n" + process.Log);
        Assert.True(slowest < LookupTimeout / 2, $"a scrape took {slowest.TotalSeconds:0.000}s: it waited for a lookup\n{process.Log}");
        Assert.Equal(1, metrics["xx_gateway_config_status{status=\"ok\"}"]);
        Assert.Equal(1, metrics["xx_gateway_node_probe_result{result=\"name_not_resolved\"}"]);
        Assert.Equal(1, metrics["xx_dns_resolution_result{name=\"scheduling.example.invalid\",result=\"timeout\"}"]);
        Assert.NotEmpty(await process.LinesAsync(line => line.Contains($"no answer from the resolver within {LookupTimeout.TotalSeconds}s")));
    }
}

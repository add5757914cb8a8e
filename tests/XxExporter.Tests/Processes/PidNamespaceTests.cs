using XxExporter.Tests.Support;
using XxSimulator.Node;

namespace XxExporter.Tests.Processes;

/// <summary>
/// The exporter in a PID namespace of its own, as in a container (docker-compose.yml): with only its namespace's /proc
/// it cannot see cMix and says so, exporting no count; with the host's /proc mounted and --host.procfs pointing at it
/// (what the compose file does) it counts the host's processes. unshare(1) stands for the container engine.
/// </summary>
[FullLane]
public sealed class PidNamespaceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Cmix
    {
        get
        {
            string path = _folder.File("opt/bin/xxnetwork-cmix");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path)) File.WriteAllText(path, "");
            return path;
        }
    }

    /// <summary>unshare's options for a new PID and mount namespace (and a user namespace unless the tests run as root).</summary>
    private static string[] Namespaces => [.. Environment.UserName == "root" ? [] : new[] { "--map-root-user" },
        "--mount", "--pid", "--fork", "--propagation", "private", "--kill-child"];

    private string[] Exporter(int port, params string[] args) =>
    [
        BuiltExporter.Path, $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.File("logs")}", "--chain.rpc-url=", "--chain.idf-path=",
        "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--checks.dns-names=", "--checks.gateway-config=",
        $"--binaries.paths=server={Cmix}", .. args,
    ];

    private async Task<string> MetricsAsync(ServerProcess exporter)
    {
        using var response = await exporter.Http.GetAsync("/metrics");
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task With_only_its_own_proc_it_says_it_cannot_see_and_exports_no_count()
    {
        using var cmix = StandInProcess.Start(Cmix);
        await using var exporter = await ServerProcess.StartAsync("unshare", _folder.Path, port => [.. Namespaces, "--mount-proc", .. Exporter(port)],
            readyPath: "/-/healthy");

        var m = Exposition.Parse(await MetricsAsync(exporter));

        Assert.False(m.Has("xx_service_processes{service=\"cmix\"}"));
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"processes\"}"]);
        var said = await exporter.LinesAsync(line => line.Contains("shows only the exporter's own container"));
        Assert.Contains("/proc (--host.procfs) shows only the exporter's own container (its PID 1 is the exporter)", Assert.Single(said));
    }

    [Fact]
    public async Task With_the_hosts_proc_mounted_and_the_setting_pointing_at_it_it_counts_the_hosts_processes()
    {
        using var cmix = StandInProcess.Start(Cmix);
        string hostProc = Directory.CreateDirectory(_folder.File("host-proc")).FullName;
        // In the new namespaces: the host's /proc bound where a container mounts it, then /proc the namespace's own.
        await using var exporter = await ServerProcess.StartAsync("unshare", _folder.Path, port =>
            [.. Namespaces, "/bin/sh", "-c", "mount --rbind /proc \"$0\" && mount -t proc proc /proc && exec \"$@\"", hostProc,
             .. Exporter(port, $"--host.procfs={hostProc}")],
            readyPath: "/-/healthy");

        var m = Exposition.Parse(await MetricsAsync(exporter));

        Assert.Equal(1, m["xx_service_processes{service=\"cmix\"}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"processes\"}"]);
        cmix.Stop();
        Assert.Equal(0, Exposition.Parse(await MetricsAsync(exporter))["xx_service_processes{service=\"cmix\"}"]);
    }
}

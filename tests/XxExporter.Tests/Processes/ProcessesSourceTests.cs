using Prometheus;
using XxExporter.Binaries;
using XxExporter.Processes;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;
using XxSimulator.Node;

namespace XxExporter.Tests.Processes;

public sealed class ProcessesSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private sealed class Harness
    {
        public Harness(string procfs, params BinaryFile[] binaries)
        {
            var factory = Metrics.WithCustomRegistry(Registry);
            new ScrapeSources(ProcessesSource.For(procfs, binaries, factory), new ExporterMetrics(factory), Logs.Factory).CollectBeforeEachScrape(Registry);
        }

        public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

        public CapturedLogs Logs { get; } = new();

        public Task<Exposition> Scrape() => Exposition.Of(Registry);
    }

    /// <summary>Installed binaries (empty files) under the test's folder, as --binaries.paths names them.</summary>
    private BinaryFile[] Install(params string[] names) => [.. names.Select(name =>
    {
        string path = _folder.File($"opt/bin/xxnetwork-{(name == "server" ? "cmix" : name)}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return new BinaryFile(name, path);
    })];

    [Fact]
    public async Task The_processes_running_by_each_binarys_path_are_counted_in_the_hosts_table()
    {
        var binaries = Install("server", "gateway");
        var harness = new Harness("/proc", binaries);
        using var cmix = StandInProcess.Start(binaries[0].Path);

        var m = await harness.Scrape();
        Assert.Equal(1, m["xx_service_processes{service=\"cmix\"}"]);
        Assert.Equal(0, m["xx_service_processes{service=\"gateway\"}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"processes\"}"]);
        await Promtool.AssertLintClean(m.Text);

        cmix.Stop();
        m = await harness.Scrape();
        Assert.Equal(0, m["xx_service_processes{service=\"cmix\"}"]);
    }

    [Fact]
    public async Task A_binary_not_installed_is_a_service_this_host_does_not_run()
    {
        var binaries = Install("server").Append(new BinaryFile("gateway", _folder.File("opt/bin/xxnetwork-gateway"))).ToArray();
        var harness = new Harness("/proc", binaries);

        var m = await harness.Scrape();

        Assert.Equal(0, m["xx_service_processes{service=\"cmix\"}"]);
        Assert.False(m.Has("xx_service_processes{service=\"gateway\"}"));
    }

    [Fact]
    public void Binaries_that_are_no_service_of_their_own_build_no_source() =>
        Assert.Empty(ProcessesSource.For("/proc", [new BinaryFile("wrapper", "/opt/xxnetwork/cmix-wrapper.py"), new BinaryFile("libpow", "/opt/xxnetwork/lib/libpowmosm75.so")],
            Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())));

    /// <summary>A process table laid out as procfs lays it out: <c>self</c>, a folder per process, and others.</summary>
    private string Table(string self, params (int Pid, string Cmdline, string Stat)[] processes)
    {
        string table = Directory.CreateDirectory(_folder.File("proc")).FullName;
        File.CreateSymbolicLink(Path.Combine(table, "self"), self);
        foreach (var (pid, cmdline, stat) in processes)
        {
            string folder = Directory.CreateDirectory(Path.Combine(table, pid.ToString())).FullName;
            File.WriteAllText(Path.Combine(folder, "cmdline"), cmdline);
            File.WriteAllText(Path.Combine(folder, "stat"), stat);
        }
        Directory.CreateDirectory(Path.Combine(table, "sys"));
        return table;
    }

    private static string Stat(int pid, string comm, char state) =>
        $"{pid} ({comm}) {state} 1 18119 2573 0 -1 4194304 137 0 0 0 0 0 0 0 20 0 1 0 2239927 2990080 407 18446744073709551615 0\n";

    [Fact]
    public async Task Zombies_are_not_counted()
    {
        var binaries = Install("server", "gateway");
        string cmix = binaries[0].Path, gateway = binaries[1].Path;
        string table = Table("4242",
            (1, "/sbin/init\0", Stat(1, "systemd", 'S')),
            (100, $"{cmix}\0--config\0/opt/xxnetwork/config/cmix.yaml\0", Stat(100, "xxnetwork-cmix", 'S')),
            (101, $"{cmix}\0--config\0/opt/xxnetwork/config/cmix.yaml\0", Stat(101, "xxnetwork-cmix", 'R')),
            // exited between the reads of its cmdline and its stat: a zombie
            (102, $"{gateway}\0--config\0/opt/xxnetwork/config/gateway.yaml\0", Stat(102, "xxnetwork-gatew", 'Z')),
            (103, $"/usr/bin/python3\0{cmix}\0", Stat(103, "python3", 'S')),
            (4242, "/usr/local/bin/xx-exporter\0", Stat(4242, "xx-exporter", 'S')));
        var harness = new Harness(table, binaries);

        var m = await harness.Scrape();

        Assert.Equal(2, m["xx_service_processes{service=\"cmix\"}"]);
        Assert.Equal(0, m["xx_service_processes{service=\"gateway\"}"]);
    }

    [Fact]
    public async Task A_binary_running_from_another_path_is_not_counted_but_said()
    {
        var binaries = Install("server", "gateway");
        string table = Table("4242",
            (1, "/sbin/init\0", Stat(1, "systemd", 'S')),
            // cMix run from /srv/xx (another install, or this one mounted at the default path in the exporter's container)
            (100, "/srv/xx/bin/xxnetwork-cmix\0--config\0/srv/xx/config/cmix.yaml\0", Stat(100, "xxnetwork-cmix", 'S')),
            // only a name ending like the gateway's
            (101, "/usr/local/bin/not-xxnetwork-gateway\0", Stat(101, "not-xxnetwork-g", 'S')));
        var harness = new Harness(table, binaries);

        var m = await harness.Scrape();

        Assert.Equal(0, m["xx_service_processes{service=\"cmix\"}"]);
        Assert.Equal(0, m["xx_service_processes{service=\"gateway\"}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"processes\"}"]);
        Assert.Contains($"no process runs from {binaries[0].Path} (--binaries.paths), but 1 from /srv/xx/bin/xxnetwork-cmix, not counted as cmix: " +
            "if that is this host's cmix, set --binaries.paths to the path it runs from", harness.Logs.All);
        Assert.DoesNotContain("xxnetwork-gateway", harness.Logs.All);
    }

    [Theory]
    [InlineData("1", "systemd", "its PID 1 is the exporter")]
    [InlineData("7", "docker-init", "its PID 1 is docker-init")]
    public async Task A_containers_own_table_exports_no_count_and_says_what_to_mount(string self, string pid1, string says)
    {
        var binaries = Install("server");
        string table = Table(self, (1, "/sbin/init\0", Stat(1, pid1, 'S')));
        var harness = new Harness(table, binaries);

        var m = await harness.Scrape();

        Assert.False(m.Has("xx_service_processes{service=\"cmix\"}"));
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"processes\"}"]);
        string logged = Assert.Single(harness.Logs.Lines, line => line.Contains("processes"));
        Assert.Contains(says, logged);
        Assert.Contains($"{table} (--host.procfs) shows only the exporter's own container", logged);
        Assert.Contains("xx_service_processes is not exported", logged);
        Assert.Contains("--host.procfs=/host/proc", logged);
    }

    [Fact]
    public async Task A_folder_that_is_no_process_table_is_said()
    {
        var harness = new Harness(_folder.Path, Install("server"));

        var m = await harness.Scrape();

        Assert.False(m.Has("xx_service_processes{service=\"cmix\"}"));
        Assert.Contains($"{_folder.Path} (--host.procfs) is no process table", harness.Logs.All);
    }
}

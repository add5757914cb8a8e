using System.Diagnostics;
using XxExporter.Files;
using FileMatch = XxExporter.Checks.FileMatch;
using XxExporter.Tests.Checks;
using XxExporter.Tests.Support;
using Xunit.Abstractions;
using XxSimulator.Node;

namespace XxExporter.Tests.Files;

/// <summary>
/// The built exporter, run as its own process, given hostile files by the operator's settings: a YAML alias bomb, a
/// folder of 300,000 files, something other than a regular file where positions are saved, an error file that keeps
/// growing. Whatever is created (FIFOs, device nodes) is created in the test's own folder. Nothing here is timed:
/// CPU time is compared with the time that passed, memory with the documented budget, with generous margins.
/// </summary>
[FullLane]
public sealed class HostileFilesTests(ITestOutputHelper output) : IDisposable
{


    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Every source off but those the test names, so only the hostile file is read.</summary>
    private Task<ServerProcess> StartAsync(params string[] args) => ServerProcess.StartAsync(BuiltExporter.Path, _folder.Path, port =>
    [
        $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.File("logs")}", "--chain.rpc-url=", "--chain.idf-path=",
        "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--checks.dns-names=", "--checks.gateway-config=", .. args,
    ], readyPath: "/-/healthy");

    /// <summary>User and system CPU time the process has used (/proc/PID/stat, fields 14 and 15, in clock ticks of 1/100 s).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 is at index 0
        return TimeSpan.FromSeconds((long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0);
    }

    [Fact]
    public async Task An_alias_bomb_in_the_gateway_config_is_refused_and_burns_no_core()
    {
        string config = _folder.File("gateway.yaml");
        File.WriteAllText(config, GatewayConfigTests.AliasBomb());
        await using var process = await StartAsync($"--checks.gateway-config={config}");

        var cpuBefore = CpuTime(process.Id);
        var elapsed = Stopwatch.StartNew();
        string metrics = "";
        for (int scrape = 0; scrape < 10; scrape++)
        {
            metrics = await process.Http.GetStringAsync("/metrics");
            await Task.Delay(1000);
        }
        var cpu = CpuTime(process.Id) - cpuBefore;
        output.WriteLine($"CPU {cpu.TotalSeconds:0.00} s in {elapsed.Elapsed.TotalSeconds:0.0} s");

        // A core burning parses the bomb would use about as much CPU time as passed; ten scrapes of a refused file use little.
        Assert.True(cpu < elapsed.Elapsed / 4, $"CPU {cpu.TotalSeconds:0.00} s in {elapsed.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("xx_gateway_config_status{status=\"invalid\"} 1", metrics);
        Assert.Single(await process.LinesAsync(line => line.Contains($"the gateway config {config} is not read: uses the alias *l0 at line 3")));
    }

    [Fact]
    public async Task An_alias_bomb_in_the_web_config_stops_the_start_at_once_with_one_line_and_exit_2()
    {
        string config = _folder.File("web.yml");
        File.WriteAllText(config, GatewayConfigTests.AliasBomb());
        var start = new ProcessStartInfo(BuiltExporter.Path) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder.Path };
        start.ArgumentList.Add($"--web.config.file={config}");
        using var process = Repository.Start(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Far longer than a start takes: the bomb, expanded, would hold the start for minutes.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the exporter was still starting after 30 s");
        }
        Assert.Equal($"xx-exporter: web config {config}: uses the alias *l0 at line 3: this file needs no aliases, and they are not read\n", await stdout + await stderr);
        Assert.Equal(2, process.ExitCode);
    }

    [SkippableFact]
    public async Task A_backup_folder_of_300000_files_stays_within_the_memory_budget_inside_the_units_limit()
    {
        MemoryCgroup cgroup;
        try { cgroup = MemoryCgroup.Create(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new SkipException($"no memory cgroup of the test's own here: {ex.Message}");
        }
        using var limited = cgroup;
        string archive = _folder.File("wal-archive");
        Directory.CreateDirectory(archive);
        File.WriteAllBytes(Path.Combine(archive, "000000010000000000000001"), new byte[16]);
        await using var process = await StartAsync($"--checks.backups=wal={archive}");
        cgroup.Add(process.Id);
        for (int i = 0; i < 5; i++) Assert.Contains("xx_backup_readable{target=\"wal\"} 1", await process.Http.GetStringAsync("/metrics"));
        long steady = ProcMemory.Read(process.Id, "VmRSS");

        for (int i = 2; i <= 300_000; i++) File.Create(Path.Combine(archive, $"{i:X24}")).Dispose(); // a WAL archive never pruned
        string metrics = "";
        for (int i = 0; i < 5; i++) metrics = await process.Http.GetStringAsync("/metrics");

        long peak = ProcMemory.Read(process.Id, "VmHWM");
        output.WriteLine($"steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB");
        Assert.True(peak - steady <= BuiltExporter.MemoryBudgetBytes, $"steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB");
        Assert.Equal(0, cgroup.OomKills);
        Assert.Equal(0, cgroup.TimesAtLimit);
        Assert.Contains("xx_backup_readable{target=\"wal\"} 0", metrics);
        Assert.NotEmpty(await process.LinesAsync(line => line.Contains($"{archive} holds more than {FileMatch.MaxEntries} entries, more than are looked at")));
    }

    public static TheoryData<string> NotRegular => new() { "fifo", "device" };

    [SkippableTheory]
    [MemberData(nameof(NotRegular))]
    public async Task Something_other_than_a_regular_file_at_the_positions_path_stops_the_start_and_is_left_alone(string kind)
    {
        string positions = _folder.File("positions.json");
        string described = await MakeAsync(kind, positions);
        var (code, text) = await Repository.RunInAsync(_folder.Path, BuiltExporter.Path, $"--logs.dir={_folder.File("logs")}", $"--logs.positions-file={positions}");
        Assert.Equal($"xx-exporter: --logs.positions-file: {positions} is {described}, not a regular file the exporter wrote, so it is left alone and read positions are not saved: name another path or remove it\n", text);
        Assert.Equal(2, code);
        Assert.Equal(described, FileStat.Describe(FileStat.KindAt(positions)));
    }

    [SkippableTheory]
    [MemberData(nameof(NotRegular))]
    public async Task Something_put_at_the_positions_path_while_running_is_left_alone_and_reported_once(string kind)
    {
        string logs = _folder.File("logs"), positions = _folder.File("positions.json"), log = Path.Combine(logs, "cmix.log");
        Directory.CreateDirectory(logs);
        File.WriteAllText(log, "");
        await using var process = await StartAsync($"--logs.positions-file={positions}", "--logs.poll-interval=50ms");
        File.AppendAllText(log, "a line\n");
        for (int i = 0; i < 100 && !File.Exists(positions); i++) await Task.Delay(100); // saved every 5 s
        Assert.True(File.Exists(positions), process.Log);

        File.Delete(positions);
        string described = await MakeAsync(kind, positions);
        for (int second = 0; second < 12; second++)
        {
            File.AppendAllText(log, $"line {second}\n"); // a new position to save at each save
            await Task.Delay(1000);
        }

        Assert.Equal(described, FileStat.Describe(FileStat.KindAt(positions)));
        Assert.Single(await process.LinesAsync(line => line.Contains($"Cannot save read positions (--logs.positions-file): {positions} is {described}, not a regular file the exporter wrote")));
    }

    [Fact]
    public async Task An_error_file_growing_a_few_characters_at_a_time_is_logged_once_not_at_every_change()
    {
        string logs = _folder.File("logs");
        Directory.CreateDirectory(logs);
        CmixErrorFile.Write(logs, DateTimeOffset.UtcNow, 9876543, "Round 9876543 failed: Graph PrecompShare of phase PrecompShare has timed out");
        string errorFile = Path.Combine(logs, CmixErrorFile.FileName);
        await using var process = await StartAsync();

        // The file keeps changing, its error text a character longer each time, or cut short (not base64): each change
        // changes its verdict or its sentence, and a scrape follows each one.
        string metrics = "";
        for (int change = 0; change < 60; change++)
        {
            if (change % 2 == 0) CmixErrorFile.Write(logs, DateTimeOffset.UtcNow, 9876543, "Round 9876543 failed: " + new string('x', change));
            else File.AppendAllText(errorFile, "A");
            metrics = await process.Http.GetStringAsync("/metrics");
            await Task.Delay(50);
        }

        Assert.Contains("xx_cmix_error_file_present 1", metrics);
        int lines = process.Log.Split('\n').Count(line => line.Contains(errorFile));
        output.WriteLine($"{lines} log lines for 60 changes");
        Assert.InRange(lines, 1, 2); // the first verdict at once; the next one a minute later at the earliest
    }

    /// <summary>Makes a FIFO or a device node (the null device's numbers; only root may) at a path in the test's own folder.</summary>
    private static async Task<string> MakeAsync(string kind, string path)
    {
        if (kind == "fifo")
        {
            Assert.Equal(0, (await Repository.RunAsync("mkfifo", path)).Code);
            return "a FIFO";
        }
        Skip.If(Environment.UserName != "root", "only root may make a device node");
        Assert.Equal(0, (await Repository.RunAsync("mknod", path, "c", "1", "3")).Code);
        return "a character device";
    }
}

using System.Diagnostics;
using System.Globalization;

namespace XxExporter.Tests.Support;

/// <summary>The run folder, the mark on every process the tests start, and the fast lane's refusal to start servers.</summary>
public sealed class TestRunTests
{
    [Fact]
    public async Task Temp_folders_are_under_the_run_folder_and_started_processes_carry_the_mark()
    {
        using var folder = new TempFolder();
        Assert.StartsWith(TestRun.Root + Path.DirectorySeparatorChar, folder.Path);
        Assert.StartsWith(TestRun.Parent + Path.DirectorySeparatorChar, TestRun.Root);
        var (code, output) = await Repository.RunAsync("sh", "-c", $"echo ${TestRun.Mark} $TMPDIR");
        Assert.Equal(0, code);
        Assert.Equal($"{TestRun.Root} {TestRun.Root}", output.Trim());
    }

    [Fact]
    public void The_fast_lane_refuses_to_start_a_server_and_names_the_mark_to_add()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Lanes.ServerStarting("PostgreSQL", "fast"));
        Assert.Contains("[FullLane]", refused.Message);
        Lanes.ServerStarting("PostgreSQL", null);
    }

    [FullLane]
    [Fact]
    public async Task A_killed_test_run_leaves_no_server_and_no_folder_behind()
    {
        // An interrupted test run: the test assembly as a program (Support/Program.cs) starts PostgreSQL (which
        // pg_ctl detaches from its process tree) and node_exporter, then is killed as a stuck run is.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { typeof(TestRunTests).Assembly.Location, "servers" }) start.ArgumentList.Add(arg);
        using var run = Process.Start(start)!;
        var line = run.StandardOutput.ReadLineAsync();
        string stderr = "";
        var error = Task.Run(async () => stderr = await run.StandardError.ReadToEndAsync());
        try
        {
            Assert.True(await Task.WhenAny(line, Task.Delay(TimeSpan.FromMinutes(2))) == line && await line is not null,
                $"the run did not start its servers:\n{stderr}");
            string[] running = (await line)!.Split(' ');
            Assert.Equal("running", running[0]);
            int postgres = int.Parse(running[1], CultureInfo.InvariantCulture), nodeExporter = int.Parse(running[2], CultureInfo.InvariantCulture);
            string folder = running[3];
            Assert.True(Alive(postgres) && Alive(nodeExporter) && Directory.Exists(folder), $"not running: {string.Join(' ', running)}");

            run.Kill(); // SIGKILL: nothing in the run can clean up after itself
            var waited = Stopwatch.StartNew();
            while ((Alive(postgres) || Alive(nodeExporter) || Directory.Exists(folder)) && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(100);
            Assert.False(Alive(postgres), "PostgreSQL outlived the killed run");
            Assert.False(Alive(nodeExporter), "node_exporter outlived the killed run");
            Assert.False(Directory.Exists(folder), $"{folder} outlived the killed run");
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Whether the process runs (a killed child of another process may stay a zombie until reaped: not running).</summary>
    private static bool Alive(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return false; }
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace XxExporter.Tests.Support;

/// <summary>
/// This test run's folder and its watchdog, so that a failing or killed run leaves no process or folder behind. Every
/// folder the tests make is under <see cref="Root"/> (it is TMPDIR for the test host and what it starts), and every
/// process started from the test host carries <see cref="Mark"/> in its environment, down to PostgreSQL's, which pg_ctl
/// detaches from the process tree. A watchdog outside the test host's process tree reads a pipe from the host: when the
/// host ends, however it ends (SIGKILL too), the pipe closes, and the watchdog kills every process with the mark and
/// deletes the folder. The runs whose host is gone (a watchdog that was itself killed) are swept the same way at start.
/// </summary>
public static class TestRun
{
    /// <summary>The environment variable that marks this run's processes: its value is <see cref="Root"/>.</summary>
    public const string Mark = "XX_TESTS_RUN";

    private const string RunPrefix = "run.";

    /// <summary>Kills the processes marked with the run folder $1 and deletes it, once its standard input ends.</summary>
    private const string Watchdog = """
        exec >/dev/null 2>&1
        trap '' INT TERM HUP
        root=$1
        while read -r _; do :; done
        for attempt in $(seq 50); do
            marked=$(grep -lzxF "XX_TESTS_RUN=$root" /proc/[0-9]*/environ | cut -d/ -f3)
            [ -n "$marked" ] || break
            kill -KILL $marked
            sleep 0.1
        done
        rm -rf "$root"
        """;

    /// <summary>
    /// Where every run's folder is: xx-exporter-tests under the temp folder the test host was given, or beside the
    /// run that started this one (a short path: PostgreSQL's socket is in a folder under the run's).
    /// </summary>
    public static string Parent { get; }

    public static string Root { get; }

    // The write end of the watchdog's standard input, held open (never written) for as long as the test host lives.
    private static readonly StreamWriter WatchdogInput;

    static TestRun()
    {
        string? outer = Environment.GetEnvironmentVariable(Mark);
        Parent = outer is null ? Path.Combine(Path.GetTempPath(), "xx-exporter-tests") : Path.GetDirectoryName(outer)!;
        Directory.CreateDirectory(Parent);
        foreach (string run in Directory.GetDirectories(Parent, RunPrefix + "*").Where(HostEnded))
            StartWatchdog(run).Close();
        Root = Directory.CreateDirectory(Path.Combine(Parent, RunPrefix + HostId(Environment.ProcessId))).FullName;
        WatchdogInput = StartWatchdog(Root);
        Environment.SetEnvironmentVariable(Mark, Root);
        Environment.SetEnvironmentVariable("TMPDIR", Root);
    }

#pragma warning disable CA2255 // the run's folder and watchdog must exist before any test starts a process
    [ModuleInitializer]
    internal static void Begin() => RuntimeHelpers.RunClassConstructor(typeof(TestRun).TypeHandle);
#pragma warning restore CA2255

    /// <summary>A new folder under <see cref="Root"/>.</summary>
    public static string NewFolder() => Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N")[..12])).FullName;

    /// <summary>pid.start-time: a process's id with its start (in clock ticks after boot), which a reused id does not share.</summary>
    private static string HostId(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The fields after the command name (in parentheses, which may hold spaces): the 22nd, starttime, is the 20th.
        return $"{pid}.{stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19]}";
    }

    private static bool HostEnded(string run)
    {
        string id = Path.GetFileName(run)[RunPrefix.Length..];
        if (!int.TryParse(id.Split('.')[0], out int pid)) return false;
        try { return HostId(pid) != id; }
        catch (IOException) { return true; } // no such process
    }

    /// <summary>
    /// Starts the watchdog of <paramref name="run"/> in a session of its own (setsid -f: its parent exits at once, so
    /// killing the test host's process tree does not reach it), without the mark; returns its standard input.
    /// </summary>
    private static StreamWriter StartWatchdog(string run)
    {
        var start = new ProcessStartInfo("setsid") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (string arg in new[] { "-f", "bash", "-c", Watchdog, "xx-exporter-tests-watchdog", run }) start.ArgumentList.Add(arg);
        start.Environment.Remove(Mark);
        // Not disposed: that would close the pipe.
        var setsid = Process.Start(start)!;
        setsid.WaitForExit();
        return setsid.StandardInput;
    }
}

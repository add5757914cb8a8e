using System.Diagnostics;

namespace XxSimulator.Node;

/// <summary>
/// A real process standing for cMix or the gateway: its argv[0] is the binary's path, as the wrapper starts it
/// (<c>subprocess.Popen([bin_path, "--config", ...])</c>), so an exporter finds it in /proc by that path. It is
/// <c>cat</c> reading a pipe only this process holds open: when the simulator (or a test holding one) ends, however
/// it ends, the pipe closes and the stand-in exits, leaving no orphan behind.
/// </summary>
public sealed class StandInProcess : IDisposable
{
    private readonly Process _process;

    private StandInProcess(Process process) => _process = process;

    /// <summary>Starts a process whose argv[0] is <paramref name="argv0"/>; returns once it runs under that name.</summary>
    public static StandInProcess Start(string argv0)
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardInput = true, UseShellExecute = false };
        // bash's exec -a sets argv[0]; cat reads its stdin, the pipe, to its end.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec -a \"$0\" cat >/dev/null");
        start.ArgumentList.Add(argv0);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{argv0}: the stand-in process did not start");
        var standIn = new StandInProcess(process);
        // Until bash has exec'd, the process is bash: what looks for argv0 right after this would not find it.
        var waited = Stopwatch.StartNew();
        while (!RunsAs(process.Id, argv0))
        {
            if (process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(10))
            {
                standIn.Dispose();
                throw new InvalidOperationException($"{argv0}: the stand-in process did not come up under that name");
            }
            Thread.Sleep(5);
        }
        return standIn;
    }

    public int Pid => _process.Id;

    private static bool RunsAs(int pid, string argv0)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0] == argv0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Ends the process (SIGKILL, as the OOM killer does) and waits until it is gone from the process table.</summary>
    public void Stop()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // exited on its own meanwhile
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}

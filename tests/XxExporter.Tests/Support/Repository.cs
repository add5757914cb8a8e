using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace XxExporter.Tests.Support;

/// <summary>The checkout the tests run from, and running the tools the bundle tests call (promtool, amtool, ...).</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>How long a tool may run before it is taken as hung (promtool's rule tests take minutes on a loaded machine).</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(10);

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Runs a program from the repository root; returns its exit code and stdout followed by stderr.</summary>
    public static Task<(int Code, string Output)> RunAsync(string program, params string[] args) => RunInAsync(Root, program, args);

    /// <summary>Runs a program in <paramref name="folder"/>; returns its exit code and stdout followed by stderr.</summary>
    public static async Task<(int Code, string Output)> RunInAsync(string folder, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Start(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(HangLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} ran for more than {HangLimit.TotalMinutes} minutes");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts a program, saying which Debian package provides it when it is missing.</summary>
    public static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            string package = start.FileName switch
            {
                "promtool" or "prometheus" => "prometheus",
                "amtool" or "prometheus-alertmanager" => "prometheus-alertmanager",
                "node" or "npm" => "nodejs npm",
                "systemd-analyze" or "systemd-sysusers" => "systemd",
                _ => start.FileName,
            };
            throw new InvalidOperationException($"{start.FileName} not found: apt-get install -y --no-install-recommends {package}", e);
        }
    }

    private static string FindRoot([CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));
}

using System.ComponentModel;
using System.Diagnostics;

namespace XxExporter.Tests.Support;

/// <summary>Runs a command-line tool to its end, for tests that judge its exit code and output.</summary>
public static class ExternalProcess
{
    /// <summary>Exit code and stdout followed by stderr; <paramref name="install"/> says how to get a missing program.</summary>
    public static async Task<(int Code, string Output)> Run(string program, string workingDirectory, string install, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{program} not found: {install}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within 2 minutes");
            }
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}

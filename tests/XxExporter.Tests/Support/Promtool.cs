using System.Diagnostics;

namespace XxExporter.Tests.Support;

/// <summary>Runs <c>promtool check metrics</c> (Debian package prometheus) on exposition text.</summary>
public static class Promtool
{
    public static async Task AssertLintClean(string exposition)
    {
        var promtool = Process.Start(new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("promtool did not start (apt-get install prometheus)");
        await promtool.StandardInput.WriteAsync(exposition);
        promtool.StandardInput.Close();
        string problems = await promtool.StandardError.ReadToEndAsync() + await promtool.StandardOutput.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.True(promtool.ExitCode == 0, problems);
    }
}

using System.Globalization;

namespace XxExporter.Tests.Support;

/// <summary>
/// The test assembly run as a program: <c>dotnet XxExporter.Tests.dll servers</c> is a test run that gets interrupted
/// (<see cref="TestRunTests"/>): it starts PostgreSQL and node_exporter as the tests do, prints their process ids and
/// its run folder, and waits to be killed.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["servers"])
        {
            await Console.Error.WriteLineAsync("usage: dotnet XxExporter.Tests.dll servers (the tests run with dotnet test)");
            return 2;
        }
        var postgres = new PostgresServer();
        var nodeExporter = await ServerProcess.StartAsync("prometheus-node-exporter", new TempFolder().Path,
            port => [$"--web.listen-address=127.0.0.1:{port}"], readyPath: "/metrics");
        string postmaster = File.ReadLines(Path.Combine(postgres.DataDir, "postmaster.pid")).First();
        Console.WriteLine(string.Join(' ', "running", postmaster, nodeExporter.Id.ToString(CultureInfo.InvariantCulture), TestRun.Root));
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}

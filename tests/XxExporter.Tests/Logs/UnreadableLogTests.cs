using System.Runtime.Versioning;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Logs;

/// <summary>
/// A log the exporter's user may not read is exported as unreadable, not as a quiet log or a missing one. The real
/// exporter is run; as root (which reads every file) in a user namespace of its own, where it keeps root's uid for the
/// permission bits but has no power over the files of the outer namespace.
/// </summary>
[FullLane]
[UnsupportedOSPlatform("windows")]
public sealed class UnreadableLogTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        foreach (string path in new[] { _folder.File("log"), _folder.File("log/cmix.log") })
            if (Path.Exists(path)) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _folder.Dispose();
    }

    [SkippableTheory]
    [InlineData("log/cmix.log")]   // the file may not be read
    [InlineData("log")]            // its folder may not be searched
    public async Task An_unreadable_cmix_log_is_exported_as_unreadable_and_not_as_missing(string locked)
    {
        Directory.CreateDirectory(_folder.File("log"));
        File.WriteAllText(_folder.File("log/cmix.log"), "INFO 2023/07/26 14:00:00 Updated to REALTIME successfully\n");
        File.SetUnixFileMode(_folder.File(locked), UnixFileMode.None);
        bool root = Environment.UserName == "root";
        if (root)
        {
            var (code, output) = await Repository.RunAsync("unshare", "--user", "true");
            Skip.If(code != 0, $"root reads every file, and this machine allows no user namespace to take that away: {output}");
        }
        string exporter = BuiltExporter.Path;
        string[] settings(int port) =>
        [
            $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.File("log")}", "--logs.enabled=cmix", "--chain.rpc-url=",
            "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--checks.gateway-config=", "--checks.dns-names=",
        ];
        await using var server = await ServerProcess.StartAsync(root ? "unshare" : exporter, _folder.Path,
            port => root ? ["--user", exporter, .. settings(port)] : settings(port), readyPath: "/-/healthy");

        var m = await Until(server, m => m.Has("xx_log_file_readable{log=\"cmix\"}") && m["xx_log_file_readable{log=\"cmix\"}"] == 0);

        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"log_cmix\"}"]);
        Assert.Equal(1, m["xx_log_files_found"]);   // not "none found: a wrong --logs.dir?"
        Assert.NotEmpty(await server.LinesAsync(line => line.Contains("permission denied")));
        Assert.DoesNotContain("none of the enabled log files is there", server.Log);
    }

    /// <summary>Scrapes until <paramref name="done"/> (the follower's first poll runs beside the web server's start).</summary>
    private static async Task<Exposition> Until(ServerProcess server, Func<Exposition, bool> done)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var m = Exposition.Parse(await server.Http.GetStringAsync("/metrics"));
            if (done(m)) return m;
            if (DateTime.UtcNow > limit) throw new TimeoutException($"not within 30 s:\n{m.Text}\n{server.Log}");
            await Task.Delay(100);
        }
    }
}

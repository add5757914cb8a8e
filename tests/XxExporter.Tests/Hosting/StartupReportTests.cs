using System.Diagnostics;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary>What the exporter says once it listens: version, the URL it really serves, what it watches; nothing more.</summary>
[FullLane]
public sealed class StartupReportTests : IDisposable
{
    private readonly TempFolder _logs = new();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task At_the_default_level_a_few_lines_give_the_version_the_real_url_and_what_is_watched()
    {
        File.WriteAllText(_logs.File("cmix.log"), "");
        var start = new ProcessStartInfo(BuiltExporter.Path)
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            ArgumentList = { "--web.listen-address", "127.0.0.1:0", "--logs.dir", _logs.Path, "--chain.rpc-url", "" },
        };
        using var process = Repository.Start(start);
        var lines = new List<string>();
        try
        {
            var waited = Stopwatch.StartNew();
            while (lines.Count < 6 && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                if (line is null) break;
                lines.Add(line);
            }
            string all = string.Join('\n', lines);
            var url = Regex.Match(all, @"xx-exporter \S+ serving (http://127\.0\.0\.1:(\d+)/metrics) \(status page at /\)");
            Assert.True(url.Success, all);
            Assert.NotEqual("0", url.Groups[2].Value);
            using var http = new HttpClient();
            Assert.Contains("xx_exporter_build_info", await http.GetStringAsync(url.Groups[1].Value));
            Assert.Contains($"Logs found: {_logs.File("cmix.log")}; not there yet: {_logs.File("gateway.log")}", all);
            Assert.Contains("Postgres: none configured", all);
            Assert.Contains("Chain: off", all);
            Assert.Contains("Read at each scrape: backups, certificates, chain_storage, cmix_error_file, credentials_backup, dns, gateway_node, identity, log_files, probes", all);
            // Neither the node's IDF nor the gateway's config on this machine: what the default probes follow is said.
            Assert.Matches(@"Host role: both \(neither \S+cmix-IDF\.json nor .+ exists; set --host\.role\)", all);
            Assert.DoesNotContain("does not exist yet", all);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}

using System.Runtime.Versioning;
using XxExporter.Checks;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

public sealed class BackupCheckTests : IDisposable
{
    private static readonly DateTime Now = new(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string name, int bytes, TimeSpan age)
    {
        string path = _folder.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, Now - age);
        return path;
    }

    private static ChecksHarness Harness(params BackupTarget[] targets) => new(ChecksHarness.Off with { Backups = targets });

    [Fact]
    public async Task A_fresh_dump_a_stale_one_a_folder_a_glob_a_marker_and_a_missing_target()
    {
        string fresh = Write("cmix_node.dump", 4096, TimeSpan.FromHours(2));
        string stale = Write("chain.tar.zst", 1000, TimeSpan.FromDays(9));
        Write("gateway/2024-01-01.dump", 300, TimeSpan.FromDays(3));
        Write("gateway/2024-01-02.dump", 200, TimeSpan.FromDays(2));
        Write("gateway/.2024-01-03.dump.partial", 50, TimeSpan.Zero); // still being written: does not count
        Write("gateway/old/2024-01-04.dump", 10, TimeSpan.Zero);       // subfolders do not count
        Write("dumps/cmix_gateway-2024-01-01.sql.gz", 70, TimeSpan.FromDays(5));
        Write("dumps/cmix_gateway-2024-01-02.sql.gz", 80, TimeSpan.FromDays(1));
        Write("dumps/cmix_node-2024-01-03.sql.gz", 90, TimeSpan.Zero); // another database's dump
        string marker = Write("remote/last-upload", 0, TimeSpan.FromMinutes(30));
        var harness = Harness(
            new("cmix_node", fresh), new("chain", stale), new("gateway_dir", _folder.File("gateway")),
            new("cmix_gateway", _folder.File("dumps/cmix_gateway-*.sql.gz")), new("remote", marker),
            new("missing", _folder.File("nothing-here.dump")), new("missing_glob", _folder.File("no-folder/*.gz")));

        var m = await harness.Scrape();

        Assert.Equal(1, m["xx_backup_present{target=\"cmix_node\"}"]);
        Assert.Equal(ChecksHarness.Unix(Now.AddHours(-2)), m["xx_backup_last_success_timestamp_seconds{target=\"cmix_node\"}"]);
        Assert.Equal(4096, m["xx_backup_size_bytes{target=\"cmix_node\"}"]);
        Assert.Equal(ChecksHarness.Unix(Now.AddDays(-9)), m["xx_backup_last_success_timestamp_seconds{target=\"chain\"}"]);
        Assert.Equal(1000, m["xx_backup_size_bytes{target=\"chain\"}"]);
        Assert.Equal(ChecksHarness.Unix(Now.AddDays(-2)), m["xx_backup_last_success_timestamp_seconds{target=\"gateway_dir\"}"]);
        Assert.Equal(200, m["xx_backup_size_bytes{target=\"gateway_dir\"}"]);
        Assert.Equal(ChecksHarness.Unix(Now.AddDays(-1)), m["xx_backup_last_success_timestamp_seconds{target=\"cmix_gateway\"}"]);
        Assert.Equal(80, m["xx_backup_size_bytes{target=\"cmix_gateway\"}"]);
        Assert.Equal(ChecksHarness.Unix(Now.AddMinutes(-30)), m["xx_backup_last_success_timestamp_seconds{target=\"remote\"}"]);
        Assert.Equal(0, m["xx_backup_size_bytes{target=\"remote\"}"]);
        Assert.Equal(1, m["xx_backup_too_small{target=\"remote\"}"]);   // an empty newest file is a failed backup by default
        Assert.Equal(0, m["xx_backup_too_small{target=\"cmix_gateway\"}"]);
        foreach (string missing in new[] { "missing", "missing_glob" })
        {
            Assert.Equal(0, m[$"xx_backup_present{{target=\"{missing}\"}}"]);
            Assert.False(m.Has($"xx_backup_last_success_timestamp_seconds{{target=\"{missing}\"}}"));
            Assert.False(m.Has($"xx_backup_size_bytes{{target=\"{missing}\"}}"));
        }
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"backups\"}"]); // a missing backup is a finding, not an error
        Assert.Empty(harness.Logs.Lines);
        await Promtool.AssertLintClean(m.Text);
    }

    [Fact]
    public async Task A_newest_backup_under_the_minimum_size_is_too_small_and_zero_accepts_empty_markers()
    {
        Write("dumps/a.dump", 5000, TimeSpan.FromDays(1));
        Write("dumps/b.dump", 99, TimeSpan.FromMinutes(5));   // the newest: a dump that failed early
        var target = new BackupTarget("cmix_gateway", _folder.File("dumps"));
        var strict = new ChecksHarness(ChecksHarness.Off with { Backups = [target], BackupMinBytes = 100 });
        Assert.Equal(1, (await strict.Scrape())["xx_backup_too_small{target=\"cmix_gateway\"}"]);
        Write("remote/last-upload", 0, TimeSpan.Zero);
        var markers = new ChecksHarness(ChecksHarness.Off with { Backups = [new("remote", _folder.File("remote"))], BackupMinBytes = 0 });
        Assert.Equal(0, (await markers.Scrape())["xx_backup_too_small{target=\"remote\"}"]);
    }

    [Fact]
    public async Task A_new_dump_counts_at_the_next_scrape_and_a_deleted_one_drops_its_series()
    {
        Write("dumps/a.dump", 10, TimeSpan.FromDays(2));
        var harness = Harness(new BackupTarget("cmix_gateway", _folder.File("dumps")));
        Assert.Equal(10, (await harness.Scrape())["xx_backup_size_bytes{target=\"cmix_gateway\"}"]);

        Write("dumps/b.dump", 20, TimeSpan.FromMinutes(1));
        var m = await harness.Scrape();
        Assert.Equal(20, m["xx_backup_size_bytes{target=\"cmix_gateway\"}"]);
        Assert.Equal(ChecksHarness.Unix(Now.AddMinutes(-1)), m["xx_backup_last_success_timestamp_seconds{target=\"cmix_gateway\"}"]);

        Directory.Delete(_folder.File("dumps"), recursive: true);
        m = await harness.Scrape();
        Assert.Equal(0, m["xx_backup_present{target=\"cmix_gateway\"}"]);
        Assert.False(m.Has("xx_backup_size_bytes{target=\"cmix_gateway\"}"));
        Assert.False(m.Has("xx_backup_last_success_timestamp_seconds{target=\"cmix_gateway\"}"));
    }

    [FullLane]
    [SkippableTheory]
    [InlineData("locked")]            // the backup folder itself
    [InlineData("locked/inner")]      // a folder on its way, which may not be searched
    [InlineData("locked/a.dump")]     // one dump file, in a folder that may not be searched
    [UnsupportedOSPlatform("windows")]
    public async Task An_unreadable_target_is_reported_as_unreadable_fails_the_collector_and_is_logged_once(string target)
    {
        Write("locked/a.dump", 10, TimeSpan.Zero);
        Write("locked/inner/b.dump", 10, TimeSpan.Zero);
        File.SetUnixFileMode(_folder.File("locked"), UnixFileMode.None);
        try
        {
            var (m, log) = Environment.UserName == "root" ? await SecondScrapeWithoutRootPowers("cmix_node", target) : await SecondScrapeInProcess("cmix_node", target);
            // Not "no backup exists there": unknown, and reported as unreadable.
            Assert.Equal(0, m["xx_backup_readable{target=\"cmix_node\"}"]);
            Assert.False(m.Has("xx_backup_present{target=\"cmix_node\"}"));
            Assert.Equal(0, m["xx_exporter_collector_success{collector=\"backups\"}"]);
            Assert.Single(log, line => line.Contains("backups cmix_node:") && line.Contains("permission denied"));
        }
        finally
        {
            File.SetUnixFileMode(_folder.File("locked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_copy_of_credentials_is_judged_against_their_last_change()
    {
        Write("cred/cmix-IDF.json", 300, TimeSpan.FromDays(400));
        Write("cred/gateway-cert.crt", 900, TimeSpan.FromDays(30));   // the newest change: a rotated certificate
        Write("backup/cred/2024-01-01.tgz", 2000, TimeSpan.FromDays(90));
        var harness = Harness(new BackupTarget("cred", _folder.File("backup/cred"), _folder.File("cred")),
            new BackupTarget("nothing_copied", _folder.File("backup/cred"), _folder.File("no-such-folder")));

        var m = await harness.Scrape();

        Assert.Equal(ChecksHarness.Unix(Now.AddDays(-30)), m["xx_backup_source_modified_timestamp_seconds{target=\"cred\"}"]);
        Assert.Equal(ChecksHarness.Unix(Now.AddDays(-90)), m["xx_backup_last_success_timestamp_seconds{target=\"cred\"}"]);
        Assert.False(m.Has("xx_backup_source_modified_timestamp_seconds{target=\"nothing_copied\"}"));
        Assert.Equal(1, m["xx_backup_readable{target=\"cred\"}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"backups\"}"]);

        Write("backup/cred/2024-03-31.tgz", 2100, TimeSpan.FromMinutes(5));
        m = await harness.Scrape();
        Assert.Equal(ChecksHarness.Unix(Now.AddMinutes(-5)), m["xx_backup_last_success_timestamp_seconds{target=\"cred\"}"]);
        await Promtool.AssertLintClean(m.Text);
    }

    [Fact]
    public void A_folder_is_read_as_a_stream_up_to_its_cap_and_one_past_it_is_reported()
    {
        for (int i = 0; i < 30; i++) Write($"wal/{i:D8}", 16, TimeSpan.FromMinutes(60 - i));
        Write("wal/.partial", 16, TimeSpan.Zero);    // a dot file: not a backup, but an entry looked at
        Write("wal/sub/newer", 16, TimeSpan.Zero);   // a subfolder: the same

        Assert.Equal("00000029", FileMatch.Newest(_folder.File("wal"), maxEntries: 32)!.Name);
        Assert.Equal("00000028", FileMatch.Newest(_folder.File("wal/*8"), maxEntries: 32)!.Name);
        var tooMany = Assert.Throws<IOException>(() => FileMatch.Newest(_folder.File("wal"), maxEntries: 31));
        Assert.Equal($"{_folder.File("wal")} holds more than 31 entries, more than are looked at (docs/configuration.md): prune it, or keep these files in a folder of their own", tooMany.Message);
        // A pattern does not make the folder cheaper to read: its other entries are looked at all the same.
        Assert.Throws<IOException>(() => FileMatch.Newest(_folder.File("wal/*.dump"), maxEntries: 31));
    }

    private async Task<(Exposition Metrics, IEnumerable<string> Log)> SecondScrapeInProcess(string target, string path)
    {
        var harness = Harness(new BackupTarget(target, _folder.File(path)));
        await harness.Scrape();
        return (await harness.Scrape(), harness.Logs.Lines);
    }

    /// <summary>
    /// Root reads every folder, so as root the real exporter runs in a user namespace of its own (unshare --user):
    /// there it keeps root's uid for the permission bits but has no power over files of the outer namespace.
    /// </summary>
    private async Task<(Exposition Metrics, IEnumerable<string> Log)> SecondScrapeWithoutRootPowers(string target, string path)
    {
        var (code, output) = await Repository.RunAsync("unshare", "--user", "true");
        Skip.If(code != 0, $"root reads every folder, and this machine allows no user namespace to take that away: {output}");
        string exporter = BuiltExporter.Path;
        await using var server = await ServerProcess.StartAsync("unshare", _folder.Path, port =>
        [
            "--user", exporter, $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.File("no-logs")}", "--chain.rpc-url=",
            $"--checks.backups={target}={_folder.File(path)}", "--checks.backup-sources=", "--checks.certificates=", "--checks.probes=",
        ], readyPath: "/-/healthy");
        await server.Http.GetStringAsync("/metrics");
        var metrics = Exposition.Parse(await server.Http.GetStringAsync("/metrics"));
        return (metrics, server.Log.Split('\n'));
    }
}

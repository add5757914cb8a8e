using System.Diagnostics;
using XxExporter.Tests.Postgres;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.PgBackRest;

/// <summary>
/// The real pgBackRest (Debian's) backing up a real PostgreSQL 15 cluster that archives its WAL with
/// <c>pgbackrest archive-push</c> into a local repository, configured as docs/backups.md's recipe says (<see cref="Recipe"/>):
/// what the source reports after backups, and the failures <c>pgbackrest info</c> hides.
/// </summary>
[FullLane]
public sealed class PgBackRestSourceTests : IDisposable
{
    private const string Stanza = Recipe.Stanza;
    private static readonly bool Root = Environment.UserName == "root";

    private readonly TempFolder _folder = new();
    private readonly PostgresServer _server;

    public PgBackRestSourceTests()
    {
        foreach (string folder in new[] { "repo", "log", "lock", "spool" }) Directory.CreateDirectory(_folder.File(folder));
        // The archiver runs archive-push with this file from the start; it is written before anything is archived.
        _server = new PostgresServer(Recipe.PostgresSettings(Config));
        File.WriteAllText(Config, Recipe.PgBackRestConfig(_folder.File("repo"), _folder.File("log"), _server,
            $"lock-path={_folder.File("lock")}", $"spool-path={_folder.File("spool")}", "log-level-console=off", "log-level-stderr=warn"));
        if (Root) Run("chown", "-R", "postgres:postgres", _folder.Path);
    }

    private string Config => _folder.File("pgbackrest.conf");

    private string Series(string name, string type = "") =>
        type.Length > 0 ? $"{name}{{stanza=\"{Stanza}\",repo=\"1\",type=\"{type}\"}}" : $"{name}{{stanza=\"{Stanza}\",repo=\"1\"}}";

    private PgBackRestScrapes Scrapes() => new("--pgbackrest.stanzas", Stanza, "--pgbackrest.config", Config,
        "--pgbackrest.log-path", _folder.File("log"), "--pgbackrest.interval", "1s");

    [Fact]
    public async Task Backups_show_and_so_do_a_failed_backup_a_lost_segment_and_a_stopped_archive()
    {
        Assert.Equal(0, Backup("stanza-create"));
        Assert.Equal(0, Backup("backup", "--type=full"));
        _server.Execute("postgres", "CREATE TABLE t AS SELECT generate_series(1, 10000) AS x");
        Assert.Equal(0, Backup("backup", "--type=incr"));
        await using var pgbackrest = Scrapes();

        // A full and an incremental backup, the WAL archive whole, the last run completed.
        var m = await pgbackrest.Until(m => m.Has(Series("xx_pgbackrest_backups")) && m[Series("xx_pgbackrest_backups")] == 2, "two backups");
        Assert.Equal(0, m[$"xx_pgbackrest_repo_status_code{{stanza=\"{Stanza}\",repo=\"1\",status=\"ok\"}}"]);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(m[Series("xx_pgbackrest_backup_last_completed_timestamp_seconds", "full")], now - 300, now);
        Assert.True(m[Series("xx_pgbackrest_backup_last_completed_timestamp_seconds", "incr")] >= m[Series("xx_pgbackrest_backup_last_completed_timestamp_seconds", "full")]);
        Assert.False(m.Has(Series("xx_pgbackrest_backup_last_completed_timestamp_seconds", "diff")));
        Assert.True(m[Series("xx_pgbackrest_backup_last_size_bytes", "full")] > 1 << 20);
        Assert.True(m[Series("xx_pgbackrest_backup_last_repository_size_bytes", "incr")] < m[Series("xx_pgbackrest_backup_last_repository_size_bytes", "full")]);
        Assert.Equal(0, m[Series("xx_pgbackrest_backup_checksum_error_files")]);
        Assert.Equal(0, m[Series("xx_pgbackrest_wal_missing_segments")]);
        Assert.InRange(m[Series("xx_pgbackrest_wal_newest_segment_timestamp_seconds")], now - 300, now);
        Assert.Equal(1, m[$"xx_pgbackrest_backup_last_run_success{{stanza=\"{Stanza}\"}}"]);
        Assert.Equal(0, m[$"xx_pgbackrest_backup_running{{stanza=\"{Stanza}\"}}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"pgbackrest\"}"]);
        await Promtool.AssertLintClean(m.Text);

        // A backup of the stopped cluster fails; info lists nothing of it and stays ok, the run's log says it.
        _server.Kill();
        Assert.NotEqual(0, Backup("backup", "--type=incr"));
        _server.Start();
        m = await pgbackrest.Until(m => m.Has($"xx_pgbackrest_backup_last_run_success{{stanza=\"{Stanza}\"}}")
            && m[$"xx_pgbackrest_backup_last_run_success{{stanza=\"{Stanza}\"}}"] == 0, "the failed backup, logged as:\n" + File.ReadAllText(_folder.File($"log/{Stanza}-backup.log")));
        Assert.Equal(2, m[Series("xx_pgbackrest_backups")]);
        Assert.Equal(0, m[$"xx_pgbackrest_repo_status_code{{stanza=\"{Stanza}\",repo=\"1\",status=\"ok\"}}"]);
        Assert.Contains("failed: [056]: unable to find primary cluster", pgbackrest.Logs.All);

        // A segment deleted from the archive after the oldest backup's start: info stays ok, the listing has the gap.
        string segments = Directory.GetDirectories(Path.Combine(_folder.File("repo"), "archive", Stanza)).Single();
        string lost = Directory.GetFiles(Directory.GetDirectories(segments).Single(), "000000010000000000000003-*").Single();
        File.Delete(lost);
        m = await pgbackrest.Until(m => m[Series("xx_pgbackrest_wal_missing_segments")] == 1, "the deleted segment");
        Assert.Equal(0, m[$"xx_pgbackrest_repo_status_code{{stanza=\"{Stanza}\",repo=\"1\",status=\"ok\"}}"]);
        Assert.Contains("the first at log/segment 0000000000000003", pgbackrest.Logs.All);

        // The archive stopped (archive-push failing): PostgreSQL's archiver counts the failures, the repository gets nothing new.
        var logs = new CapturedLogs();
        await using var postgres = new PostgresScrapes(logs.Factory, PostgresServer.SuperuserPassword, "--postgres.gateway.host", "127.0.0.1",
            "--postgres.gateway.port", _server.Port.ToString(), "--postgres.gateway.user", "postgres", "--postgres.gateway.database", "postgres",
            "--postgres.gateway.sslmode", "disable");
        double newest = m[Series("xx_pgbackrest_wal_newest_segment_timestamp_seconds")];
        // Attempts before the stanza existed failed already: what counts is failures from now on.
        double failed = (await postgres.Scrape())["xx_postgres_wal_archive_failed_total{database=\"postgres\"}"];
        // The repository's segment folder made read-only: every archive-push fails (a full disk or a lost mount does the same).
        Run("chmod", "555", Path.GetDirectoryName(lost)!);
        _server.Execute("postgres", "INSERT INTO t SELECT generate_series(1, 1000); SELECT pg_switch_wal();");
        var archiver = await postgres.Until(m => m["xx_postgres_wal_archive_failed_total{database=\"postgres\"}"] > failed, TimeSpan.FromSeconds(30));
        Assert.True(archiver["xx_postgres_wal_archive_failed_total{database=\"postgres\"}"] > failed, archiver.Text);
        Assert.True(archiver["xx_postgres_wal_last_archive_failure_timestamp_seconds{database=\"postgres\"}"]
            >= archiver["xx_postgres_wal_last_archived_timestamp_seconds{database=\"postgres\"}"], archiver.Text);
        await Task.Delay(TimeSpan.FromSeconds(2));   // two rounds of the source
        m = await pgbackrest.Scrape();
        Assert.Equal(newest, m[Series("xx_pgbackrest_wal_newest_segment_timestamp_seconds")]);
    }

    /// <summary>A pgbackrest command as the cluster's user (PostgreSQL's files are its); its exit code.</summary>
    private int Backup(string command, params string[] options)
    {
        string[] arguments = [$"--config={Config}", $"--stanza={Stanza}", .. options, command];
        var (code, output) = Root ? Run("runuser", ["-u", "postgres", "--", "pgbackrest", .. arguments]) : Run("pgbackrest", arguments);
        Assert.True(code == 0 || command == "backup", $"pgbackrest {command}: {output}");
        return code;
    }

    private static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), $"{program} did not finish");
        return (process.ExitCode, output + error.Result);
    }

    public void Dispose()
    {
        _server.Dispose();
        _folder.Dispose();
    }
}

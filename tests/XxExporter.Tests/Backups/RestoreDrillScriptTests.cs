using System.Text.Json;
using Prometheus;
using XxExporter.Backups;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Backups;

/// <summary>
/// A live PostgreSQL 15 cluster on 127.0.0.1 holding a gateway database with rounds, archiving its WAL to a local
/// pgBackRest repository that holds one full backup, configured as docs/backups.md's recipe says (<see cref="Recipe"/>).
/// </summary>
public sealed class BackedUpCluster : IDisposable
{
    public const string Stanza = Recipe.Stanza;
    private readonly TempFolder _folder = new();

    public BackedUpCluster()
    {
        AsPostgres.Own(_folder.Path);
        Server = new PostgresServer(Recipe.PostgresSettings(Config));
        WriteConfig(Config, Repository);
        Server.Execute("postgres", "CREATE DATABASE cmix_gateway; CREATE DATABASE cmix_node;");
        Server.Execute("cmix_gateway", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Postgres", "gateway-schema.sql")));
        Server.Execute("cmix_gateway", """
            INSERT INTO client_rounds (id, timestamp) SELECT r, now() - (300 - r) * INTERVAL '1 second' FROM generate_series(1, 300) r;
            INSERT INTO rounds (id, update_id, info_blob, last_updated) SELECT r, r, decode('ab', 'hex'), now() FROM generate_series(1, 300) r;
            INSERT INTO states (key, value) VALUES ('Period', '1800000000000');
            """);
        AsPostgres.Succeed("pgbackrest", $"--config={Config}", $"--stanza={Stanza}", "stanza-create");
        AsPostgres.Succeed("pgbackrest", $"--config={Config}", $"--stanza={Stanza}", "--type=full", "backup");
        Label = Info(Config).GetProperty("label").GetString()!;
        BackupStop = DateTimeOffset.FromUnixTimeSeconds(Info(Config).GetProperty("timestamp").GetProperty("stop").GetInt64());
    }

    public PostgresServer Server { get; }

    public string Config => _folder.File("pgbackrest.conf");

    public string Repository => _folder.File("repo");

    /// <summary>The one backup set's label, as pgbackrest info names it.</summary>
    public string Label { get; }

    public DateTimeOffset BackupStop { get; }

    /// <summary>pgBackRest's configuration of this cluster with its repository at <paramref name="repository"/>.</summary>
    public void WriteConfig(string config, string repository)
    {
        File.WriteAllText(config, Recipe.PgBackRestConfig(repository, _folder.File("log"), Server,
            $"lock-path={_folder.File("lock")}", $"spool-path={_folder.File("spool")}"));
        AsPostgres.Own(config);
    }

    /// <summary>The newest backup set of the repository <paramref name="config"/> names.</summary>
    public static JsonElement Info(string config)
    {
        string json = AsPostgres.Succeed("pgbackrest", $"--config={config}", $"--stanza={Stanza}", "--output=json", "info");
        return JsonDocument.Parse(json).RootElement[0].GetProperty("backup").EnumerateArray().Last();
    }

    public void Dispose()
    {
        Server.Dispose();
        _folder.Dispose();
    }
}

/// <summary>Runs tools as the postgres user when the tests run as root (PostgreSQL's server refuses root), else as this user.</summary>
public static class AsPostgres
{
    private static readonly bool Root = Environment.UserName == "root";

    public static void Own(string path)
    {
        if (Root) Assert.Equal(0, Repository.RunAsync("chown", "-R", "postgres:postgres", path).Result.Code);
    }

    public static Task<(int Code, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, string program, params string[] args) =>
        Root ? Repository.RunAsync("runuser", ["-u", "postgres", "--", "env", .. environment.Select(e => $"{e.Key}={e.Value}"), program, .. args])
             : Repository.RunAsync("env", [.. environment.Select(e => $"{e.Key}={e.Value}"), program, .. args]);

    /// <summary>Runs the tool; its standard output (with its errors after it) if it exits 0, else fails the test.</summary>
    public static string Succeed(string program, params string[] args)
    {
        var (code, output) = RunAsync(new Dictionary<string, string>(), program, args).Result;
        Assert.True(code == 0, $"{program} {string.Join(' ', args)}: exit {code}: {output}");
        return output;
    }
}

/// <summary>
/// deploy/restore-drill/xx-restore-drill run as shipped against a real cluster and its backups: a pgBackRest set and
/// pg_dump files restore and pass, broken ones fail with the tool's reason, the live cluster is never touched, and the
/// exporter reads what the drill wrote.
/// </summary>
[FullLane]
public sealed class RestoreDrillScriptTests(BackedUpCluster cluster) : IClassFixture<BackedUpCluster>, IDisposable
{
    private static readonly string Script = Repository.PathOf("deploy/restore-drill/xx-restore-drill");
    private readonly TempFolder _run = new();

    public void Dispose() => _run.Dispose();

    private string ResultFile => _run.File("state/result");

    private string WorkDir => _run.File("work");

    /// <summary>Runs the drill over <paramref name="backups"/> (XX_DRILL_BACKUPS) with its result and throwaway clusters in this test's folder.</summary>
    private async Task<(int Code, string Output)> Drill(string backups, params (string Name, string Value)[] more)
    {
        Directory.CreateDirectory(_run.File("state"));
        Directory.CreateDirectory(WorkDir);
        AsPostgres.Own(_run.Path);
        var environment = new Dictionary<string, string>
        {
            ["XX_DRILL_BACKUPS"] = backups, ["XX_DRILL_RESULT_FILE"] = ResultFile, ["XX_DRILL_WORK_DIR"] = WorkDir,
            ["XX_DRILL_LIVE_DATA_DIRS"] = cluster.Server.DataDir,
        };
        foreach (var (name, value) in more) environment[name] = value;
        return await AsPostgres.RunAsync(environment, Script);
    }

    private RestoreDrill Result(string database)
    {
        var file = RestoreDrillResult.Parse(File.ReadAllBytes(ResultFile));
        Assert.Empty(file.Problems);
        return Assert.Single(file.Drills, drill => drill.Database == database);
    }

    /// <summary>The live cluster still runs, answers and holds its rows; the drill left no throwaway cluster behind.</summary>
    private void AssertLiveUntouchedAndNothingLeft()
    {
        Assert.Equal(300L, cluster.Server.Scalar<long>("cmix_gateway", "SELECT count(*) FROM client_rounds"));
        Assert.False(cluster.Server.Scalar<bool>("postgres", "SELECT pg_is_in_recovery()"));
        Assert.Empty(Directory.GetFileSystemEntries(WorkDir));
    }

    [Fact]
    public async Task A_pgbackrest_set_restores_and_the_result_names_its_label()
    {
        // Both databases of the one stanza, as docs/backups.md's recipe names them.
        string backups = Recipe.Block("drill").Split('\n').Single(line => line.StartsWith("XX_DRILL_BACKUPS=", StringComparison.Ordinal))["XX_DRILL_BACKUPS=".Length..];
        var (code, output) = await Drill(backups, ("XX_DRILL_PGBACKREST_CONFIG", cluster.Config));

        Assert.True(code == 0, output);
        foreach (string database in new[] { "cmix_gateway", "cmix_node" })
        {
            var drill = Result(database);
            Assert.True(drill.Passed, drill.Reason);
            Assert.Equal(("pgbackrest", cluster.Label, cluster.BackupStop, ""), (drill.Kind, drill.Label, drill.BackupTime, drill.Reason));
            Assert.InRange(drill.Finished, cluster.BackupStop, DateTimeOffset.UtcNow.AddSeconds(1));
        }
        AssertLiveUntouchedAndNothingLeft();
        // The promoted copy archived nothing into the live repository: no second timeline there.
        Assert.Empty(Directory.GetFiles(cluster.Repository, "00000002.history*", SearchOption.AllDirectories));

        // The exporter reads what the drill wrote.
        var registry = Metrics.NewCustomRegistry();
        var source = RestoreDrillSource.For(ResultFile, Metrics.WithCustomRegistry(registry)).Single();
        new ScrapeSources([source], new ExporterMetrics(Metrics.WithCustomRegistry(registry)), new CapturedLogs().Factory).CollectBeforeEachScrape(registry);
        var m = await Exposition.Of(registry);
        Assert.Equal(1, m["xx_restore_drill_success{database=\"cmix_gateway\"}"]);
        Assert.Equal(1, m[$"xx_restore_drill_backup_info{{database=\"cmix_gateway\",kind=\"pgbackrest\",label=\"{cluster.Label}\"}}"]);
        Assert.Equal(cluster.BackupStop.ToUnixTimeSeconds(), m["xx_restore_drill_backup_timestamp_seconds{database=\"cmix_gateway\"}"]);
        Assert.Equal(Result("cmix_node").Finished.ToUnixTimeSeconds(), m["xx_restore_drill_last_run_timestamp_seconds{database=\"cmix_node\"}"]);
    }

    public static TheoryData<string, string> Breakages => new()
    {
        // A file of the backup set garbled: the restore itself fails.
        { "corrupted backup file", "pgbackrest restore of" },
        // The WAL that makes the set consistent gone: it restores but cannot start.
        { "removed WAL segment", "PostgreSQL did not start on the restored data" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task A_broken_pgbackrest_repository_fails_with_the_reason(string breakage, string reason)
    {
        // A copy of the repository, broken, so the other tests keep theirs.
        string repository = _run.File("repo"), config = _run.File("pgbackrest.conf");
        Assert.Equal(0, (await Repository.RunAsync("cp", "-a", cluster.Repository, repository)).Code);
        cluster.WriteConfig(config, repository);
        if (breakage == "corrupted backup file")
        {
            string file = Directory.GetFiles(Path.Combine(repository, "backup", BackedUpCluster.Stanza, cluster.Label, "pg_data", "global"), "*.gz")
                .OrderByDescending(f => new FileInfo(f).Length).First();
            File.WriteAllText(file, "not gzip");
        }
        else
        {
            string start = BackedUpCluster.Info(config).GetProperty("archive").GetProperty("start").GetString()!;
            foreach (string segment in Directory.GetFiles(Path.Combine(repository, "archive"), start + "-*", SearchOption.AllDirectories)) File.Delete(segment);
        }

        var (code, output) = await Drill($"cmix_gateway=pgbackrest:{BackedUpCluster.Stanza}", ("XX_DRILL_PGBACKREST_CONFIG", config));

        Assert.True(code == 1, output);
        var drill = Result("cmix_gateway");
        Assert.False(drill.Passed);
        Assert.Equal(cluster.Label, drill.Label);
        Assert.StartsWith(reason, drill.Reason);
        AssertLiveUntouchedAndNothingLeft();
    }

    /// <summary>pg_dump's custom format of the live <paramref name="database"/>, over the cluster's socket (local logins are trusted).</summary>
    private async Task Dump(string database, string file)
    {
        var (code, output) = await Repository.RunAsync("pg_dump", "-Fc", "-h", cluster.Server.Folder, "-p", cluster.Server.Port.ToString(),
            "-U", "postgres", "-f", file, database);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task The_newest_pg_dump_file_of_a_folder_restores_and_passes()
    {
        string dumps = Directory.CreateDirectory(_run.File("cmix_gateway")).FullName;
        await Dump("cmix_gateway", Path.Combine(dumps, "cmix_gateway-old.dump"));
        File.SetLastWriteTimeUtc(Path.Combine(dumps, "cmix_gateway-old.dump"), DateTime.UtcNow.AddDays(-1));
        var before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await Dump("cmix_gateway", Path.Combine(dumps, "cmix_gateway-new.dump"));
        await Dump("cmix_node", _run.File("cmix_node-1.dump"));

        var (code, output) = await Drill($"cmix_gateway=dump:{dumps},cmix_node=dump:{_run.File("cmix_node-*.dump")}");

        Assert.True(code == 0, output);
        var gateway = Result("cmix_gateway");
        Assert.True(gateway.Passed, gateway.Reason);
        Assert.Equal(("dump", "cmix_gateway-new.dump"), (gateway.Kind, gateway.Label));
        Assert.InRange(gateway.BackupTime!.Value, before, DateTimeOffset.UtcNow);
        Assert.True(Result("cmix_node").Passed, Result("cmix_node").Reason);
        AssertLiveUntouchedAndNothingLeft();
    }

    [Fact]
    public async Task A_truncated_dump_fails_with_pg_restores_words()
    {
        string dump = _run.File("cmix_gateway.dump");
        await Dump("cmix_gateway", dump);
        File.WriteAllBytes(dump, File.ReadAllBytes(dump)[..4000]);

        var (code, output) = await Drill($"cmix_gateway=dump:{dump}");

        Assert.True(code == 1, output);
        var drill = Result("cmix_gateway");
        Assert.False(drill.Passed);
        Assert.Equal("cmix_gateway.dump", drill.Label);
        Assert.Contains("pg_restore", drill.Reason);
        AssertLiveUntouchedAndNothingLeft();
    }

    [Fact]
    public async Task A_gateway_backup_whose_newest_round_is_long_before_its_time_fails()
    {
        // A gateway that stored no round for two days before its dump: the restored rows are older than the backup says.
        cluster.Server.Execute("postgres", "CREATE DATABASE stale_gateway");
        cluster.Server.Execute("stale_gateway", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Postgres", "gateway-schema.sql")) +
            "INSERT INTO client_rounds VALUES (1, now() - INTERVAL '2 days'); INSERT INTO rounds VALUES (1, 1, NULL, now() - INTERVAL '2 days');");
        string dump = _run.File("stale.dump");
        await Dump("stale_gateway", dump);

        var (code, output) = await Drill($"cmix_gateway=dump:{dump}");

        Assert.True(code == 1, output);
        Assert.False(Result("cmix_gateway").Passed);
        Assert.Contains("cmix_gateway's newest round is from", Result("cmix_gateway").Reason);
        Assert.Contains("XX_DRILL_GATEWAY_MAX_LAG", Result("cmix_gateway").Reason);
    }

    [Fact]
    public async Task It_refuses_to_restore_inside_the_live_data_directory()
    {
        var (code, output) = await Drill($"cmix_gateway=pgbackrest:{BackedUpCluster.Stanza}",
            ("XX_DRILL_PGBACKREST_CONFIG", cluster.Config), ("XX_DRILL_WORK_DIR", Path.Combine(cluster.Server.DataDir, "pg_wal")));

        Assert.Equal(2, code);
        Assert.Contains($"is inside the live data directory {cluster.Server.DataDir}", output);
        Assert.False(File.Exists(ResultFile));
        AssertLiveUntouchedAndNothingLeft();
    }

}

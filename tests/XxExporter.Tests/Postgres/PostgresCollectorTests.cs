using System.Diagnostics;
using Prometheus;
using XxExporter.Hosting;
using XxExporter.Postgres;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresCollectorTests(GatewayDatabase db) : IAsyncDisposable
{
    private readonly CapturedLogs _logs = new();
    private readonly List<PostgresCollectors> _created = new();

    /// <summary>Collectors built from real flags, with the password in the environment as README says.</summary>
    private (PostgresCollectors Collectors, CollectorRegistry Registry) Collectors(string password = GatewayDatabase.ExporterPassword,
        int? port = null, string gatewayDatabase = "cmix_gateway", string timeout = "2s", bool withNode = false)
    {
        var args = new List<string>
        {
            "--postgres.gateway.host", "127.0.0.1", "--postgres.gateway.port", (port ?? db.Server.Port).ToString(),
            "--postgres.gateway.user", GatewayDatabase.ExporterRole, "--postgres.gateway.database", gatewayDatabase,
            "--postgres.gateway.sslmode", "disable", "--postgres.timeout", timeout,
        };
        if (withNode)
        {
            args.AddRange(["--postgres.node.host", "127.0.0.1", "--postgres.node.port", db.Server.Port.ToString(),
                "--postgres.node.user", GatewayDatabase.ExporterRole, "--postgres.node.sslmode", "disable"]);
        }
        Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD", password);
        Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__NODE__PASSWORD", GatewayDatabase.ExporterPassword);
        ExporterSettings settings;
        try
        {
            settings = ExporterSettings.Load(CommandLine.Parse(args));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD", null);
            Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__NODE__PASSWORD", null);
        }
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var collectors = new PostgresCollectors(settings.Postgres, factory, new ExporterMetrics(factory), _logs.Factory);
        collectors.CollectBeforeEachScrape(registry);
        _created.Add(collectors);
        return (collectors, registry);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var collectors in _created) await collectors.DisposeAsync();
    }

    [Fact]
    public async Task A_healthy_gateway_database_as_a_pg_monitor_role()
    {
        var (_, registry) = Collectors(withNode: true);
        var m = await Exposition.Of(registry);
        Assert.Equal(1, m["xx_postgres_up{database=\"cmix_gateway\"}"]);
        Assert.Equal(1, m["xx_postgres_up{database=\"cmix_node\"}"]);
        Assert.Equal(db.Server.Scalar<long>("cmix_gateway", "SELECT pg_database_size('cmix_gateway')"),
            m["xx_postgres_database_size_bytes{database=\"cmix_gateway\"}"], 0.01 * m["xx_postgres_database_size_bytes{database=\"cmix_gateway\"}"]);
        Assert.True(m["xx_postgres_connections{database=\"cmix_gateway\",state=\"active\"}"] >= 1); // the collector itself
        Assert.Equal(0, m["xx_postgres_connections{database=\"cmix_gateway\",state=\"idle_in_transaction\"}"]);
        Assert.Equal(100, m["xx_postgres_max_connections{database=\"cmix_gateway\"}"]);
        Assert.True(m["xx_postgres_transactions_committed_total{database=\"cmix_gateway\"}"] > 0);
        Assert.True(m["xx_postgres_blocks_hit_total{database=\"cmix_gateway\"}"] > 0);
        Assert.Equal(0, m["xx_postgres_deadlocks_total{database=\"cmix_gateway\"}"]);
        Assert.InRange(m["xx_postgres_start_time_seconds{database=\"cmix_gateway\"}"], DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Contains(m.Series, s => s.StartsWith("xx_postgres_server_info{database=\"cmix_gateway\",version=\"15."));
        Assert.Equal(0, m["xx_postgres_in_recovery{database=\"cmix_gateway\"}"]);
        Assert.False(m.Has("xx_postgres_replay_lag_seconds{database=\"cmix_gateway\"}"));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"postgres_cmix_gateway\"}"]);

        // Tables: every known one (the empty ones too), with sizes that include indexes and TOAST.
        foreach (string table in new[] { "clients", "rounds", "client_rounds", "mixed_messages", "client_bloom_filters", "states" })
            Assert.True(m.Has($"xx_postgres_table_size_bytes{{database=\"cmix_gateway\",table=\"{table}\"}}"), table);
        Assert.Equal(db.Server.Scalar<long>("cmix_gateway", "SELECT pg_total_relation_size('mixed_messages')"),
            m["xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"mixed_messages\"}"]);
        Assert.Equal(30000, m["xx_gateway_estimated_rows{table=\"mixed_messages\"}"]);
        Assert.Equal(GatewayDatabase.Rounds, m["xx_gateway_estimated_rows{table=\"client_rounds\"}"]);
        Assert.Equal(new DateTimeOffset(2023, 7, 26, 14, 0, 0, TimeSpan.Zero).AddSeconds(30 * GatewayDatabase.Rounds).ToUnixTimeSeconds(),
            m["xx_gateway_last_stored_round_timestamp_seconds{database=\"cmix_gateway\"}"]);
        // The node database has none of the xx tables: only what exists is exported.
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_postgres_table_size_bytes{database=\"cmix_node\""));
        await Promtool.AssertLintClean(m.Text);
    }

    [Fact]
    public async Task Dead_rows_show_after_the_gateway_deletes_old_rounds()
    {
        db.Server.Execute("cmix_gateway", "CREATE TABLE IF NOT EXISTS churn (id int); INSERT INTO churn SELECT generate_series(1, 1000);");
        db.Server.Execute("cmix_gateway", "DELETE FROM churn WHERE id <= 400; SELECT pg_stat_force_next_flush();");
        var (_, registry) = Collectors();
        var m = await Exposition.Of(registry);
        Assert.Equal(400, m["xx_postgres_table_dead_rows{database=\"cmix_gateway\",table=\"churn\"}"]);
        Assert.Equal(600, m["xx_postgres_table_live_rows{database=\"cmix_gateway\",table=\"churn\"}"]);
        db.Server.Execute("cmix_gateway", "DROP TABLE churn");
    }

    [Fact]
    public async Task Other_tables_are_capped_to_the_largest()
    {
        var args = CommandLine.Parse(["--postgres.gateway.host", "127.0.0.1", "--postgres.other-tables", "1"]);
        Assert.Equal(1, ExporterSettings.Load(args).Postgres.OtherTables);
        string sql = PostgresQueries.Tables(1);
        var names = new List<string>();
        await using (var connection = new Npgsql.NpgsqlConnection(db.Server.ConnectionString("cmix_gateway")))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        }
        Assert.Contains("scratch_big", names);
        Assert.DoesNotContain("scratch_small", names);
        Assert.Contains("mixed_messages", names);
    }

    [Fact]
    public async Task Wal_archiving_successes_and_failures_are_counted()
    {
        var (_, registry) = Collectors();
        var before = await Exposition.Of(registry);
        db.Server.Execute("cmix_gateway", "CREATE TABLE IF NOT EXISTS wal_churn (id int); INSERT INTO wal_churn SELECT generate_series(1, 1000); SELECT pg_switch_wal();");
        var archived = await Exposition.Until(registry, m => m["xx_postgres_wal_archived_total{database=\"cmix_gateway\"}"] > before["xx_postgres_wal_archived_total{database=\"cmix_gateway\"}"], TimeSpan.FromSeconds(15));
        Assert.True(archived["xx_postgres_wal_last_archived_timestamp_seconds{database=\"cmix_gateway\"}"] > 0);

        File.WriteAllText(db.ArchiveFailMarker, "");
        try
        {
            db.Server.Execute("cmix_gateway", "INSERT INTO wal_churn SELECT generate_series(1, 1000); SELECT pg_switch_wal();");
            var failed = await Exposition.Until(registry, m => m["xx_postgres_wal_archive_failed_total{database=\"cmix_gateway\"}"] > 0, TimeSpan.FromSeconds(15));
            Assert.True(failed["xx_postgres_wal_last_archive_failure_timestamp_seconds{database=\"cmix_gateway\"}"] > 0);
        }
        finally
        {
            File.Delete(db.ArchiveFailMarker);
        }
    }

    [Fact]
    public async Task A_standby_reports_recovery_and_replay_lag()
    {
        using var standbyFolder = new TempFolder();
        var standby = StandbyOf(standbyFolder);
        try
        {
            var args = CommandLine.Parse(["--postgres.gateway.host", "127.0.0.1", "--postgres.gateway.port", standby.Port.ToString(),
                "--postgres.gateway.user", "postgres", "--postgres.gateway.sslmode", "disable"]);
            Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD", PostgresServer.SuperuserPassword);
            var settings = ExporterSettings.Load(args);
            Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD", null);
            var registry = Metrics.NewCustomRegistry();
            var factory = Metrics.WithCustomRegistry(registry);
            await using var collectors = new PostgresCollectors(settings.Postgres, factory, new ExporterMetrics(factory), _logs.Factory);
            collectors.CollectBeforeEachScrape(registry);
            var m = await Exposition.Of(registry);
            Assert.Equal(1, m["xx_postgres_up{database=\"cmix_gateway\"}"]);
            Assert.Equal(1, m["xx_postgres_in_recovery{database=\"cmix_gateway\"}"]);
            Assert.True(m["xx_postgres_replay_lag_seconds{database=\"cmix_gateway\"}"] >= 0);
        }
        finally
        {
            standby.Kill();
        }
    }

    private (int Port, Action Kill) StandbyOf(TempFolder folder)
    {
        // pg_basebackup -R writes the standby settings; the copy runs as its own server on another port.
        int port = Loopback.FreePort();
        string data = Path.Combine(folder.Path, "data");
        bool root = Environment.UserName == "root";
        if (root) Process.Start("chown", ["postgres:postgres", folder.Path])!.WaitForExit();
        string bin = Path.GetDirectoryName(Directory.GetFiles("/usr/lib/postgresql", "pg_ctl", SearchOption.AllDirectories).Max())!;
        void Tool(params string[] args)
        {
            var start = new ProcessStartInfo(root ? "runuser" : args[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
            start.Environment["PGPASSWORD"] = PostgresServer.SuperuserPassword;
            foreach (string arg in root ? ["-u", "postgres", "--", .. args] : args[1..]) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            string output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, output);
        }
        Tool(Path.Combine(bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", db.Server.Port.ToString(), "-U", "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast");
        Tool(Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(folder.Path, "log"), "-w", "-o",
            $"-p {port} -c listen_addresses=127.0.0.1 -k {folder.Path} -c archive_mode=off", "start");
        return (port, () => Tool(Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"));
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("unknown database")]
    [InlineData("server down")]
    public async Task Refused_or_unreachable_is_down_within_the_timeout_and_never_shows_the_password(string fault)
    {
        const string wrongPassword = "Wr0ng-Pa55word-xyz";
        var (_, registry) = fault switch
        {
            "wrong password" => Collectors(password: wrongPassword),
            "unknown database" => Collectors(gatewayDatabase: "no_such_db"),
            _ => Collectors(port: Loopback.FreePort()),
        };
        var elapsed = Stopwatch.StartNew();
        var m = await Exposition.Of(registry);
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(3), $"took {elapsed.Elapsed}");
        string database = fault == "unknown database" ? "no_such_db" : "cmix_gateway";
        Assert.Equal(0, m[$"xx_postgres_up{{database=\"{database}\"}}"]);
        Assert.Equal(0, m[$"xx_exporter_collector_success{{collector=\"postgres_{database}\"}}"]);
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_postgres_database_size_bytes"));
        Assert.Contains("not answering", _logs.All);
        foreach (string secret in new[] { wrongPassword, GatewayDatabase.ExporterPassword })
        {
            Assert.DoesNotContain(secret, _logs.All);
            Assert.DoesNotContain(secret, m.Text);
        }
    }

    [Fact]
    public async Task A_server_killed_and_restarted_goes_down_and_up_again()
    {
        using var server = new PostgresServer();
        server.Execute("postgres", $"CREATE ROLE {GatewayDatabase.ExporterRole} LOGIN PASSWORD '{GatewayDatabase.ExporterPassword}'; GRANT pg_monitor TO {GatewayDatabase.ExporterRole};");
        var (_, registry) = Collectors(port: server.Port, gatewayDatabase: "postgres");
        Assert.Equal(1, (await Exposition.Of(registry))["xx_postgres_up{database=\"postgres\"}"]);
        server.Kill();
        var down = await Exposition.Of(registry);
        Assert.Equal(0, down["xx_postgres_up{database=\"postgres\"}"]);
        Assert.False(down.Has("xx_postgres_table_size_bytes{database=\"postgres\",table=\"clients\"}"));
        server.Start();
        Assert.Equal(1, (await Exposition.Of(registry))["xx_postgres_up{database=\"postgres\"}"]);
    }

    [Fact]
    public async Task A_server_killed_in_the_middle_of_a_scrape_is_down_within_the_timeout()
    {
        using var server = new PostgresServer();
        server.Execute("postgres", $"CREATE ROLE {GatewayDatabase.ExporterRole} LOGIN PASSWORD '{GatewayDatabase.ExporterPassword}'; GRANT pg_monitor TO {GatewayDatabase.ExporterRole};");
        server.Execute("postgres", $"CREATE TABLE client_rounds (id bigint PRIMARY KEY, timestamp timestamptz NOT NULL); GRANT SELECT ON client_rounds TO {GatewayDatabase.ExporterRole};");
        var (_, registry) = Collectors(port: server.Port, gatewayDatabase: "postgres", timeout: "3s");
        Assert.Equal(1, (await Exposition.Of(registry))["xx_postgres_up{database=\"postgres\"}"]);
        // Hold the scrape inside its query, then kill the server under it.
        var blocker = new Npgsql.NpgsqlConnection(server.ConnectionString());
        await blocker.OpenAsync();
        await using (var lockTable = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE client_rounds IN ACCESS EXCLUSIVE MODE", blocker))
            await lockTable.ExecuteNonQueryAsync();
        var elapsed = Stopwatch.StartNew();
        var scrape = Exposition.Of(registry);
        await Task.Delay(300);
        Assert.False(scrape.IsCompleted);
        server.Kill();
        var m = await scrape;
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(4.5), $"took {elapsed.Elapsed}");
        Assert.Equal(0, m["xx_postgres_up{database=\"postgres\"}"]);
        await blocker.DisposeAsync();
    }

    [Fact]
    public async Task A_query_blocked_on_purpose_times_out_and_failing_scrapes_never_exceed_the_connection_cap()
    {
        var (_, registry) = Collectors(timeout: "300ms");
        Assert.Equal(1, (await Exposition.Of(registry))["xx_postgres_up{database=\"cmix_gateway\"}"]);
        var blocker = await LockClientRounds();

        var elapsed = Stopwatch.StartNew();
        var blocked = await Exposition.Of(registry);
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2), $"took {elapsed.Elapsed}");
        Assert.Equal(0, blocked["xx_postgres_up{database=\"cmix_gateway\"}"]);
        Assert.DoesNotContain(blocked.Series, s => s.StartsWith("xx_gateway_last_stored_round_timestamp_seconds")); // not a stale or zero time

        // 100 scrapes, ten at a time, all failing: the server never sees more exporter connections than the cap (2).
        double most = 0;
        for (int round = 0; round < 10; round++)
        {
            var scrapes = Enumerable.Range(0, 10).Select(_ => Exposition.Of(registry)).ToList();
            most = Math.Max(most, ExporterConnections());
            foreach (var scrape in await Task.WhenAll(scrapes)) Assert.Equal(0, scrape["xx_postgres_up{database=\"cmix_gateway\"}"]);
            most = Math.Max(most, ExporterConnections());
        }
        Assert.InRange(most, 0, 2);
        await blocker.DisposeAsync();
        Assert.Equal(1, (await Exposition.Until(registry, m => m["xx_postgres_up{database=\"cmix_gateway\"}"] == 1, TimeSpan.FromSeconds(15)))["xx_postgres_up{database=\"cmix_gateway\"}"]);
    }

    private double ExporterConnections() =>
        db.Server.Scalar<long>("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'xx-exporter'");

    [Fact]
    public async Task A_table_dropped_while_running_disappears_and_the_rest_goes_on()
    {
        db.Server.Execute("cmix_gateway", "CREATE TABLE doomed (id int); INSERT INTO doomed VALUES (1);");
        var (_, registry) = Collectors();
        Assert.True((await Exposition.Of(registry)).Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"doomed\"}"));
        db.Server.Execute("cmix_gateway", "DROP TABLE doomed");
        var after = await Exposition.Of(registry);
        Assert.Equal(1, after["xx_postgres_up{database=\"cmix_gateway\"}"]);
        Assert.False(after.Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"doomed\"}"));
        Assert.True(after.Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"mixed_messages\"}"));
    }

    [Fact]
    public async Task Concurrent_scrapes_share_one_collection()
    {
        var (collectors, registry) = Collectors(timeout: "1s");
        await Exposition.Of(registry);
        await using var blocker = await LockClientRounds();
        int before = collectors.All[0].Runs;
        var scrapes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Exposition.Of(registry)));
        Assert.Equal(1, collectors.All[0].Runs - before);
        Assert.All(scrapes, m => Assert.Equal(0, m["xx_postgres_up{database=\"cmix_gateway\"}"]));
    }

    /// <summary>Holds an exclusive lock on client_rounds until disposed, so the collector's query waits.</summary>
    private async Task<Npgsql.NpgsqlConnection> LockClientRounds()
    {
        var connection = new Npgsql.NpgsqlConnection(db.Server.ConnectionString("cmix_gateway"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE client_rounds IN ACCESS EXCLUSIVE MODE", connection);
        await command.ExecuteNonQueryAsync();
        return connection;
    }
}

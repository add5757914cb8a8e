using System.Diagnostics;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Postgres;

[Collection(PostgresCollection.Name)]
[FullLane]
public sealed class PostgresSourceTests(GatewayDatabase db) : IAsyncLifetime
{
    /// <summary>The tables of the xx schemas, exported whatever their size.</summary>
    private static readonly string[] KnownTables = ["clients", "rounds", "client_rounds", "mixed_messages", "client_bloom_filters", "states"];

    private readonly CapturedLogs _logs = new();
    private readonly List<PostgresScrapes> _created = new();

    /// <summary>The gateway database (and the node's, <paramref name="withNode"/>) read as the exporter's pg_monitor role.</summary>
    private PostgresScrapes Scrapes(string password = GatewayDatabase.ExporterPassword, int? port = null, string gatewayDatabase = "cmix_gateway",
        string timeout = "2s", bool withNode = false, string user = GatewayDatabase.ExporterRole, params string[] flags)
    {
        List<string> args =
        [
            "--postgres.gateway.host", "127.0.0.1", "--postgres.gateway.port", (port ?? db.Server.Port).ToString(),
            "--postgres.gateway.user", user, "--postgres.gateway.database", gatewayDatabase,
            "--postgres.gateway.sslmode", "disable", "--postgres.timeout", timeout, .. flags,
        ];
        if (withNode)
        {
            args.AddRange(["--postgres.node.host", "127.0.0.1", "--postgres.node.port", db.Server.Port.ToString(),
                "--postgres.node.user", GatewayDatabase.ExporterRole, "--postgres.node.sslmode", "disable"]);
        }
        var scrapes = new PostgresScrapes(_logs.Factory, password, [.. args]);
        _created.Add(scrapes);
        return scrapes;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Closes the pools: a later test counts the exporter's connections.</summary>
    public async Task DisposeAsync()
    {
        foreach (var scrapes in _created) await scrapes.DisposeAsync();
    }

    [Fact]
    public async Task A_healthy_gateway_database_as_a_pg_monitor_role()
    {
        var postgres = Scrapes(withNode: true);
        var m = await postgres.Scrape();
        Assert.Equal(1, m["xx_postgres_up{database=\"cmix_gateway\"}"]);
        Assert.Equal(1, m["xx_postgres_up{database=\"cmix_node\"}"]);
        Assert.Equal(0, m["xx_postgres_access_denied{database=\"cmix_gateway\"}"]);
        Assert.Equal(db.Server.Scalar<long>("cmix_gateway", "SELECT pg_database_size('cmix_gateway')"),
            m["xx_postgres_database_size_bytes{database=\"cmix_gateway\"}"], 0.01 * m["xx_postgres_database_size_bytes{database=\"cmix_gateway\"}"]);
        Assert.True(m["xx_postgres_connections{database=\"cmix_gateway\",state=\"active\"}"] >= 1); // the collector itself
        foreach (string state in new[] { "idle_in_transaction", "idle_in_transaction_aborted", "fastpath_function_call", "disabled" })
            Assert.Equal(0, m[$"xx_postgres_connections{{database=\"cmix_node\",state=\"{state}\"}}"]);   // there from 0
        Assert.True(m.Has("xx_postgres_oldest_transaction_age_seconds{database=\"cmix_gateway\"}"));
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
        foreach (string table in KnownTables)
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
        var postgres = Scrapes();
        var m = await postgres.Scrape();
        Assert.Equal(400, m["xx_postgres_table_dead_rows{database=\"cmix_gateway\",table=\"churn\"}"]);
        Assert.Equal(600, m["xx_postgres_table_live_rows{database=\"cmix_gateway\",table=\"churn\"}"]);
        db.Server.Execute("cmix_gateway", "DROP TABLE churn");
    }

    [Fact]
    public async Task Other_tables_are_capped_to_the_largest()
    {
        var m = await Scrapes(flags: ["--postgres.other-tables", "1"]).Scrape();
        Assert.True(m.Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"scratch_big\"}"));
        Assert.False(m.Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"scratch_small\"}"));
        Assert.True(m.Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"mixed_messages\"}"));
        Assert.Single(m.Series, s => s.StartsWith("xx_postgres_table_size_bytes{") && !KnownTables.Any(t => s.EndsWith($"table=\"{t}\"}}")));
    }

    [Fact]
    public async Task Wal_archiving_successes_and_failures_are_counted()
    {
        var postgres = Scrapes();
        var before = await postgres.Scrape();
        db.Server.Execute("cmix_gateway", "CREATE TABLE IF NOT EXISTS wal_churn (id int); INSERT INTO wal_churn SELECT generate_series(1, 1000); SELECT pg_switch_wal();");
        var archived = await postgres.Until(m => m["xx_postgres_wal_archived_total{database=\"cmix_gateway\"}"] > before["xx_postgres_wal_archived_total{database=\"cmix_gateway\"}"], TimeSpan.FromSeconds(15));
        Assert.True(archived["xx_postgres_wal_last_archived_timestamp_seconds{database=\"cmix_gateway\"}"] > 0);

        File.WriteAllText(db.ArchiveFailMarker, "");
        try
        {
            db.Server.Execute("cmix_gateway", "INSERT INTO wal_churn SELECT generate_series(1, 1000); SELECT pg_switch_wal();");
            var failed = await postgres.Until(m => m["xx_postgres_wal_archive_failed_total{database=\"cmix_gateway\"}"] > 0, TimeSpan.FromSeconds(15));
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
            await using var postgres = new PostgresScrapes(_logs.Factory, PostgresServer.SuperuserPassword, "--postgres.gateway.host", "127.0.0.1",
                "--postgres.gateway.port", standby.Port.ToString(), "--postgres.gateway.user", "postgres", "--postgres.gateway.sslmode", "disable");
            var m = await postgres.Scrape();
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

    /// <summary>
    /// The server's answer to the login (SQLSTATE 28P01 for the password, 28000 for a role without LOGIN, 42501 for a
    /// database the role may not connect to) is told apart from a database it does not have (3D000) and from no
    /// server at all.
    /// </summary>
    [Theory]
    [InlineData("wrong password", 1)]
    [InlineData("role may not log in", 1)]
    [InlineData("no connect privilege", 1)]
    [InlineData("unknown database", 0)]
    [InlineData("server down", 0)]
    public async Task Refused_or_unreachable_is_down_within_the_timeout_and_never_shows_the_password(string fault, int accessDenied)
    {
        const string wrongPassword = "Wr0ng-Pa55word-xyz";
        if (fault == "role may not log in")
        {
            db.Server.Execute("postgres", $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'xx_no_login') THEN
                    CREATE ROLE xx_no_login NOLOGIN PASSWORD '{GatewayDatabase.ExporterPassword}';
                  END IF;
                END $$;
                """);
        }
        if (fault == "no connect privilege" && db.Server.Scalar<long>("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'xx_private'") == 0)
        {
            db.Server.Execute("postgres", "CREATE DATABASE xx_private");
            db.Server.Execute("postgres", "REVOKE CONNECT ON DATABASE xx_private FROM PUBLIC");
        }
        var postgres = fault switch
        {
            "wrong password" => Scrapes(password: wrongPassword),
            "role may not log in" => Scrapes(user: "xx_no_login"),
            "no connect privilege" => Scrapes(gatewayDatabase: "xx_private"),
            "unknown database" => Scrapes(gatewayDatabase: "no_such_db"),
            _ => Scrapes(port: Loopback.FreePort()),
        };
        var elapsed = Stopwatch.StartNew();
        var m = await postgres.Scrape();
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(3), $"took {elapsed.Elapsed}");
        string database = fault switch { "unknown database" => "no_such_db", "no connect privilege" => "xx_private", _ => "cmix_gateway" };
        Assert.Equal(0, m[$"xx_postgres_up{{database=\"{database}\"}}"]);
        Assert.Equal(accessDenied, m[$"xx_postgres_access_denied{{database=\"{database}\"}}"]);
        Assert.Equal(0, m[$"xx_exporter_collector_success{{collector=\"postgres_{database}\"}}"]);
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_postgres_database_size_bytes"));
        Assert.Contains(accessDenied == 1 ? "refuses the exporter's role: " : "is not answering", _logs.All);
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
        var postgres = Scrapes(port: server.Port, gatewayDatabase: "postgres");
        Assert.Equal(1, (await postgres.Scrape())["xx_postgres_up{database=\"postgres\"}"]);
        server.Kill();
        var down = await postgres.Scrape();
        Assert.Equal(0, down["xx_postgres_up{database=\"postgres\"}"]);
        Assert.Equal(0, down["xx_postgres_access_denied{database=\"postgres\"}"]);   // stopped: not a refused login
        Assert.False(down.Has("xx_postgres_table_size_bytes{database=\"postgres\",table=\"clients\"}"));
        server.Start();
        postgres.Clock.Advance(FlipLimitedLog.Interval); // a change is logged at most once a minute
        Assert.Equal(1, (await postgres.Scrape())["xx_postgres_up{database=\"postgres\"}"]);
        Assert.Single(_logs.Lines, line => line.Contains($"postgres_postgres: {GatewayDatabase.ExporterRole}@127.0.0.1:{server.Port}/postgres is not answering: "));
        Assert.Single(_logs.Lines, line => line.Contains("postgres_postgres: working again"));
    }

    [Fact]
    public async Task A_server_killed_in_the_middle_of_a_scrape_is_down_within_the_timeout()
    {
        using var server = new PostgresServer();
        server.Execute("postgres", $"CREATE ROLE {GatewayDatabase.ExporterRole} LOGIN PASSWORD '{GatewayDatabase.ExporterPassword}'; GRANT pg_monitor TO {GatewayDatabase.ExporterRole};");
        server.Execute("postgres", $"CREATE TABLE client_rounds (id bigint PRIMARY KEY, timestamp timestamptz NOT NULL); GRANT SELECT ON client_rounds TO {GatewayDatabase.ExporterRole};");
        var postgres = Scrapes(port: server.Port, gatewayDatabase: "postgres", timeout: "3s");
        Assert.Equal(1, (await postgres.Scrape())["xx_postgres_up{database=\"postgres\"}"]);
        // Hold the scrape inside its query, then kill the server under it.
        var blocker = new Npgsql.NpgsqlConnection(server.ConnectionString());
        await blocker.OpenAsync();
        await using (var lockTable = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE client_rounds IN ACCESS EXCLUSIVE MODE", blocker))
            await lockTable.ExecuteNonQueryAsync();
        var elapsed = Stopwatch.StartNew();
        var scrape = postgres.Scrape();
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
        var postgres = Scrapes(timeout: "300ms");
        // The first connection of a cold test run may take longer than the 300ms.
        Assert.Equal(1, (await postgres.Until(m => m["xx_postgres_up{database=\"cmix_gateway\"}"] == 1, TimeSpan.FromSeconds(10)))["xx_postgres_up{database=\"cmix_gateway\"}"]);
        var blocker = await LockClientRounds();

        var elapsed = Stopwatch.StartNew();
        var blocked = await postgres.Scrape();
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2), $"took {elapsed.Elapsed}");
        Assert.Equal(0, blocked["xx_postgres_up{database=\"cmix_gateway\"}"]);
        Assert.DoesNotContain(blocked.Series, s => s.StartsWith("xx_gateway_last_stored_round_timestamp_seconds")); // not a stale or zero time

        // 100 scrapes, ten at a time, all failing: the server never sees more exporter connections than the cap (2).
        double most = 0;
        for (int round = 0; round < 10; round++)
        {
            var scrapes = Enumerable.Range(0, 10).Select(_ => postgres.Scrape()).ToList();
            most = Math.Max(most, ExporterConnections());
            foreach (var scrape in await Task.WhenAll(scrapes)) Assert.Equal(0, scrape["xx_postgres_up{database=\"cmix_gateway\"}"]);
            most = Math.Max(most, ExporterConnections());
        }
        Assert.InRange(most, 0, 2);
        await blocker.DisposeAsync();
        Assert.Equal(1, (await postgres.Until(m => m["xx_postgres_up{database=\"cmix_gateway\"}"] == 1, TimeSpan.FromSeconds(15)))["xx_postgres_up{database=\"cmix_gateway\"}"]);
    }

    private double ExporterConnections() =>
        db.Server.Scalar<long>("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'xx-exporter'");

    [Fact]
    public async Task A_table_dropped_while_running_disappears_and_the_rest_goes_on()
    {
        db.Server.Execute("cmix_gateway", "CREATE TABLE doomed (id int); INSERT INTO doomed VALUES (1);");
        var postgres = Scrapes();
        Assert.True((await postgres.Scrape()).Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"doomed\"}"));
        db.Server.Execute("cmix_gateway", "DROP TABLE doomed");
        var after = await postgres.Scrape();
        Assert.Equal(1, after["xx_postgres_up{database=\"cmix_gateway\"}"]);
        Assert.False(after.Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"doomed\"}"));
        Assert.True(after.Has("xx_postgres_table_size_bytes{database=\"cmix_gateway\",table=\"mixed_messages\"}"));
    }

    [Fact]
    public async Task Concurrent_scrapes_share_one_read()
    {
        var postgres = Scrapes(timeout: "2s");
        await postgres.Scrape();
        await using var blocker = await LockClientRounds();
        var scrapes = Task.WhenAll(Enumerable.Range(0, 20).Select(_ => postgres.Scrape()));
        // Reads of their own would put as many backends as the pool allows (2) behind the lock.
        double most = 0;
        while (!scrapes.IsCompleted)
        {
            most = Math.Max(most, db.Server.Scalar<long>("postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'xx-exporter' AND wait_event_type = 'Lock'"));
            await Task.Delay(50);
        }
        Assert.Equal(1, most);
        Assert.All(await scrapes, m => Assert.Equal(0, m["xx_postgres_up{database=\"cmix_gateway\"}"]));
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

namespace XxExporter.Postgres;

/// <summary>
/// What the Postgres source asks each database, and beside each query what its rows become. Every query reads
/// catalog views or statistics, never <c>count(*)</c> of a big table, and works for a role with <c>pg_monitor</c>
/// (plus SELECT on <c>client_rounds</c> for <see cref="LastStoredRound"/>). Numbers come as float8.
/// </summary>
public static class PostgresQueries
{
    /// <summary>Tables of the xx schemas: always exported, whatever their size.</summary>
    private static readonly string[] KnownTables = ["clients", "rounds", "client_rounds", "mixed_messages", "client_bloom_filters", "states"];

    /// <summary>The gateway tables whose planner row estimates are exported as <c>xx_gateway_estimated_rows</c>.</summary>
    private static readonly string[] GatewayGrowthTables = ["mixed_messages", "client_rounds", "rounds", "client_bloom_filters"];

    /// <summary>The queries of one read, sent as one batch.</summary>
    public static IReadOnlyList<PostgresQuery> Batch(int otherTables) => [Database, Connections, Archiver, Tables(otherTables)];

    /// <summary>One row: size, transaction and block counters, server start, version, limits, recovery state.</summary>
    public static readonly PostgresQuery Database = new("""
        SELECT pg_database_size(current_database())::float8 AS size_bytes,
               d.xact_commit::float8 AS commits, d.xact_rollback::float8 AS rollbacks, d.deadlocks::float8 AS deadlocks,
               d.temp_bytes::float8 AS temp_bytes, d.blks_read::float8 AS blocks_read, d.blks_hit::float8 AS blocks_hit,
               extract(epoch FROM pg_postmaster_start_time())::float8 AS start_time,
               current_setting('server_version') AS version,
               current_setting('max_connections')::float8 AS max_connections,
               pg_is_in_recovery() AS in_recovery,
               CASE WHEN pg_is_in_recovery()
                    THEN coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS replay_lag_seconds
        FROM pg_stat_database d
        WHERE d.datname = current_database()
        """, (row, m) =>
    {
        row.Set(m.Size, row["size_bytes"]);
        row.Set(m.Commits, row["commits"]);
        row.Set(m.Rollbacks, row["rollbacks"]);
        row.Set(m.Deadlocks, row["deadlocks"]);
        row.Set(m.TempBytes, row["temp_bytes"]);
        row.Set(m.BlocksRead, row["blocks_read"]);
        row.Set(m.BlocksHit, row["blocks_hit"]);
        row.Set(m.StartTime, row["start_time"]);
        row.Set(m.ServerInfo, 1, row.Text("version"));
        row.Set(m.MaxConnections, row["max_connections"]);
        row.Set(m.InRecovery, row.Flag("in_recovery") ? 1 : 0);
        row.SetIfKnown(m.ReplayLag, row.Maybe("replay_lag_seconds"));
    }, NoRows: "pg_stat_database has no row for this database");

    /// <summary>The states pg_stat_activity shows and their label values; any other state, or none, counts as unknown.</summary>
    private static readonly (string State, string Label)[] ConnectionStates =
    [
        ("active", "active"), ("idle", "idle"), ("idle in transaction", "idle_in_transaction"),
        ("idle in transaction (aborted)", "idle_in_transaction_aborted"), ("fastpath function call", "fastpath_function_call"),
        ("disabled", "disabled"),
    ];

    /// <summary>
    /// One row, from one pass over pg_stat_activity: the connections to this database (the exporter's own included)
    /// by state, every state from 0 so one can be alerted on before it first occurs (unknown only when there is one),
    /// and the age of the oldest open transaction of the others. One aggregate with a column per state plans and runs
    /// in about half the time of a join to the list of states plus a second scan (bench/postgres/README.md).
    /// </summary>
    public static readonly PostgresQuery Connections = new($"""
        SELECT {string.Join(",\n               ", ConnectionStates.Select(s => $"count(*) FILTER (WHERE state = '{s.State}')::float8 AS {s.Label}"))},
               count(*) FILTER (WHERE state IS NULL OR state NOT IN ({string.Join(", ", ConnectionStates.Select(s => $"'{s.State}'"))}))::float8 AS unknown,
               coalesce(max(extract(epoch FROM now() - xact_start)) FILTER (WHERE pid <> pg_backend_pid()), 0)::float8 AS oldest_transaction_seconds
        FROM pg_stat_activity
        WHERE datname = current_database()
        """, (row, m) =>
    {
        foreach (var (_, label) in ConnectionStates) row.Set(m.Connections, row[label], label);
        if (row["unknown"] > 0) row.Set(m.Connections, row["unknown"], "unknown");
        row.Set(m.OldestTransaction, row["oldest_transaction_seconds"]);
    });

    /// <summary>One row: the WAL archiver (server-wide).</summary>
    public static readonly PostgresQuery Archiver = new("""
        SELECT archived_count::float8 AS archived, failed_count::float8 AS failed,
               coalesce(extract(epoch FROM last_archived_time), 0)::float8 AS last_archived,
               coalesce(extract(epoch FROM last_failed_time), 0)::float8 AS last_failed
        FROM pg_stat_archiver
        """, (row, m) =>
    {
        row.Set(m.WalArchived, row["archived"]);
        row.Set(m.WalArchiveFailed, row["failed"]);
        row.Set(m.WalLastArchived, row["last_archived"]);
        row.Set(m.WalLastFailed, row["last_failed"]);
    }, NoRows: "pg_stat_archiver has no row");

    /// <summary>
    /// The known tables, then the <paramref name="otherTables"/> largest others: name (schema-qualified outside
    /// public), total size with indexes and TOAST, live and dead row estimates, last autovacuum and autoanalyze
    /// (0: never), planner row estimate.
    /// </summary>
    public static PostgresQuery Tables(int otherTables) => new($"""
        WITH t AS (
            SELECT CASE WHEN s.schemaname = 'public' THEN s.relname ELSE s.schemaname || '.' || s.relname END AS name,
                   s.schemaname = 'public' AND s.relname IN ({string.Join(", ", KnownTables.Select(t => $"'{t}'"))}) AS known,
                   pg_total_relation_size(s.relid)::float8 AS size_bytes,
                   s.n_live_tup::float8 AS live_rows, s.n_dead_tup::float8 AS dead_rows,
                   coalesce(extract(epoch FROM s.last_autovacuum), 0)::float8 AS last_autovacuum,
                   coalesce(extract(epoch FROM s.last_autoanalyze), 0)::float8 AS last_autoanalyze,
                   greatest(c.reltuples, 0)::float8 AS estimated_rows
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid)
        SELECT * FROM t WHERE known
        UNION ALL
        (SELECT * FROM t WHERE NOT known ORDER BY size_bytes DESC LIMIT {otherTables})
        """, (row, m) =>
    {
        string table = row.Text("name");
        row.Set(m.TableSize, row["size_bytes"], table);
        row.Set(m.TableLiveRows, row["live_rows"], table);
        row.Set(m.TableDeadRows, row["dead_rows"], table);
        row.Set(m.TableAutovacuum, row["last_autovacuum"], table);
        row.Set(m.TableAutoanalyze, row["last_autoanalyze"], table);
        if (!row.IsGateway) return;
        if (GatewayGrowthTables.Contains(table)) row.SetWithoutDatabase(m.GatewayEstimatedRows, row["estimated_rows"], table);
        // A gateway database has client_rounds only once the gateway has created its tables.
        if (table == "client_rounds") row.ReadAfterwards(LastStoredRound);
    });

    /// <summary>The newest stored round (an index scan on client_rounds.timestamp); NULL while the table is empty.</summary>
    public static readonly PostgresQuery LastStoredRound = new("SELECT extract(epoch FROM max(timestamp))::float8 AS newest_round FROM client_rounds",
        (row, m) => row.SetIfKnown(m.LastStoredRound, row.Maybe("newest_round")));
}

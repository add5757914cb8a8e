namespace XxExporter.Postgres;

/// <summary>
/// The SQL the Postgres collector runs, as named constants (tests run the same text). Every query reads
/// catalog views or statistics, never <c>count(*)</c> of a big table, and works for a role with <c>pg_monitor</c>
/// (plus SELECT on <c>client_rounds</c> for the gateway freshness query).
/// </summary>
public static class PostgresQueries
{
    /// <summary>Tables of the xx schemas (xx-domain.md §3): always exported, whatever their size.</summary>
    public static readonly string[] KnownTables = ["clients", "rounds", "client_rounds", "mixed_messages", "client_bloom_filters", "states"];

    /// <summary>The gateway tables whose planner row estimates are exported as <c>xx_gateway_estimated_rows</c>.</summary>
    public static readonly string[] GatewayGrowthTables = ["mixed_messages", "client_rounds", "rounds", "client_bloom_filters"];

    /// <summary>One row: size, transaction and block counters, server start, version, limits, recovery state.</summary>
    public const string Database = """
        SELECT pg_database_size(current_database())::float8,
               d.xact_commit::float8, d.xact_rollback::float8, d.deadlocks::float8, d.temp_bytes::float8,
               d.blks_read::float8, d.blks_hit::float8,
               extract(epoch FROM pg_postmaster_start_time())::float8,
               current_setting('server_version'),
               current_setting('max_connections')::float8,
               pg_is_in_recovery(),
               CASE WHEN pg_is_in_recovery()
                    THEN coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8
        FROM pg_stat_database d
        WHERE d.datname = current_database()
        """;

    /// <summary>Connections to this database by state (the exporter's own included), and the oldest open transaction's age.</summary>
    public const string Connections = """
        SELECT coalesce(state, 'unknown'), count(*)::float8,
               coalesce(max(extract(epoch FROM now() - xact_start)) FILTER (WHERE pid <> pg_backend_pid()), 0)::float8
        FROM pg_stat_activity
        WHERE datname = current_database()
        GROUP BY 1
        """;

    /// <summary>One row: the WAL archiver (server-wide).</summary>
    public const string Archiver = """
        SELECT archived_count::float8, failed_count::float8,
               coalesce(extract(epoch FROM last_archived_time), 0)::float8,
               coalesce(extract(epoch FROM last_failed_time), 0)::float8
        FROM pg_stat_archiver
        """;

    /// <summary>
    /// Known tables, then the {0} largest others: name (schema-qualified outside public), total size with indexes
    /// and TOAST, live and dead row estimates, last autovacuum and autoanalyze (0: never), planner row estimate.
    /// </summary>
    public static string Tables(int otherTables) => $"""
        WITH t AS (
            SELECT CASE WHEN s.schemaname = 'public' THEN s.relname ELSE s.schemaname || '.' || s.relname END AS name,
                   s.schemaname = 'public' AND s.relname IN ({string.Join(", ", KnownTables.Select(t => $"'{t}'"))}) AS known,
                   pg_total_relation_size(s.relid)::float8 AS size,
                   s.n_live_tup::float8 AS live, s.n_dead_tup::float8 AS dead,
                   coalesce(extract(epoch FROM s.last_autovacuum), 0)::float8 AS autovacuum,
                   coalesce(extract(epoch FROM s.last_autoanalyze), 0)::float8 AS autoanalyze,
                   greatest(c.reltuples, 0)::float8 AS estimate
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid)
        SELECT name, known, size, live, dead, autovacuum, autoanalyze, estimate FROM t WHERE known
        UNION ALL
        (SELECT name, known, size, live, dead, autovacuum, autoanalyze, estimate FROM t WHERE NOT known ORDER BY size DESC LIMIT {otherTables})
        """;

    /// <summary>The newest stored round (an index scan on client_rounds.timestamp); NULL when the table is empty.</summary>
    public const string LastStoredRound = "SELECT extract(epoch FROM max(timestamp))::float8 FROM client_rounds";
}

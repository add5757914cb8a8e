using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Postgres;

/// <summary>
/// The Postgres metric families, shared by the node and gateway databases: the <c>database</c> label comes first
/// (<see cref="PostgresRow"/> fills it in). <see cref="PostgresQueries"/> sets them.
/// </summary>
public sealed class PostgresMetrics(IMetricFactory factory)
{
    private const string Database = "database";

    public readonly Gauge Up = Families.Gauge(factory, "xx_postgres_up",
        "1 if the last collection from the database succeeded, 0 if the server is down, refused the login, the database is missing or the collection timed out.",
        Database);
    public readonly Gauge AccessDenied = Families.Gauge(factory, "xx_postgres_access_denied",
        "1 if the server refused the exporter's role in the last collection (SQLSTATE class 28 at login: a wrong password, no pg_hba.conf entry, a role that may not log in; 42501: no CONNECT on the database or no SELECT on a table), else 0. The server runs; the exporter cannot read it.",
        Database);
    public readonly Gauge Size = Families.Gauge(factory, "xx_postgres_database_size_bytes", "Size of the database on disk.", Database);
    public readonly Gauge Connections = Families.Gauge(factory, "xx_postgres_connections",
        "Connections to the database by state (active, idle, idle_in_transaction, idle_in_transaction_aborted, fastpath_function_call, disabled, unknown).",
        Database, "state");
    public readonly Gauge MaxConnections = Families.Gauge(factory, "xx_postgres_max_connections", "The server's max_connections setting.", Database);
    public readonly Counter Commits = Families.Counter(factory, "xx_postgres_transactions_committed_total", "Transactions committed in the database.", Database);
    public readonly Counter Rollbacks = Families.Counter(factory, "xx_postgres_transactions_rolled_back_total", "Transactions rolled back in the database.", Database);
    public readonly Counter Deadlocks = Families.Counter(factory, "xx_postgres_deadlocks_total", "Deadlocks detected in the database.", Database);
    public readonly Counter TempBytes = Families.Counter(factory, "xx_postgres_temp_bytes_total", "Bytes written to temporary files by queries.", Database);
    public readonly Counter BlocksRead = Families.Counter(factory, "xx_postgres_blocks_read_total", "Disk blocks read (not found in shared buffers).", Database);
    public readonly Counter BlocksHit = Families.Counter(factory, "xx_postgres_blocks_hit_total", "Disk blocks found in shared buffers.", Database);
    public readonly Gauge OldestTransaction = Families.Gauge(factory, "xx_postgres_oldest_transaction_age_seconds",
        "Age of the oldest open transaction in the database (0: none). Long ones hold back vacuum.", Database);
    public readonly Gauge StartTime = Families.Gauge(factory, "xx_postgres_start_time_seconds", "When the server started, as Unix seconds.", Database);
    public readonly Gauge ServerInfo = Families.Gauge(factory, "xx_postgres_server_info", "The server's version; value 1.", Database, "version");
    public readonly Gauge TableSize = Families.Gauge(factory, "xx_postgres_table_size_bytes",
        "Size of a table with its indexes and TOAST. Tables of the xx schemas always, others only the largest few.", Database, "table");
    public readonly Gauge TableLiveRows = Families.Gauge(factory, "xx_postgres_table_live_rows",
        "Live rows of a table, as the statistics estimate them.", Database, "table");
    public readonly Gauge TableDeadRows = Families.Gauge(factory, "xx_postgres_table_dead_rows",
        "Dead rows of a table waiting for vacuum, as the statistics estimate them.", Database, "table");
    public readonly Gauge TableAutovacuum = Families.Gauge(factory, "xx_postgres_table_last_autovacuum_timestamp_seconds",
        "When autovacuum last processed the table, as Unix seconds (0: never).", Database, "table");
    public readonly Gauge TableAutoanalyze = Families.Gauge(factory, "xx_postgres_table_last_autoanalyze_timestamp_seconds",
        "When autoanalyze last processed the table, as Unix seconds (0: never).", Database, "table");
    public readonly Counter WalArchived = Families.Counter(factory, "xx_postgres_wal_archived_total", "WAL files the archiver stored (server-wide).", Database);
    public readonly Counter WalArchiveFailed = Families.Counter(factory, "xx_postgres_wal_archive_failed_total", "Failed WAL archive attempts (server-wide).", Database);
    public readonly Gauge WalLastArchived = Families.Gauge(factory, "xx_postgres_wal_last_archived_timestamp_seconds",
        "When the archiver last stored a WAL file, as Unix seconds (0: never).", Database);
    public readonly Gauge WalLastFailed = Families.Gauge(factory, "xx_postgres_wal_last_archive_failure_timestamp_seconds",
        "When archiving last failed, as Unix seconds (0: never).", Database);
    public readonly Gauge InRecovery = Families.Gauge(factory, "xx_postgres_in_recovery", "1 if the server is a standby (in recovery), else 0.", Database);
    public readonly Gauge ReplayLag = Families.Gauge(factory, "xx_postgres_replay_lag_seconds",
        "On a standby: time since the last replayed transaction was committed on the primary. Absent on a primary.", Database);
    public readonly Gauge LastStoredRound = Families.Gauge(factory, "xx_gateway_last_stored_round_timestamp_seconds",
        "Time of the newest round the gateway stored (max client_rounds.timestamp), as Unix seconds. Absent while the table is empty or the database is down.",
        Database);

    /// <summary>Without the <c>database</c> label: there is one gateway database.</summary>
    public readonly Gauge GatewayEstimatedRows = Families.Gauge(factory, "xx_gateway_estimated_rows",
        "Rows of the gateway's growing tables as the planner estimates them (pg_class.reltuples, kept across statistics resets).", "table");
}

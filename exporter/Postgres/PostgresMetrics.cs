using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Postgres;

/// <summary>The Postgres metric families, shared by the node and gateway databases (label <c>database</c>).</summary>
public sealed class PostgresMetrics(IMetricFactory factory)
{
    internal readonly Gauge Up = factory.CreateGauge("xx_postgres_up",
        "1 if the last collection from the database succeeded, 0 if the server is down, refused the login, the database is missing or the collection timed out.",
        ["database"]);
    internal readonly Gauge Size = factory.CreateGauge("xx_postgres_database_size_bytes", "Size of the database on disk.", ["database"]);
    internal readonly Gauge Connections = factory.CreateGauge("xx_postgres_connections",
        "Connections to the database by state (active, idle, idle_in_transaction, idle_in_transaction_aborted, fastpath_function_call, disabled, unknown).",
        ["database", "state"]);
    internal readonly Gauge MaxConnections = factory.CreateGauge("xx_postgres_max_connections", "The server's max_connections setting.", ["database"]);
    internal readonly Counter Commits = factory.CreateCounter("xx_postgres_transactions_committed_total", "Transactions committed in the database.", ["database"]);
    internal readonly Counter Rollbacks = factory.CreateCounter("xx_postgres_transactions_rolled_back_total", "Transactions rolled back in the database.", ["database"]);
    internal readonly Counter Deadlocks = factory.CreateCounter("xx_postgres_deadlocks_total", "Deadlocks detected in the database.", ["database"]);
    internal readonly Counter TempBytes = factory.CreateCounter("xx_postgres_temp_bytes_total", "Bytes written to temporary files by queries.", ["database"]);
    internal readonly Counter BlocksRead = factory.CreateCounter("xx_postgres_blocks_read_total", "Disk blocks read (not found in shared buffers).", ["database"]);
    internal readonly Counter BlocksHit = factory.CreateCounter("xx_postgres_blocks_hit_total", "Disk blocks found in shared buffers.", ["database"]);
    internal readonly Gauge OldestTransaction = factory.CreateGauge("xx_postgres_oldest_transaction_age_seconds",
        "Age of the oldest open transaction in the database (0: none). Long ones hold back vacuum.", ["database"]);
    internal readonly Gauge StartTime = factory.CreateGauge("xx_postgres_start_time_seconds", "When the server started, as Unix seconds.", ["database"]);
    internal readonly Gauge ServerInfo = factory.CreateGauge("xx_postgres_server_info", "The server's version; value 1.", ["database", "version"]);
    internal readonly Gauge TableSize = factory.CreateGauge("xx_postgres_table_size_bytes",
        "Size of a table with its indexes and TOAST. Tables of the xx schemas always, others only the largest few.", ["database", "table"]);
    internal readonly Gauge TableLiveRows = factory.CreateGauge("xx_postgres_table_live_rows", "Live rows of a table, as the statistics estimate them.", ["database", "table"]);
    internal readonly Gauge TableDeadRows = factory.CreateGauge("xx_postgres_table_dead_rows",
        "Dead rows of a table waiting for vacuum, as the statistics estimate them.", ["database", "table"]);
    internal readonly Gauge TableAutovacuum = factory.CreateGauge("xx_postgres_table_last_autovacuum_timestamp_seconds",
        "When autovacuum last processed the table, as Unix seconds (0: never).", ["database", "table"]);
    internal readonly Gauge TableAutoanalyze = factory.CreateGauge("xx_postgres_table_last_autoanalyze_timestamp_seconds",
        "When autoanalyze last processed the table, as Unix seconds (0: never).", ["database", "table"]);
    internal readonly Counter WalArchived = factory.CreateCounter("xx_postgres_wal_archived_total", "WAL files the archiver stored (server-wide).", ["database"]);
    internal readonly Counter WalArchiveFailed = factory.CreateCounter("xx_postgres_wal_archive_failed_total", "Failed WAL archive attempts (server-wide).", ["database"]);
    internal readonly Gauge WalLastArchived = factory.CreateGauge("xx_postgres_wal_last_archived_timestamp_seconds",
        "When the archiver last stored a WAL file, as Unix seconds (0: never).", ["database"]);
    internal readonly Gauge WalLastFailed = factory.CreateGauge("xx_postgres_wal_last_archive_failure_timestamp_seconds",
        "When archiving last failed, as Unix seconds (0: never).", ["database"]);
    internal readonly Gauge InRecovery = factory.CreateGauge("xx_postgres_in_recovery", "1 if the server is a standby (in recovery), else 0.", ["database"]);
    internal readonly Gauge ReplayLag = factory.CreateGauge("xx_postgres_replay_lag_seconds",
        "On a standby: time since the last replayed transaction was committed on the primary. Absent on a primary.", ["database"]);
    internal readonly Gauge LastStoredRound = factory.CreateGauge("xx_gateway_last_stored_round_timestamp_seconds",
        "Time of the newest round the gateway stored (max client_rounds.timestamp), as Unix seconds. Absent while the table is empty or the database is down.",
        ["database"]);
    internal readonly Gauge GatewayEstimatedRows = factory.CreateGauge("xx_gateway_estimated_rows",
        "Rows of the gateway's growing tables as the planner estimates them (pg_class.reltuples, kept across statistics resets).", ["table"]);
}

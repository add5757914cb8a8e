namespace XxExporter.Postgres;

/// <summary>What one collection read from one database; turned into metrics by <see cref="PostgresMetrics"/>.</summary>
public sealed record PostgresSnapshot(
    DatabaseStats Database,
    IReadOnlyList<(string State, double Count)> Connections,
    double OldestTransactionSeconds,
    ArchiverStats Archiver,
    IReadOnlyList<TableStats> Tables,
    double? LastStoredRoundUnix);

public sealed record DatabaseStats(
    double SizeBytes, double Commits, double Rollbacks, double Deadlocks, double TempBytes, double BlocksRead, double BlocksHit,
    double StartTimeUnix, string Version, double MaxConnections, bool InRecovery, double? ReplayLagSeconds);

public sealed record ArchiverStats(double Archived, double Failed, double LastArchivedUnix, double LastFailedUnix);

public sealed record TableStats(
    string Name, bool Known, double SizeBytes, double LiveRows, double DeadRows, double LastAutovacuumUnix, double LastAutoanalyzeUnix,
    double EstimatedRows);

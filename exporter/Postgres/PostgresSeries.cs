using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Postgres;

/// <summary>One database's series: a snapshot in, metrics out; everything but <c>xx_postgres_up</c> goes when a collection fails.</summary>
public sealed class PostgresSeries
{
    private readonly string _database;
    private readonly bool _isGateway;
    private readonly Gauge.Child _up;
    private readonly List<Action> _sweeps = new();
    private readonly SweptSeries<Gauge.Child> _size, _connections, _maxConnections, _oldest, _startTime, _serverInfo,
        _tableSize, _tableLive, _tableDead, _tableAutovacuum, _tableAutoanalyze, _walLastArchived, _walLastFailed,
        _inRecovery, _replayLag, _lastStoredRound, _estimatedRows;
    private readonly SweptSeries<Counter.Child> _commits, _rollbacks, _deadlocks, _tempBytes, _blocksRead, _blocksHit, _walArchived, _walFailed;

    public PostgresSeries(PostgresMetrics metrics, string database, bool isGateway)
    {
        _database = database;
        _isGateway = isGateway;
        _up = metrics.Up.WithLabels(database);
        _size = Swept(metrics.Size);
        _connections = Swept(metrics.Connections);
        _maxConnections = Swept(metrics.MaxConnections);
        _oldest = Swept(metrics.OldestTransaction);
        _startTime = Swept(metrics.StartTime);
        _serverInfo = Swept(metrics.ServerInfo);
        _tableSize = Swept(metrics.TableSize);
        _tableLive = Swept(metrics.TableLiveRows);
        _tableDead = Swept(metrics.TableDeadRows);
        _tableAutovacuum = Swept(metrics.TableAutovacuum);
        _tableAutoanalyze = Swept(metrics.TableAutoanalyze);
        _walLastArchived = Swept(metrics.WalLastArchived);
        _walLastFailed = Swept(metrics.WalLastFailed);
        _inRecovery = Swept(metrics.InRecovery);
        _replayLag = Swept(metrics.ReplayLag);
        _lastStoredRound = Swept(metrics.LastStoredRound);
        _estimatedRows = Swept(metrics.GatewayEstimatedRows);
        _commits = Swept(metrics.Commits);
        _rollbacks = Swept(metrics.Rollbacks);
        _deadlocks = Swept(metrics.Deadlocks);
        _tempBytes = Swept(metrics.TempBytes);
        _blocksRead = Swept(metrics.BlocksRead);
        _blocksHit = Swept(metrics.BlocksHit);
        _walArchived = Swept(metrics.WalArchived);
        _walFailed = Swept(metrics.WalArchiveFailed);
    }

    private SweptSeries<TChild> Swept<TChild>(Collector<TChild> family) where TChild : ChildBase
    {
        var series = new SweptSeries<TChild>(family);
        _sweeps.Add(series.Sweep);
        return series;
    }

    public void Apply(PostgresSnapshot snapshot)
    {
        string db = _database;
        var d = snapshot.Database;
        _size.Set(d.SizeBytes, db);
        _commits.Set(d.Commits, db);
        _rollbacks.Set(d.Rollbacks, db);
        _deadlocks.Set(d.Deadlocks, db);
        _tempBytes.Set(d.TempBytes, db);
        _blocksRead.Set(d.BlocksRead, db);
        _blocksHit.Set(d.BlocksHit, db);
        _startTime.Set(d.StartTimeUnix, db);
        _serverInfo.Set(1, db, d.Version);
        _maxConnections.Set(d.MaxConnections, db);
        _inRecovery.Set(d.InRecovery ? 1 : 0, db);
        if (d.ReplayLagSeconds is { } lag) _replayLag.Set(lag, db);
        foreach (string state in ConnectionStates) _connections.Set(0, db, state);
        foreach (var (state, count) in snapshot.Connections) _connections.Set(count, db, StateLabel(state));
        _oldest.Set(snapshot.OldestTransactionSeconds, db);
        var a = snapshot.Archiver;
        _walArchived.Set(a.Archived, db);
        _walFailed.Set(a.Failed, db);
        _walLastArchived.Set(a.LastArchivedUnix, db);
        _walLastFailed.Set(a.LastFailedUnix, db);
        foreach (var t in snapshot.Tables)
        {
            _tableSize.Set(t.SizeBytes, db, t.Name);
            _tableLive.Set(t.LiveRows, db, t.Name);
            _tableDead.Set(t.DeadRows, db, t.Name);
            _tableAutovacuum.Set(t.LastAutovacuumUnix, db, t.Name);
            _tableAutoanalyze.Set(t.LastAutoanalyzeUnix, db, t.Name);
            if (_isGateway && PostgresQueries.GatewayGrowthTables.Contains(t.Name)) _estimatedRows.Set(t.EstimatedRows, t.Name);
        }
        if (_isGateway && snapshot.LastStoredRoundUnix is { } last) _lastStoredRound.Set(last, db);
        Sweep();
        _up.Set(1);
    }

    /// <summary>The collection is overdue: down, without touching the series a late collection may still write.</summary>
    public void MarkDown() => _up.Set(0);

    /// <summary>The collection failed: only <c>xx_postgres_up 0</c> remains of this database.</summary>
    public void Fail()
    {
        Sweep();
        _up.Set(0);
    }

    private void Sweep()
    {
        foreach (var sweep in _sweeps) sweep();
    }

    /// <summary>pg_stat_activity states as label values; always exported so a state can be alerted on from 0.</summary>
    private static readonly string[] ConnectionStates =
        ["active", "idle", "idle_in_transaction", "idle_in_transaction_aborted", "fastpath_function_call", "disabled"];

    internal static string StateLabel(string state) => state switch
    {
        "idle in transaction" => "idle_in_transaction",
        "idle in transaction (aborted)" => "idle_in_transaction_aborted",
        "fastpath function call" => "fastpath_function_call",
        "active" or "idle" or "disabled" => state,
        _ => "unknown",
    };
}

using Npgsql;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Postgres;

/// <summary>
/// A query of the Postgres source and what each of its rows becomes. The handler reads the columns by the names the
/// SQL gives them (<c>AS size_bytes</c>), so the two stay side by side in <see cref="PostgresQueries"/>.
/// </summary>
/// <param name="NoRows">Why the read fails if the query returns no row; null if no row is a fine answer.</param>
public sealed record PostgresQuery(string Sql, Action<PostgresRow, PostgresMetrics> Read, string? NoRows = null);

/// <summary>
/// The row a <see cref="PostgresQuery"/> handler is given, and where its series go. The series reach the read's
/// <see cref="Readings"/> only once every query has answered (<see cref="Publish"/>): a read that fails halfway
/// leaves nothing but <c>xx_postgres_up 0</c>.
/// </summary>
public sealed class PostgresRow(PostgresTarget target, PostgresMetrics metrics)
{
    private readonly List<Action<Readings>> _found = new();
    private readonly List<PostgresQuery> _afterwards = new();
    private NpgsqlDataReader _reader = null!;   // the batch being read (handlers run only while it is)

    /// <summary>The gateway's database (cmix_gateway), whose tables also give the xx_gateway_* series.</summary>
    public bool IsGateway => target.IsGateway;

    /// <summary>A float8 column.</summary>
    public double this[string column] => _reader.GetDouble(_reader.GetOrdinal(column));

    /// <summary>A float8 column that may be NULL.</summary>
    public double? Maybe(string column) => _reader.IsDBNull(_reader.GetOrdinal(column)) ? null : this[column];

    public string Text(string column) => _reader.GetString(_reader.GetOrdinal(column));

    public bool Flag(string column) => _reader.GetBoolean(_reader.GetOrdinal(column));

    /// <summary>A series of this database: its <c>database</c> label, then <paramref name="labels"/>.</summary>
    public void Set(Gauge family, double value, params string[] labels) => _found.Add(readings => readings.Set(family, value, [target.Database, .. labels]));

    /// <summary>A counter of this database, copied from the server's statistics (which a reset can send down).</summary>
    public void Set(Counter family, double value, params string[] labels) => _found.Add(readings => readings.Set(family, value, [target.Database, .. labels]));

    /// <summary>Sets the series of this database if there is a value; leaves it out (so it is removed) if not.</summary>
    public void SetIfKnown(Gauge family, double? value)
    {
        if (value is { } known) Set(family, known);
    }

    /// <summary>A series without the <c>database</c> label (of the one gateway database).</summary>
    public void SetWithoutDatabase(Gauge family, double value, params string[] labels) => _found.Add(readings => readings.Set(family, value, labels));

    /// <summary>Runs <paramref name="query"/> once the batch has answered, on the same connection: for a query that only works when this row says so.</summary>
    public void ReadAfterwards(PostgresQuery query) => _afterwards.Add(query);

    /// <summary>Runs <paramref name="queries"/> in one batch (one round trip), then those its rows asked for, handing each row to its query.</summary>
    internal async Task ReadAsync(NpgsqlConnection connection, IReadOnlyList<PostgresQuery> queries, CancellationToken token)
    {
        while (queries.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection);
            foreach (var query in queries) batch.BatchCommands.Add(new NpgsqlBatchCommand(query.Sql));
            await using (var reader = await batch.ExecuteReaderAsync(token))
            {
                _reader = reader;
                foreach (var query in queries)
                {
                    bool any = false;
                    while (await reader.ReadAsync(token))
                    {
                        query.Read(this, metrics);
                        any = true;
                    }
                    if (!any && query.NoRows is { } why) throw new InvalidDataException(why);
                    await reader.NextResultAsync(token);
                }
            }
            queries = _afterwards.ToList();
            _afterwards.Clear();
        }
    }

    /// <summary>Sets what every query found; called once they have all answered.</summary>
    internal void Publish(Readings readings)
    {
        foreach (var set in _found) set(readings);
    }
}

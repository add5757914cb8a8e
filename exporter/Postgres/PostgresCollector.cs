using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Npgsql;
using XxExporter.Telemetry;

namespace XxExporter.Postgres;

/// <summary>
/// Reads one database at scrape time. Concurrent scrapes share the collection in flight instead of opening
/// connections of their own; the pool is capped (<see cref="PostgresSettings.MaxConnections"/>); each collection
/// is bounded by the timeout on the client and by <c>statement_timeout</c> on the server. All queries go in one
/// batch, so a collection is one round trip on a pooled connection.
/// </summary>
public sealed class PostgresCollector : IAsyncDisposable
{
    private readonly PostgresTarget _target;
    private readonly PostgresSettings _settings;
    private readonly PostgresSeries _series;
    private readonly ILogger _logger;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _tablesQuery;
    private readonly ScrapeTimeCollection _collection;
    private string? _lastError;

    public PostgresCollector(PostgresTarget target, PostgresSettings settings, PostgresSeries series, CollectorSeries health, ILogger logger)
    {
        _target = target;
        _settings = settings;
        _series = series;
        _logger = logger;
        // The slim builder (trimmable for Native AOT) leaves TLS out unless asked: without it prefer never encrypts
        // and require, verify-ca and verify-full cannot connect at all.
        _dataSource = new NpgsqlSlimDataSourceBuilder(target.ConnectionString(settings)).EnableTransportSecurity().Build();
        _tablesQuery = PostgresQueries.Tables(settings.OtherTables);
        _collection = new ScrapeTimeCollection(ReadAndApplyAsync, settings.Timeout, health, overdue =>
        {
            series.MarkDown();
            Report(overdue);
        }, logger);
    }

    /// <summary>Collections started so far (tests check that concurrent scrapes share one).</summary>
    internal int Runs => _collection.Runs;

    /// <summary>Brings the metrics up to date for a scrape; returns within the timeout whatever the server does.</summary>
    public Task CollectAsync(CancellationToken scrapeAborted) => _collection.CollectAsync(scrapeAborted);

    private async Task ReadAndApplyAsync(CancellationToken timeout)
    {
        try
        {
            _series.Apply(await ReadAsync(timeout));
            if (_lastError is not null) _logger.LogInformation("Postgres {Target} answers again", _target);
            _lastError = null;
        }
        catch (Exception ex)
        {
            _series.Fail();
            Report(timeout.IsCancellationRequested ? _collection.Overdue : Describe(ex));
            throw new CollectionFailedException(ex);
        }
    }

    private async Task<PostgresSnapshot> ReadAsync(CancellationToken token)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(token);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(PostgresQueries.Database),
                new NpgsqlBatchCommand(PostgresQueries.Connections),
                new NpgsqlBatchCommand(PostgresQueries.Archiver),
                new NpgsqlBatchCommand(_tablesQuery),
            },
        };
        DatabaseStats database;
        var connections = new List<(string, double)>();
        double oldest = 0;
        ArchiverStats archiver;
        var tables = new List<TableStats>();
        await using (var reader = await batch.ExecuteReaderAsync(token))
        {
            if (!await reader.ReadAsync(token)) throw new InvalidDataException("pg_stat_database has no row for this database");
            database = new DatabaseStats(reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4),
                reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7), reader.GetString(8), reader.GetDouble(9), reader.GetBoolean(10),
                reader.IsDBNull(11) ? null : reader.GetDouble(11));
            await reader.NextResultAsync(token);
            while (await reader.ReadAsync(token))
            {
                connections.Add((reader.GetString(0), reader.GetDouble(1)));
                oldest = Math.Max(oldest, reader.GetDouble(2));
            }
            await reader.NextResultAsync(token);
            if (!await reader.ReadAsync(token)) throw new InvalidDataException("pg_stat_archiver has no row");
            archiver = new ArchiverStats(reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3));
            await reader.NextResultAsync(token);
            while (await reader.ReadAsync(token))
            {
                tables.Add(new TableStats(reader.GetString(0), reader.GetBoolean(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4),
                    reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7)));
            }
        }
        double? lastStoredRound = null;
        if (_target.IsGateway && tables.Any(t => t.Name == "client_rounds"))
        {
            await using var command = new NpgsqlCommand(PostgresQueries.LastStoredRound, connection);
            object? value = await command.ExecuteScalarAsync(token);
            lastStoredRound = value is double seconds ? seconds : null;
        }
        return new PostgresSnapshot(database, connections, oldest, archiver, tables, lastStoredRound);
    }

    /// <summary>A one-line reason for the log, with the password (should a driver ever echo it) blanked.</summary>
    private string Describe(Exception ex)
    {
        string text = ex switch
        {
            PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
            // .NET only says the certificate was rejected (the AOT build just names a resource key): say what the mode asks of it.
            NpgsqlException { InnerException: AuthenticationException inner } npgsql when _target.SslMode is "verify-ca" or "verify-full" =>
                $"{npgsql.Message} ({inner.Message}); {_target.SslMode} needs a server certificate from a CA in " +
                $"--postgres.{(_target.IsGateway ? "gateway" : "node")}.sslrootcert{(_target.SslMode == "verify-full" ? $" that names {_target.Host}" : "")}",
            NpgsqlException { InnerException: { } inner } npgsql => $"{npgsql.Message} ({inner.Message})",
            _ => $"{ex.GetType().Name}: {ex.Message}",
        };
        return _target.Password is { Length: > 0 } secret ? text.Replace(secret, "***") : text;
    }

    private void Report(string error)
    {
        if (error == _lastError) return;
        _lastError = error;
        _logger.LogWarning("Postgres {Target} is not answering: {Error}", _target, error);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

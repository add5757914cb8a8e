using Npgsql;

namespace XxSimulator.Node;

/// <summary>
/// The simulated gateway's database writes: each round it receives goes into <c>rounds</c> and <c>client_rounds</c>
/// (demo/gateway-schema.sql), as the real gateway's storage does, so the database's newest round follows the logs.
/// A database that is down or lacks the tables costs a line on stderr per failed round, never the simulation.
/// </summary>
internal sealed class GatewayRoundStore : IAsyncDisposable
{
    private const string StoreRound = """
        WITH next AS (SELECT COALESCE(MAX(id), 0) + 1 AS id FROM client_rounds)
        , stored AS (
            INSERT INTO rounds (id, update_id, info_blob, last_updated)
            SELECT id, id, NULL, now() FROM next ON CONFLICT (id) DO NOTHING)
        INSERT INTO client_rounds (id, timestamp) SELECT id, now() FROM next
        """;

    private readonly NpgsqlDataSource _database;

    /// <param name="connectionString">Npgsql keywords, e.g. <c>Host=127.0.0.1;Database=cmix_gateway;Username=gateway</c>.</param>
    /// <param name="passwordFile">If set, the password is read from here (it stays out of command lines).</param>
    public GatewayRoundStore(string connectionString, string? passwordFile)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 5, CommandTimeout = 5 };
        if (passwordFile is not null) builder.Password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        _database = NpgsqlDataSource.Create(builder);
    }

    public async Task StoreRoundAsync(CancellationToken stop)
    {
        try
        {
            await using var command = _database.CreateCommand(StoreRound);
            await command.ExecuteNonQueryAsync(stop);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && !stop.IsCancellationRequested)
        {
            // Npgsql's messages name the host and database, never the password.
            Console.Error.WriteLine($"xx-simulator node: gateway round not stored: {ex.Message}");
        }
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}

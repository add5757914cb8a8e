using XxExporter.Tests.Support;

namespace XxExporter.Tests.Postgres;

/// <summary>
/// One PostgreSQL server for the Postgres tests, holding the gateway schema (docs/xx-node-facts.md §3, as gorm creates it)
/// with generated data, an empty node database, and the exporter's non-superuser role set up as docs/configuration.md shows.
/// </summary>
public sealed class GatewayDatabase : IDisposable
{
    public const string ExporterRole = "xx_exporter";
    public const string ExporterPassword = "Exp0rter-S3cret-Pw";
    public const int Rounds = 3000;

    public GatewayDatabase()
    {
        // The archiver fails while the marker file exists, so tests can make it fail on purpose.
        Directory.CreateDirectory(ArchiveFolder);
        if (Environment.UserName == "root") System.Diagnostics.Process.Start("chown", ["-R", "postgres:postgres", _archive.Path])!.WaitForExit();
        Server = new PostgresServer("archive_mode=on", "wal_level=replica", "max_wal_senders=3",
            $"archive_command='test ! -f {ArchiveFailMarker} && cp %p {ArchiveFolder}/%f'");
        Server.Execute("postgres", $"""
            CREATE DATABASE cmix_gateway;
            CREATE DATABASE cmix_node;
            CREATE ROLE {ExporterRole} LOGIN PASSWORD '{ExporterPassword}';
            GRANT pg_monitor TO {ExporterRole};
            GRANT CONNECT ON DATABASE cmix_gateway, cmix_node TO {ExporterRole};
            """);
        Server.Execute("cmix_gateway", Schema);
        Server.Execute("cmix_gateway", $"""
            INSERT INTO client_rounds (id, timestamp)
                SELECT r, TIMESTAMPTZ '2023-07-26 14:00:00+00' + r * INTERVAL '30 seconds' FROM generate_series(1, {Rounds}) r;
            INSERT INTO rounds (id, update_id, info_blob, last_updated)
                SELECT r, r, decode(repeat('ab', 200), 'hex'), now() FROM generate_series(1, {Rounds}) r;
            INSERT INTO mixed_messages (round_id, recipient_id, message_contents)
                SELECT 1 + (m % {Rounds}), m % 997, decode(repeat('cd', 256), 'hex') FROM generate_series(1, 30000) m;
            INSERT INTO client_bloom_filters (recipient_id, epoch, first_round, round_range, filter)
                SELECT b % 997, b / 997, b, 10, decode(repeat('ef', 100), 'hex') FROM generate_series(1, 5000) b;
            INSERT INTO states (key, value) VALUES ('Period', '1800000000000'), ('LastUpdateId', '{Rounds}');
            CREATE TABLE scratch_big (id bigint, payload text);
            INSERT INTO scratch_big SELECT g, repeat('x', 500) FROM generate_series(1, 2000) g;
            CREATE TABLE scratch_small (id bigint);
            ANALYZE;
            GRANT SELECT ON client_rounds TO {ExporterRole};
            """);
    }

    /// <summary>The gateway tables as gorm's AutoMigrate creates them (elixxir-gateway storage/database.go); bench/postgres uses the same file.</summary>
    public static string Schema => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Postgres", "gateway-schema.sql"));

    public PostgresServer Server { get; }

    private readonly TempFolder _archive = new();

    public string ArchiveFolder => _archive.File("wal");

    public string ArchiveFailMarker => _archive.File("archive-fails");

    public void Dispose()
    {
        Server.Dispose();
        _archive.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<GatewayDatabase>
{
    public const string Name = "postgres";
}

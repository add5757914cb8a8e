using System.Security.Authentication;
using System.Runtime.CompilerServices;
using Npgsql;
using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Postgres;

/// <summary>
/// One configured database, read when Prometheus scrapes: all of <see cref="PostgresQueries"/> in one batch, so a
/// read is one round trip on a pooled connection. The pool is capped (<see cref="PostgresSettings.MaxConnections"/>)
/// and a read is bounded by the timeout on the client and by <c>statement_timeout</c> on the server. While the
/// database cannot be read, only <c>xx_postgres_up 0</c> remains of it, with <c>xx_postgres_access_denied</c> telling a
/// server that refused the exporter's role (it runs; the exporter is blind) from one that is down or not answering.
/// </summary>
public sealed class PostgresSource : IScrapeSource, IAsyncDisposable
{
    private readonly PostgresTarget _target;
    private readonly PostgresMetrics _metrics;
    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyList<PostgresQuery> _batch;

    private PostgresSource(PostgresTarget target, PostgresSettings settings, IMetricFactory factory)
    {
        _target = target;
        _metrics = new PostgresMetrics(factory);
        Timeout = settings.Timeout;
        // The slim builder (trimmable for Native AOT) leaves TLS out unless asked: without it prefer never encrypts
        // and require, verify-ca and verify-full cannot connect at all.
        _dataSource = new NpgsqlSlimDataSourceBuilder(target.ConnectionString(settings)).EnableTransportSecurity().Build();
        _batch = PostgresQueries.Batch(settings.OtherTables);
    }

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly SourceRegistration Registration = new("postgres",
        "The cmix_node and cmix_gateway databases whose host is given (xx_postgres_*, and xx_gateway_* from the gateway's), each its own collector postgres_<database>.",
        context => For(PostgresSettings.Read(context.Settings), context.Factory));

    /// <summary>A source for each configured database; none (and no Postgres families) on a host without databases.</summary>
    public static IReadOnlyList<PostgresSource> For(PostgresSettings settings, IMetricFactory factory) =>
        settings.Targets.Select(target => new PostgresSource(target, settings, factory)).ToList();

    public string Name => _target.CollectorName;

    public TimeSpan Timeout { get; }

    public async Task CollectAsync(Readings readings, CancellationToken timeout)
    {
        var row = new PostgresRow(_target, _metrics);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(timeout);
            await row.ReadAsync(connection, _batch, timeout);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidDataException)
        {
            // Out of time: ScrapeSources says so (no answer within the timeout) and shows Unavailable.
            timeout.ThrowIfCancellationRequested();
            bool accessDenied = IsAccessDenied(ex);
            readings.Set(_metrics.Up, 0, _target.Database);
            readings.Set(_metrics.AccessDenied, accessDenied, _target.Database);
            readings.Fail($"{_target} {(accessDenied ? "refuses the exporter's role" : "is not answering")}: {Describe(ex)}");
            return;
        }
        readings.Set(_metrics.Up, 1, _target.Database);
        readings.Set(_metrics.AccessDenied, 0, _target.Database);
        row.Publish(readings);
    }

    public void Unavailable(Readings readings)
    {
        readings.Set(_metrics.Up, 0, _target.Database);
        readings.Set(_metrics.AccessDenied, 0, _target.Database);
    }

    /// <summary>
    /// The server's own answer refusing the exporter's role: SQLSTATE class 28, invalid authorization specification
    /// (28P01 a wrong password, 28000 no pg_hba.conf entry or a role without LOGIN), or 42501, insufficient privilege
    /// (no CONNECT on the database, no SELECT on a table read). Anything else (refused or timed-out connections, a
    /// missing database, a server starting up or full) is the server's or the database's trouble.
    /// </summary>
    private static bool IsAccessDenied(Exception ex) =>
        ex is PostgresException { SqlState: ['2', '8', ..] or PostgresErrorCodes.InsufficientPrivilege };

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

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

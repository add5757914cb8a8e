using System.Net;
using Microsoft.AspNetCore.Builder;
using XxExporter.Tests.Postgres;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Node;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// One xx host as an operator runs it, on loopback: the simulated node (live logs, chain JSON-RPC with fast eras,
/// its IDF, certificate, backups and the gateway's config naming a cMix port that accepts), both Postgres databases (a real PostgreSQL 15 with WAL archiving); the
/// exporter configured for all of it from flags; and the shipped Prometheus and Alertmanager watching it.
/// </summary>
public sealed class SimulatedSite : IAsyncDisposable
{
    public const string Site = "e2e";

    private readonly TempFolder _folder = new();
    private readonly Listeners _cmixPort = new();
    private GatewayDatabase? _database;
    private SimulatedNode? _node;
    private WebApplication? _exporter;

    public MonitoringStack Stack { get; private set; } = null!;

    public Uri Exporter { get; private set; } = null!;

    /// <summary>The simulated node, for the times of what it does.</summary>
    public SimulatedNode Node => _node!;

    /// <summary>Where the node writes its logs (cmix.log, cmix-err.log, ...).</summary>
    public string LogFolder => _folder.File("log");

    /// <summary>
    /// Starts the site; <paramref name="adjust"/> changes the node's options (events at set times), <paramref name="clock"/>
    /// the stack's (<see cref="MonitoringStack.CompressedClock"/> unless given).
    /// </summary>
    public static async Task<SimulatedSite> StartAsync(Scenario scenario, TimeSpan eraLength, TimeSpan roundInterval,
        Func<SimulatedNodeOptions, SimulatedNodeOptions>? adjust = null, string[]? clock = null)
    {
        var site = new SimulatedSite();
        try
        {
            var options = new SimulatedNodeOptions
            {
                LogFolder = Directory.CreateDirectory(site._folder.File("log")).FullName,
                CredFolder = Directory.CreateDirectory(site._folder.File("cred")).FullName,
                BackupFolder = Directory.CreateDirectory(site._folder.File("backup")).FullName,
                InstallFolder = site._folder.File("opt"),
                // The gateway's config names a port that accepts, as a running node's does.
                ConfigFolder = site._folder.File("config"),
                GatewayNodeAddress = $"localhost:{site._cmixPort.Listening()}",
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                EraLength = eraLength,
                RoundInterval = roundInterval,
                Scenario = scenario,
            };
            await site.StartAsync(adjust?.Invoke(options) ?? options, clock);
            return site;
        }
        catch
        {
            await site.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(SimulatedNodeOptions node, string[]? clock)
    {
        _database = new GatewayDatabase();
        string superuserPassword = _folder.File("superuser-password");
        File.WriteAllText(superuserPassword, PostgresServer.SuperuserPassword);
        _node = await SimulatedNode.StartAsync(node with
        {
            GatewayDatabase = $"Host=127.0.0.1;Port={_database.Server.Port};Database=cmix_gateway;Username=postgres",
            GatewayDatabasePasswordFile = superuserPassword,
        });
        string password = _folder.File("postgres-password");
        File.WriteAllText(password, GatewayDatabase.ExporterPassword);
        string[] database(string name) =>
        [
            $"--postgres.{name}.host", "127.0.0.1", $"--postgres.{name}.port", _database.Server.Port.ToString(),
            $"--postgres.{name}.user", GatewayDatabase.ExporterRole, $"--postgres.{name}.password-file", password,
            $"--postgres.{name}.sslmode", "disable",
        ];
        var rpc = new Uri(_node.RpcUrl);
        string backups = node.BackupFolder!;
        (_exporter, Exporter) = await ExporterTesting.StartAsync([
            "--web.listen-address", "127.0.0.1:0", "--log.level", "warn",
            "--logs.dir", node.LogFolder,
            "--chain.rpc-url", _node.RpcUrl, "--chain.idf-path", Path.Combine(node.CredFolder!, "cmix-IDF.json"),
            .. database("node"), .. database("gateway"),
            "--checks.backups", $"cmix_node={backups}/cmix_node,cmix_gateway={backups}/cmix_gateway,chain={backups}/chain",
            "--checks.certificates", Path.Combine(node.CredFolder!, "*.crt"),
            "--binaries.paths", string.Join(",", SimulatedBinaries.All.Select(b => $"{b.Name}={node.InstallFolder}/{b.File}")),
            "--checks.probes", $"chain_rpc={rpc.Host}:{rpc.Port}",
            "--checks.gateway-config", Path.Combine(node.ConfigFolder!, "gateway.yaml"),
        ]);
        Stack = await MonitoringStack.StartAsync(Exporter, Site, clock);
    }

    public async ValueTask DisposeAsync() => await Teardown.AllAsync(
        () => Stack?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => _exporter?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => _node?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => { _database?.Dispose(); _cmixPort.Dispose(); _folder.Dispose(); return ValueTask.CompletedTask; });
}

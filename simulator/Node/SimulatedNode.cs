using System.Collections.Concurrent;
using System.Net;
using XxSimulator.Chain;
using XxSimulator.Rpc;

namespace XxSimulator.Node;

/// <summary>How a <see cref="SimulatedNode"/> runs.</summary>
public sealed record SimulatedNodeOptions
{
    /// <summary>Where cmix.log, gateway.log, cmix-wrapper.log and gateway-wrapper.log are written (appended to).</summary>
    public required string LogFolder { get; init; }

    /// <summary>If set, cmix-IDF.json (with the cMix ID bonded on chain) and the gateway's certificate are written here.</summary>
    public string? CredFolder { get; init; }

    /// <summary>If set, the gateway stores each round in this cmix_gateway database (Npgsql connection string).</summary>
    public string? GatewayDatabase { get; init; }

    /// <summary>The gateway database's password, read from this file.</summary>
    public string? GatewayDatabasePasswordFile { get; init; }

    /// <summary>If set, backups of cmix_node, cmix_gateway and the chain are written here, a new one each era (a simulated day).</summary>
    public string? BackupFolder { get; init; }

    /// <summary>If set, the gateway's config gateway.yaml is written here, naming <see cref="GatewayNodeAddress"/> as its node.</summary>
    public string? ConfigFolder { get; init; }

    /// <summary>The node address (cmixAddress) in that config; nothing listens on the default, so the gateway's node is unreachable.</summary>
    public string GatewayNodeAddress { get; init; } = "127.0.0.1:11420";

    /// <summary>Address of the JSON-RPC server (HTTP and WebSocket); port 0 takes a free one.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 9944);

    public TimeSpan EraLength { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RoundInterval { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>A log is rotated (to .1) past this size: at 1.5 s rounds cmix.log grows by about 500 MB a day.</summary>
    public long MaxLogFileBytes { get; init; } = 64 << 20;

    public Scenario Scenario { get; init; } = Scenario.Healthy;

    /// <summary>If set, the binaries the wrappers install are written here (bin/, lib/, cmix-wrapper.py, as under /opt/xxnetwork).</summary>
    public string? InstallFolder { get; init; }

    /// <summary>If set, the chain names a newer build of this binary (a CmixHashes field) that the wrapper cannot download.</summary>
    public string? BinaryBehind { get; init; }

    /// <summary>What the chain node's keystore says of the stash's next session keys (author_hasSessionKeys).</summary>
    public SessionKeysOnNode SessionKeys { get; init; } = SessionKeysOnNode.Held;

    /// <summary>The role system_nodeRoles names: Authority (run with --validator) or Full.</summary>
    public string Role { get; init; } = "Authority";

    /// <summary>
    /// The libp2p peer id system_localPeerId answers, as given. By default one made from <see cref="Seed"/>,
    /// <see cref="LogFolder"/> and <see cref="Listen"/>: two simulators differ, as two nodes do (each writes its own
    /// logs), and one started again with the same options keeps its id. Give two the same id for a clone that kept
    /// its network key.
    /// </summary>
    public string? PeerId { get; init; }

    /// <summary>Same seed, same sequence of rounds, failures and noise in the logs.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>If set, this long after start a round fails and the restarted node dies before removing cmix-err.log: down for good.</summary>
    public TimeSpan? CmixDownAfter { get; init; }

    /// <summary>If set, this long after start the cMix process is killed without a word or an error file: down for good.</summary>
    public TimeSpan? CmixExitAfter { get; init; }

    /// <summary>If set, this long after start the gateway stops on an error (no error file: nothing restarts it); no rounds follow.</summary>
    public TimeSpan? GatewayExitAfter { get; init; }

    /// <summary>Healthy: the era, counted from the era active at start, that the validator misses (null: none; <see cref="SimulatedChain.MissedEra"/>).</summary>
    public uint? MissedEra { get; init; }

    /// <summary>The era, counted from the era active at start, that lasts longer than the others, and its length (null: none; <see cref="SimulatedChain.LongEra"/>).</summary>
    public (uint Era, TimeSpan Length)? LongEra { get; init; }

    /// <summary>Healthy: the era, counted from the era active at start, in which the validator waits (null: none; <see cref="SimulatedChain.WaitingEra"/>).</summary>
    public uint? WaitingEra { get; init; }

    /// <summary>If set, this long after start peer gateways stop gossiping to the gateway; its node's rounds still arrive.</summary>
    public TimeSpan? GatewayIsolatedAfter { get; init; }

    /// <summary>If set, this long after start the chain node stops importing blocks: its best and finalized blocks and its state stay as they were.</summary>
    public TimeSpan? ChainStallAfter { get; init; }

    /// <summary>How long before the start the chain's first era (1000) began: the story starts that far along.</summary>
    public TimeSpan ChainStartedBefore { get; init; } = TimeSpan.Zero;

    /// <summary>The stash's heartbeat is on chain as usual but it authors no block (<see cref="SimulatedChain.NoBlocksAuthored"/>).</summary>
    public bool NoBlocksAuthored { get; init; }

    /// <summary>If set, this long after start the stash's reward destination (Staking.Payee) changes from Staked to an account.</summary>
    public TimeSpan? PayeeChangedAfter { get; init; }

    /// <summary>If set, this long after start no cMix round completes anywhere in the network: no round in the logs, and the era's points grow by the blocks' only.</summary>
    public TimeSpan? NetworkStalledAfter { get; init; }

    /// <summary>If set, this long after start the cMix wrapper restarts and waits for the consensus ready state for good; cMix does not run.</summary>
    public TimeSpan? WrapperWaitingAfter { get; init; }

    /// <summary>If set, this long after start the cMix wrapper's chain polls fail (connection refused) each round; cMix and the gateway run on.</summary>
    public TimeSpan? WrapperChainLostAfter { get; init; }

    /// <summary>If set, this long after start the cMix wrapper exits and is started again each round, with cMix stopped (as systemd restarts a crashing wrapper).</summary>
    public TimeSpan? WrapperRestartingAfter { get; init; }

    /// <summary>If set, this long after start the gateway's HTTPS certificate renewal fails each round (replaceCertificateErr).</summary>
    public TimeSpan? GatewayRenewalFailingAfter { get; init; }
}

/// <summary>Whether the simulated node's keystore holds the stash's next session keys, or refuses to say (--rpc-methods safe).</summary>
public enum SessionKeysOnNode { Held, Missing, Refused }

/// <summary>
/// A simulated xx node: cMix and gateway logs written live, and a chain node's JSON-RPC whose validator (Alice's
/// stash, bonded with the node's cMix ID) follows the chosen <see cref="Scenario"/>. Runs until disposed.
/// </summary>
public sealed class SimulatedNode : IAsyncDisposable
{
    /// <summary>How often the chain's state is brought up to date: well within a block, and within a short test era.</summary>
    private static readonly TimeSpan ChainRefresh = TimeSpan.FromMilliseconds(200);

    private readonly SimulatedChain _chain;
    private readonly JsonRpcHost _rpc;
    private readonly LiveLogs _logs;
    private readonly GatewayRoundStore? _gatewayDatabase;
    private readonly CancellationTokenSource _stop = new();
    private readonly NodeSelf _self;
    private readonly StandInProcess? _cmixProcess, _gatewayProcess;
    private readonly string _peerId;
    private readonly TimeSpan? _chainStallAfter;
    private ChainView _view;

    /// <summary>The chain as it was at each of the last blocks, for reads at a block: the state read with a block height is the state of that block.</summary>
    private readonly ConcurrentDictionary<long, ChainView> _recentBlocks = new();
    private const int RecentBlocksKept = 64;
    private Task _running = Task.CompletedTask;

    private SimulatedNode(SimulatedNodeOptions options)
    {
        var binaries = new SimulatedBinaries(options.BinaryBehind);
        var now = DateTimeOffset.UtcNow;
        _chain = new SimulatedChain(options.Scenario, options.EraLength, now - options.ChainStartedBefore, NodeIdentity.Stash,
            NodeIdentity.CmixId, binaries)
        {
            MissedEra = options.MissedEra, WaitingEra = options.WaitingEra, LongEra = options.LongEra, NoBlocksAuthored = options.NoBlocksAuthored,
            PayeeChangesAt = now + options.PayeeChangedAfter, RoundsStallAt = now + options.NetworkStalledAfter,
        };
        _chainStallAfter = options.ChainStallAfter;
        _self = new NodeSelf(options.Role, options.SessionKeys == SessionKeysOnNode.Missing ? new HashSet<string>() : new HashSet<string>([_chain.StashSessionKeys], StringComparer.OrdinalIgnoreCase),
            RefusesUnsafe: options.SessionKeys == SessionKeysOnNode.Refused);
        _peerId = options.PeerId ?? NodeIdentity.PeerId($"{options.Seed} {Path.GetFullPath(options.LogFolder)} {options.Listen}");
        _view = _chain.At(DateTimeOffset.UtcNow) with { Self = _self, PeerId = _peerId };
        // The database first: its settings can be wrong (no password file), and then no log file is left open.
        if (options.GatewayDatabase is { } database) _gatewayDatabase = new GatewayRoundStore(database, options.GatewayDatabasePasswordFile);
        _rpc = new JsonRpcHost((method, parameters) => SubstrateRpc.Answer(ViewFor(method, parameters), method, parameters));
        if (options.InstallFolder is { } install)
        {
            // Started by the paths the wrappers run them from, where the binaries were installed.
            _cmixProcess = StandInProcess.Start(Path.GetFullPath(Path.Combine(install, SimulatedBinaries.FileOf("server"))));
            _gatewayProcess = StandInProcess.Start(Path.GetFullPath(Path.Combine(install, SimulatedBinaries.FileOf("gateway"))));
        }
        _logs = new LiveLogs(options.LogFolder, options.Scenario, options.Seed, options.MaxLogFileBytes, binaries,
            new LiveEvents(options.CmixDownAfter, options.CmixExitAfter, options.GatewayExitAfter, options.GatewayIsolatedAfter,
                options.WrapperWaitingAfter, options.WrapperChainLostAfter, options.WrapperRestartingAfter, options.GatewayRenewalFailingAfter,
                () => CmixEndedAt ??= End(_cmixProcess), () => GatewayEndedAt ??= End(_gatewayProcess)));
    }

    /// <summary>WebSocket URL of the JSON-RPC server, as the exporter's --chain.rpc-url takes it.</summary>
    public string RpcUrl => $"ws://{Reachable}";

    public string HttpUrl => $"http://{Reachable}";

    /// <summary>The libp2p peer id the chain node answers (<see cref="SimulatedNodeOptions.PeerId"/>).</summary>
    public string PeerId => _peerId;

    /// <summary>The validator's stash address (SS58, prefix 55).</summary>
    public string Stash => NodeIdentity.StashAddress;

    /// <summary>When the last block was imported before the chain stalled (<see cref="SimulatedNodeOptions.ChainStallAfter"/>); null while it runs.</summary>
    public DateTimeOffset? ChainStalledAt { get; private set; }

    /// <summary>When the process standing for cMix was ended (<see cref="SimulatedNodeOptions.CmixExitAfter"/>, <see cref="SimulatedNodeOptions.CmixDownAfter"/>, <see cref="SimulatedNodeOptions.WrapperRestartingAfter"/>); null while it runs.</summary>
    public DateTimeOffset? CmixEndedAt { get; private set; }

    /// <summary>When the process standing for the gateway was ended (<see cref="SimulatedNodeOptions.GatewayExitAfter"/>); null while it runs.</summary>
    public DateTimeOffset? GatewayEndedAt { get; private set; }

    private static DateTimeOffset End(StandInProcess? process)
    {
        process?.Stop();
        return DateTimeOffset.UtcNow;
    }

    /// <summary>When <paramref name="era"/> begins (or began) on the simulated chain.</summary>
    public DateTimeOffset EraStartsAt(uint era) => _chain.EraStartsAt(era);

    /// <summary>When the election for the era after <paramref name="era"/> becomes known, in the last third of <paramref name="era"/>.</summary>
    public DateTimeOffset NextElectionKnownAt(uint era) => _chain.NextElectionKnownAt(era);

    /// <summary>Ends only when the node stops, or faults when writing its logs or backups fails (a full disk, a folder it may not write).</summary>
    public Task Completion => _running;

    /// <summary>Where a client reaches the server: loopback when it listens on all interfaces.</summary>
    private IPEndPoint Reachable
    {
        get
        {
            var bound = _rpc.EndPoint!;
            if (bound.Address.Equals(IPAddress.Any)) return new IPEndPoint(IPAddress.Loopback, bound.Port);
            return bound.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, bound.Port) : bound;
        }
    }

    public static async Task<SimulatedNode> StartAsync(SimulatedNodeOptions options, CancellationToken token = default)
    {
        if (options.CredFolder is { } cred)
        {
            Directory.CreateDirectory(cred);
            await File.WriteAllTextAsync(Path.Combine(cred, "cmix-IDF.json"), NodeIdentity.IdfJson(), token);
            HostFiles.WriteCertificate(cred, DateTimeOffset.UtcNow);
        }
        if (options.InstallFolder is { } install) SimulatedBinaries.Install(install);
        if (options.ConfigFolder is { } config) HostFiles.WriteGatewayConfig(config, options.GatewayNodeAddress);
        var node = new SimulatedNode(options);
        try
        {
            await node._rpc.StartAsync(options.Listen);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        node._running = Task.WhenAll(node.ProduceBlocksAsync(node._stop.Token), node._logs.RunAsync(options.RoundInterval,
            () => node._chain.StashScheduledAt(DateTimeOffset.UtcNow), node.AfterRoundAsync, node._stop.Token),
            options.BackupFolder is { } backups ? TakeBackupsAsync(backups, options.EraLength, node._stop.Token) : Task.CompletedTask);
        return node;
    }

    private async Task ProduceBlocksAsync(CancellationToken stop)
    {
        using var refresh = new PeriodicTimer(ChainRefresh);
        try
        {
            DateTimeOffset started = DateTimeOffset.UtcNow, imported = started;
            while (await refresh.WaitForNextTickAsync(stop))
            {
                var now = DateTimeOffset.UtcNow;
                if (now - started >= _chainStallAfter)
                {
                    // A stalled node answers on, from the last block it imported.
                    ChainStalledAt ??= imported;
                    continue;
                }
                var view = _chain.At(now) with { Self = _self, PeerId = _peerId };
                _recentBlocks.TryAdd(view.Best, view);
                _recentBlocks.TryRemove(view.Best - RecentBlocksKept, out _);
                Volatile.Write(ref _view, view);
                imported = now;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>The view a request reads: that of the block a storage read names, if it is one of the last ones, else the current one.</summary>
    private ChainView ViewFor(string method, System.Text.Json.JsonElement parameters) =>
        SubstrateRpc.StorageReadAt(method, parameters) is { } block && _recentBlocks.TryGetValue(block, out var view) ? view : Volatile.Read(ref _view);

    private Task AfterRoundAsync(CancellationToken stop) => _gatewayDatabase?.StoreRoundAsync(stop) ?? Task.CompletedTask;

    private static async Task TakeBackupsAsync(string folder, TimeSpan every, CancellationToken stop)
    {
        HostFiles.WriteBackups(folder, DateTimeOffset.UtcNow);
        using var nightly = new PeriodicTimer(every);
        try
        {
            while (await nightly.WaitForNextTickAsync(stop)) HostFiles.WriteBackups(folder, DateTimeOffset.UtcNow);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops the node; what failed in the background is thrown once everything is closed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        finally
        {
            await _rpc.DisposeAsync();
            _logs.Dispose();
            _cmixProcess?.Dispose();
            _gatewayProcess?.Dispose();
            if (_gatewayDatabase is not null) await _gatewayDatabase.DisposeAsync();
            _stop.Dispose();
        }
    }
}

using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Chain.Scale;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// Reads the chain node at scrape time over one JSON-RPC connection: heights, peers, sync state and runtime, then
/// the configured validator's staking state. A node that is down, slow or answers nonsense gives
/// <c>xx_chain_up 0</c> (other chain series removed); staking trouble (unknown stash, storage that does not
/// decode) gives the staking collector's success 0 and leaves the chain series.
/// </summary>
public sealed class ChainCollector : IAsyncDisposable
{
    private readonly ChainSettings _settings;
    private readonly ChainMetrics _metrics;
    private readonly CollectorSeries _stakingHealth;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly ScrapeTimeCollection _collection;
    private JsonRpcClient _rpc;
    private int _endpoint;
    private ChainState _state;
    private StakingReader _staking;
    private byte[]? _stash;
    private bool _syncStateMissing;
    private int _infoConnection = -1;
    private (string Chain, string Version)? _info;
    private string? _lastChainError, _lastStakingError;
    private long _requestsOfClosedClients;

    public ChainCollector(ChainSettings settings, ChainMetrics metrics, ExporterMetrics exporter, ILoggerFactory loggers)
    {
        _settings = settings;
        _metrics = metrics;
        _loggers = loggers;
        _logger = loggers.CreateLogger("XxExporter.Chain");
        _stakingHealth = exporter.Collector("staking");
        _stash = settings.Stash;
        (_rpc, _state, _staking) = Connect(0);
        _collection = new ScrapeTimeCollection(ReadAsync, settings.Timeout, exporter.Collector("chain"), overdue =>
        {
            _metrics.Up.Set(0);
            ReportChain(overdue);
        }, _logger);
    }

    /// <summary>Reads started so far and connections opened (tests and benchmarks check one connection, shared reads).</summary>
    internal int Runs => _collection.Runs;
    internal int Connections => _rpc.Connections;
    internal StakingReader Staking => _staking;

    public void CollectBeforeEachScrape(CollectorRegistry registry) => registry.AddBeforeCollectCallback(_collection.CollectAsync);

    private (JsonRpcClient, ChainState, StakingReader) Connect(int endpoint)
    {
        var rpc = new JsonRpcClient(_settings.Endpoints[endpoint], _settings.Timeout, _loggers.CreateLogger("XxExporter.Chain.Rpc"));
        var state = new ChainState(rpc);
        return (rpc, state, new StakingReader(state, _settings.MissedErasWindow));
    }

    private async Task ReadAsync(CancellationToken token)
    {
        try
        {
            await ReadAndCountAsync(token);
        }
        finally
        {
            _metrics.Requests.IncTo(_requestsOfClosedClients + _rpc.Requests);
        }
    }

    private async Task ReadAndCountAsync(CancellationToken token)
    {
        try
        {
            await ReadChainAsync(token);
            if (_lastChainError is not null) _logger.LogInformation("Chain node {Endpoint} answers again", _settings.Endpoints[_endpoint]);
            _lastChainError = null;
        }
        catch (Exception ex)
        {
            // Whatever went wrong, nothing read this time is published: stale heights would look like a stuck chain.
            ChainDown(token.IsCancellationRequested ? _collection.Overdue : ex.Message);
            // Never connected: refused, unreachable or cut short by the timeout (a hung endpoint), so try the next.
            if (ex is RpcUnavailableException or OperationCanceledException && _settings.Endpoints.Count > 1 && _rpc.Connections == 0)
                await NextEndpointAsync();
            throw new CollectionFailedException(ex);
        }
        await ReadStakingAsync(token);
    }

    private async Task ReadChainAsync(CancellationToken token)
    {
        var best = await _rpc.CallAsync("chain_getBlockHash", [], token);
        string bestHash = best.GetString() ?? throw new FormatException("chain_getBlockHash gave no hash");
        var bestHeader = await _rpc.CallAsync("chain_getHeader", [bestHash], token);
        var finalizedHash = await _rpc.CallAsync("chain_getFinalizedHead", [], token);
        var finalizedHeader = await _rpc.CallAsync("chain_getHeader", [finalizedHash.GetString()!], token);
        var health = await _rpc.CallAsync("system_health", [], token);
        long? target = await SyncTargetAsync(token);
        var runtime = await _rpc.CallAsync("state_getRuntimeVersion", [bestHash], token);
        long specVersion = runtime.GetProperty("specVersion").GetInt64();
        _state.At = bestHash;
        if (await _state.RefreshRuntimeAsync(specVersion, token))
            _logger.LogInformation("Loaded the metadata of runtime {SpecName} {SpecVersion}", runtime.GetProperty("specName").GetString(), specVersion);
        if (_infoConnection != _rpc.Connections || _info is null)
        {
            _info = ((await _rpc.CallAsync("system_chain", [], token)).GetString() ?? "", (await _rpc.CallAsync("system_version", [], token)).GetString() ?? "");
            _infoConnection = _rpc.Connections;
        }

        _metrics.Height.WithLabels("best").Set(ChainState.BlockNumber(bestHeader));
        _metrics.Height.WithLabels("finalized").Set(ChainState.BlockNumber(finalizedHeader));
        if (target is { } t) _metrics.Height.WithLabels("target").Set(t);
        else _metrics.Height.RemoveLabelled("target");
        _metrics.Peers.Set(health.GetProperty("peers").GetInt64());
        _metrics.Syncing.Set(health.GetProperty("isSyncing").GetBoolean() ? 1 : 0);
        _metrics.SpecVersion.Set(specVersion);
        foreach (var labels in _metrics.NodeInfo.GetAllLabelValues().ToList()) _metrics.NodeInfo.RemoveLabelled(labels);
        _metrics.NodeInfo.WithLabels(_info.Value.Chain, _info.Value.Version).Set(1);
        _metrics.Up.Set(1);
    }

    /// <summary>system_syncState's highestBlock; some nodes answer "Method not found", and then the target is simply absent.</summary>
    private async Task<long?> SyncTargetAsync(CancellationToken token)
    {
        if (_syncStateMissing) return null;
        try
        {
            var sync = await _rpc.CallAsync("system_syncState", [], token);
            return sync.TryGetProperty("highestBlock", out var highest) && highest.ValueKind == JsonValueKind.Number ? highest.GetInt64() : null;
        }
        catch (RpcErrorException ex)
        {
            // Optional: an error here never takes the chain down. "Method not found" (some nodes over HTTP omit the
            // code) means the node lacks it for good, so it is not asked again.
            if (ex.Code == RpcErrorException.MethodNotFound || ex.Message.Contains("Method not found", StringComparison.OrdinalIgnoreCase))
            {
                _syncStateMissing = true;
                _logger.LogInformation("The node has no system_syncState; the target height is not exported");
            }
            return null;
        }
    }

    private async Task ReadStakingAsync(CancellationToken token)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            byte[]? nodeId = CmixIdf.ReadNodeId(_settings.IdfPath);
            _stash ??= nodeId is null ? null : await _staking.FindStashAsync(nodeId, token);
            if (_stash is null)
            {
                UnpublishStaking();
                ReportStaking(nodeId is null
                    ? "no validator configured (--chain.stash) and no IDF to find it by"
                    : $"no stash on chain has the cMix ID of {_settings.IdfPath}");
                _stakingHealth.Report(false, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                return;
            }
            Apply(await _staking.ReadAsync(_stash, token), nodeId);
            _lastStakingError = null;
            _stakingHealth.Report(true, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            // Any failure, the IDF unreadable as much as a lost node, leaves no stale staking series.
            UnpublishStaking();
            ReportStaking(token.IsCancellationRequested ? _collection.Overdue : ex.Message);
            _stakingHealth.Report(false, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private void Apply(StakingSnapshot s, byte[]? nodeId)
    {
        var m = _metrics;
        m.ActiveEra.Set(s.ActiveEra);
        if (s.EraStartUnix is { } start) m.EraStart.Set(start); else m.EraStart.Unpublish();
        m.SessionIndex.Set(s.Session);
        m.ActiveSetSize.Set(s.ActiveSetSize);
        m.Active.Set(s.Active ? 1 : 0);
        m.Intends.Set(s.Intends ? 1 : 0);
        if (s.ElectedNext is { } next) m.ElectedNext.Set(next ? 1 : 0); else m.ElectedNext.Unpublish();
        m.EraPoints.Set(s.EraPoints);
        m.EraPointsMedian.Set(s.MedianPoints);
        if (s.LastEra is { } last)
        {
            m.LastEraPoints.Set(last.Points);
            m.LastEraMissed.Set(last.Missed ? 1 : 0);
        }
        else
        {
            m.LastEraPoints.Unpublish();
            m.LastEraMissed.Unpublish();
        }
        m.MissedEras.Set(s.MissedEras);
        m.MissedErasWindow.Set(s.Window);
        SetOrUnpublish(m.Commission, s.Commission);
        SetOrUnpublish(m.OwnStake, s.OwnStake);
        SetOrUnpublish(m.TotalStake, s.TotalStake);
        SetOrUnpublish(m.Nominators, s.Nominators);
        if (nodeId is null) m.CmixIdMatches.Unpublish();
        else m.CmixIdMatches.Set(s.OnChainCmixId is { } onChain && onChain.AsSpan().SequenceEqual(nodeId) ? 1 : 0);
    }

    private static void SetOrUnpublish(Gauge gauge, double? value)
    {
        if (value is { } v) gauge.Set(v); else gauge.Unpublish();
    }

    private void ChainDown(string error)
    {
        _metrics.Up.Set(0);
        foreach (var gauge in new[] { _metrics.Peers, _metrics.Syncing, _metrics.SpecVersion }) gauge.Unpublish();
        foreach (var labels in _metrics.Height.GetAllLabelValues().ToList()) _metrics.Height.RemoveLabelled(labels);
        foreach (var labels in _metrics.NodeInfo.GetAllLabelValues().ToList()) _metrics.NodeInfo.RemoveLabelled(labels);
        UnpublishStaking();
        ReportChain(error);
    }

    private void UnpublishStaking()
    {
        var m = _metrics;
        foreach (var gauge in new[] { m.ActiveEra, m.EraStart, m.SessionIndex, m.ActiveSetSize, m.Active, m.Intends, m.ElectedNext, m.EraPoints,
                     m.EraPointsMedian, m.LastEraPoints, m.LastEraMissed, m.MissedEras, m.MissedErasWindow, m.Commission, m.OwnStake,
                     m.TotalStake, m.Nominators, m.CmixIdMatches })
            gauge.Unpublish();
    }

    /// <summary>Never connected to this endpoint: try the next one from the next scrape on.</summary>
    private async Task NextEndpointAsync()
    {
        await _rpc.DisposeAsync();
        _requestsOfClosedClients += _rpc.Requests;
        _endpoint = (_endpoint + 1) % _settings.Endpoints.Count;
        (_rpc, _state, _staking) = Connect(_endpoint);
    }

    private void ReportChain(string error)
    {
        if (error == _lastChainError) return;
        _lastChainError = error;
        _logger.LogWarning("Chain node {Endpoint} is not answering: {Error}", _settings.Endpoints[_endpoint], error);
    }

    private void ReportStaking(string error)
    {
        if (error == _lastStakingError) return;
        _lastStakingError = error;
        _logger.LogWarning("Cannot read the validator's staking state: {Error}", error);
    }

    public ValueTask DisposeAsync() => _rpc.DisposeAsync();
}

using XxSimulator.Chain;
using XxSimulator.Logs;

namespace XxSimulator.Node;

/// <summary>
/// The node's four logs written as it runs: the wrappers start cMix and the gateway, then a round every
/// <c>interval</c>, stamped with the current local time and flushed at once for the exporter tailing them.
/// </summary>
internal sealed class LiveLogs : IDisposable
{
    private readonly NodeLogScript _script;
    private readonly long _maxFileBytes;
    private readonly TimeSpan? _cmixDownAfter, _gatewayIsolatedAfter;
    private readonly LiveLogEvents _events;

    /// <param name="cmixDownAfter">When the node stops for good, leaving cmix-err.log (null: never).</param>
    /// <param name="gatewayIsolatedAfter">When peer gossip stops reaching the gateway (null: never).</param>
    /// <param name="events">When the wrappers and the gateway start failing otherwise (none by default).</param>
    public LiveLogs(string folder, Scenario scenario, int seed, long maxFileBytes, SimulatedBinaries binaries, TimeSpan? cmixDownAfter = null,
        TimeSpan? gatewayIsolatedAfter = null, LiveLogEvents? events = null)
    {
        _maxFileBytes = maxFileBytes;
        _cmixDownAfter = cmixDownAfter;
        _gatewayIsolatedAfter = gatewayIsolatedAfter;
        _events = events ?? new LiveLogEvents();
        Directory.CreateDirectory(folder);
        _script = new NodeLogScript(folder, FileMode.Append, OptionsFor(scenario, seed) with { Binaries = binaries }, new WallLogClock());
    }

    /// <summary>
    /// No crashes while idle and no invalid bytes; a slow gateway query about once in 15 minutes at 1.5 s rounds
    /// (the slow-database alert wants more than five). Troubled: every tenth round fails (twice the 5 % break-even of
    /// the simulated chain's points, SimulatedChain.CmixVariables), each ending in the node's crash and restart as real
    /// failures do; regular, so that the failure ratio alert fires well before five crashes make it a crash loop
    /// (which then holds the ratio alert back).
    /// </summary>
    internal static LogSetOptions OptionsFor(Scenario scenario, int seed) => new(
        Seed: seed, RoundFailureRate: 0, FailEveryRounds: scenario == Scenario.Troubled ? 10 : 0, IdleCrashRate: 0,
        InvalidBytesRate: 0, SlowQueryRate: 0.002);

    /// <summary>
    /// Writes until stopped: a round each <paramref name="interval"/> while <paramref name="scheduled"/> holds (the
    /// validator is in the active set), nothing otherwise. <paramref name="afterRound"/> runs once each round is in the logs.
    /// </summary>
    public async Task RunAsync(TimeSpan interval, Func<bool> scheduled, Func<CancellationToken, Task> afterRound, CancellationToken stop)
    {
        _script.Launch();
        _script.FlushAndRotate(_maxFileBytes);
        using var rounds = new PeriodicTimer(interval);
        var started = DateTime.UtcNow;
        try
        {
            while (await rounds.WaitForNextTickAsync(stop))
            {
                var running = DateTime.UtcNow - started;
                if (running >= _gatewayIsolatedAfter) _script.IsolateGateway();
                if (running >= _cmixDownAfter) _script.StopForGood();
                if (running >= _events.WrapperWaitingAfter) _script.WrapperWaits();
                if (running >= _events.WrapperChainLostAfter) _script.WrapperChainPollFails();
                if (running >= _events.GatewayRenewalFailingAfter) _script.GatewayRenewalFails();
                _script.FlushAndRotate(_maxFileBytes);
                if (!scheduled()) continue;
                _script.NextRound();
                _script.FlushAndRotate(_maxFileBytes);
                await afterRound(stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _script.Dispose();
}

/// <summary>Times after the start from which the node's logs show a failure each round (null: never).</summary>
/// <param name="WrapperWaitingAfter">The cMix wrapper restarts and waits for the consensus ready state from then on; cMix does not run.</param>
/// <param name="WrapperChainLostAfter">The cMix wrapper's chain polls fail (its processes run on).</param>
/// <param name="GatewayRenewalFailingAfter">The gateway's HTTPS certificate renewal fails, retried at once.</param>
internal sealed record LiveLogEvents(TimeSpan? WrapperWaitingAfter = null, TimeSpan? WrapperChainLostAfter = null, TimeSpan? GatewayRenewalFailingAfter = null);

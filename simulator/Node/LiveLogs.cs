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
    private readonly LiveEvents _events;

    public LiveLogs(string folder, Scenario scenario, int seed, long maxFileBytes, SimulatedBinaries binaries, LiveEvents events)
    {
        _maxFileBytes = maxFileBytes;
        _events = events;
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
                if (running >= _events.GatewayIsolatedAfter) _script.IsolateGateway();
                if (running >= _events.CmixDownAfter)
                {
                    _script.StopForGood();
                    _events.CmixGone();
                }
                if (running >= _events.CmixExitAfter)
                {
                    _script.CmixKilled();
                    _events.CmixGone();
                }
                if (running >= _events.GatewayExitAfter)
                {
                    _script.GatewayStops();
                    _events.GatewayGone();
                }
                if (running >= _events.WrapperWaitingAfter) _script.WrapperWaits();
                if (running >= _events.WrapperChainLostAfter) _script.WrapperChainPollFails();
                if (running >= _events.WrapperRestartingAfter)
                {
                    // The binary runs in the wrapper's unit: each exit of the wrapper stops it.
                    _script.WrapperStartsAgain();
                    _events.CmixGone();
                }
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

/// <summary>What happens to the node while it runs, each this long after the start (null: never).</summary>
/// <param name="CmixDownAfter">The node stops for good, leaving cmix-err.log.</param>
/// <param name="CmixExitAfter">The node's process is killed, leaving nothing.</param>
/// <param name="GatewayExitAfter">The gateway stops on an error; nothing restarts it.</param>
/// <param name="GatewayIsolatedAfter">Peer gossip stops reaching the gateway.</param>
/// <param name="WrapperWaitingAfter">The cMix wrapper restarts and waits for the consensus ready state from then on; no rounds.</param>
/// <param name="WrapperChainLostAfter">The cMix wrapper's chain polls fail (its processes run on).</param>
/// <param name="WrapperRestartingAfter">The cMix wrapper exits and is started again each round; cMix does not run.</param>
/// <param name="GatewayRenewalFailingAfter">The gateway's HTTPS certificate renewal fails, retried at once.</param>
/// <param name="CmixGone">Ends the process standing for cMix (called again at each round after).</param>
/// <param name="GatewayGone">Ends the process standing for the gateway (called again at each round after).</param>
internal sealed record LiveEvents(TimeSpan? CmixDownAfter, TimeSpan? CmixExitAfter, TimeSpan? GatewayExitAfter, TimeSpan? GatewayIsolatedAfter,
    TimeSpan? WrapperWaitingAfter, TimeSpan? WrapperChainLostAfter, TimeSpan? WrapperRestartingAfter, TimeSpan? GatewayRenewalFailingAfter,
    Action CmixGone, Action GatewayGone);

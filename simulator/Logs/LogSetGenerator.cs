using System.Globalization;
using System.Text;
using XxSimulator.Node;

namespace XxSimulator.Logs;

/// <summary>Shape of a generated log set.</summary>
/// <param name="Seed">Same seed, same bytes.</param>
/// <param name="CmixBytes">Stop once the four logs hold this many bytes together (cmix.log is nearly all of it).</param>
/// <param name="RoundFailureRate">Share of rounds that fail (spread over the four reasons).</param>
/// <param name="IdleCrashRate">Per round, chance of a crash while WAITING (not a round failure).</param>
/// <param name="InvalidBytesRate">Per round, chance of a record carrying invalid UTF-8 and NUL bytes.</param>
/// <param name="LongLineEveryRounds">Every so many rounds a long line (0: never).</param>
/// <param name="LongLineBytes">Length of those lines.</param>
/// <param name="MaxLineBytes">The exporter's line cap: longer lines are expected to be skipped.</param>
/// <param name="WithGateway">Also write gateway.log and gateway-wrapper.log.</param>
/// <param name="SlowQueryRate">Per round, chance of the gateway reporting a slow database query.</param>
/// <param name="FailEveryRounds">If above 0, exactly every so many rounds fail instead of a random share.</param>
/// <param name="GatewayIsolated">The gateway gets its own node's rounds but no gossip from peer gateways.</param>
/// <param name="CmixLeftDown">The set ends with the node stopped on an error its restart did not clear (cmix-err.log stays).</param>
/// <param name="Binaries">If set, each wrapper's first start installs its binaries by their chain hashes, and fails to update the one behind.</param>
public sealed record LogSetOptions(
    int Seed = 1,
    long CmixBytes = 2_000_000,
    double RoundFailureRate = 0.04,
    double IdleCrashRate = 0.005,
    double InvalidBytesRate = 0.01,
    int LongLineEveryRounds = 0,
    int LongLineBytes = 200_000,
    int MaxLineBytes = 1 << 20,
    bool WithGateway = true,
    double SlowQueryRate = 1.0 / 30,
    int FailEveryRounds = 0,
    bool GatewayIsolated = false,
    bool CmixLeftDown = false,
    XxSimulator.Chain.SimulatedBinaries? Binaries = null);

/// <summary>Writes a whole log set at once, in simulated time, as fast as the disk takes it.</summary>
public static class LogSetGenerator
{
    /// <summary>Local time of a log set's first record.</summary>
    internal static readonly DateTime Start = new(2023, 7, 26, 14, 0, 0);

    /// <summary>Writes the four logs into <paramref name="folder"/> and returns what they contain.</summary>
    public static GroundTruth Generate(string folder, LogSetOptions options)
    {
        using var script = new NodeLogScript(folder, FileMode.Create, options, new SimulatedLogClock(Start));
        script.Launch();
        while (script.Truth.Bytes < options.CmixBytes) script.NextRound();
        if (options.CmixLeftDown) script.StopForGood();
        return script.Truth;
    }
}

/// <summary>
/// Writes a realistic cmix.log, cmix-wrapper.log, gateway.log and gateway-wrapper.log: rounds with their phase
/// chatter, round failures by each reason ending in the real crash-restart cycle (FATAL, the deferred
/// "Updating to ERROR failed", panic and goroutine dump, wrapper restart, recovery), crashes while idle,
/// notices about completed and old rounds, invalid bytes and long lines - and counts what it wrote.
/// Lines follow the format strings in the xx sources (see docs/xx-node-facts.md §2). The same script
/// writes a log set at once (<see cref="LogSetGenerator"/>) and a node's logs live (<see cref="Node.LiveLogs"/>).
/// </summary>
internal sealed class NodeLogScript : IDisposable
{
    private static readonly string[] NodeIds =
    [
        NodeIdentity.Base64Id, "c6wptSinakErZHrk0SlgGQXExETPYYLB2CwpLNze6FMC",
        "Qm9vdHN0cmFwTm9kZTAwMDAwMDAwMDAwMDAwMDAwMDAC", "dGVhbU1lbWJlcjNhYmNkZWZnaGlqa2xtbm9wcXJzdHUC",
        "bGFzdE5vZGVJblRoZVRlYW1vZkZpdmVfX19fX19fX18C",
    ];
    private static readonly string[] PrecompPhases = ["PrecompGeneration", "PrecompShare", "PrecompDecrypt", "PrecompPermute", "PrecompReveal"];
    private static readonly string[] RealtimePhases = ["RealDecrypt", "RealPermute"];
    private static readonly string[] Reasons = ["phase_timeout", "participatory_fail", "team_error", "other"];

    private readonly LogSetOptions _options;
    private readonly ILogClock _clock;
    private readonly Random _random;
    private readonly LogWriter _cmix, _cmixWrapper, _gateway, _gatewayWrapper;
    private readonly string _self;
    private readonly string _folder;
    private bool _gatewayIsolated, _cmixDown, _gatewayDown, _wrapperWaiting, _wrapperRestarting;
    private long _round;
    private long _rounds;
    private int _pid = 4000;

    /// <param name="mode">Create to write a new log set; Append to go on with the logs already there, as the xx services do.</param>
    public NodeLogScript(string folder, FileMode mode, LogSetOptions options, ILogClock clock)
    {
        _options = options;
        _clock = clock;
        _folder = folder;
        _gatewayIsolated = options.GatewayIsolated;
        _random = new Random(options.Seed);
        _self = $"{NodeIds[0]}:11420";
        // Round IDs go on from the clock (two a second, faster than the rounds come), so a simulator restarted on
        // the same logs never repeats one; a log set (starting at LogSetGenerator.Start) starts at round 9876000.
        _round = 9_876_000 + 2 * (long)(clock.Now - LogSetGenerator.Start).TotalSeconds;
        LogWriter Open(string file, string log, bool python) => new(Path.Combine(folder, file), mode, log, python, Truth);
        _cmix = Open("cmix.log", "cmix", python: false);
        _cmixWrapper = Open("cmix-wrapper.log", "cmix_wrapper", python: true);
        _gateway = Open("gateway.log", "gateway", python: false);
        _gatewayWrapper = Open("gateway-wrapper.log", "gateway_wrapper", python: true);
    }

    /// <summary>What has been written so far.</summary>
    public GroundTruth Truth { get; } = new();

    /// <summary>The wrappers start the node and the gateway, which come up and wait for rounds.</summary>
    public void Launch()
    {
        WrapperStartsBinary(_cmixWrapper, "xxnetwork-cmix", firstStart: true, service: "cmix");
        NodeStarts(recovering: false);
        if (_options.WithGateway)
        {
            WrapperStartsBinary(_gatewayWrapper, "xxnetwork-gateway", firstStart: true, service: "gateway");
            _gateway.Record(Tick(1), "INFO", "Starting xx network gateway v3.16.1");
            _gateway.Record(Tick(0), "INFO", "Beginning polling NDF...");
            _gateway.Record(Tick(1), "INFO", "Successfully obtained NDF!");
        }
    }

    /// <summary>From now on no peer gateway gossips to this one (its node's rounds still arrive).</summary>
    public void IsolateGateway() => _gatewayIsolated = true;

    /// <summary>The next round: completed, failed (ending in a crash and restart), or a crash while waiting for it. None once the node is down for good.</summary>
    public void NextRound()
    {
        if (_cmixDown || _gatewayDown || _wrapperWaiting || _wrapperRestarting) return;
        _rounds++;
        _round += 1 + _random.Next(3);
        if (_options.LongLineEveryRounds > 0 && _rounds % _options.LongLineEveryRounds == 0) LongLine();
        if (_random.NextDouble() < _options.IdleCrashRate) CrashWhileWaiting();
        else if (RoundFails()) FailedRound(Reasons[_random.Next(Reasons.Length)]);
        else CompletedRound();
    }

    private bool RoundFails() => _options.FailEveryRounds > 0
        ? _rounds % _options.FailEveryRounds == 0
        : _random.NextDouble() < _options.RoundFailureRate;

    /// <summary>Hands what was written to the files, for a reader tailing them, and rotates those grown past <paramref name="maxBytes"/>.</summary>
    public void FlushAndRotate(long maxBytes)
    {
        foreach (var writer in new[] { _cmix, _cmixWrapper, _gateway, _gatewayWrapper }) writer.RotateIfLargerThan(maxBytes);
    }

    public void Dispose()
    {
        foreach (var writer in new[] { _cmix, _cmixWrapper, _gateway, _gatewayWrapper }) writer.Dispose();
    }

    private DateTime Tick(int seconds) => _clock.Advance(seconds);

    private string Tagged(long round) => $"[{_self}]: RID {round}";

    private void NodeStarts(bool recovering)
    {
        _cmix.Record(Tick(2), "INFO", "Starting xx network node (server) v3.13.0");
        Truth.CmixStarts++;
        _cmix.Record(Tick(0), "INFO", "Initializing GPU maths, CUDA backend, with memory size 4096");
        _cmix.Record(Tick(1), "INFO", "Connecting to scheduling with address: scheduling.mainnet.cmix.rip:11420, from input mainnet.cmix.rip:11420");
        if (recovering)
        {
            _cmix.Record(Tick(0), "INFO", "Server instance was recovered from error round failure: removing file at /opt/xxnetwork/log/cmix-err.log");
            _cmix.Record(Tick(0), "INFO", "Server has recovered from an error");
            _cmix.Record(Tick(1), "INFO", "Reporting error to permissioning: round failure");
            // The restarted process reports the old error: not a new failure.
            _cmix.Record(Tick(0), "INFO", "Updated to ERROR successfully");
        }
        _cmix.Record(Tick(1), "INFO", "Waiting on communication from gateway to continue");
        _cmix.Record(Tick(1), "INFO", "Communication from gateway received");
        _cmix.Record(Tick(0), "INFO", "Updated to WAITING successfully");
    }

    private void WrapperStartsBinary(LogWriter wrapper, string binary, bool firstStart, string service = "cmix")
    {
        if (firstStart)
        {
            wrapper.Record(Tick(0), "INFO", $"Script initialized at {_clock.Now:yyyy-MM-dd HH:mm:ss}");
            wrapper.Record(Tick(0), "INFO", "Waiting on IDF for consensus...");
            wrapper.Record(Tick(5), "INFO", "Waiting on consensus ready state...");
            wrapper.Record(Tick(30), "INFO", "Consensus ready!");
            if (_options.Binaries is { } binaries) InstallsFromChain(wrapper, service, binaries);
        }
        wrapper.Record(Tick(0), "INFO", $"/opt/xxnetwork/bin/{binary} started at PID {++_pid}");
    }

    /// <summary>
    /// The wrapper's first poll of the chain hashes: it knows none (all zeros) and installs each of its binaries; the one
    /// behind is then asked for again and cannot be downloaded (docs/xx-node-facts.md, "Binaries behind the chain").
    /// </summary>
    private void InstallsFromChain(LogWriter wrapper, string service, XxSimulator.Chain.SimulatedBinaries binaries)
    {
        string none = new('0', 64);
        foreach (var (name, _, of) in XxSimulator.Chain.SimulatedBinaries.All.Where(b => b.Wrapper == service && b.Name != "wrapper"))
        {
            string installed = Convert.ToHexStringLower(XxSimulator.Chain.SimulatedBinaries.InstalledHash(name));
            wrapper.Record(Tick(0), "INFO", $"{name} update required: {none} -> {installed}");
            if (name != binaries.Behind) continue;
            string wanted = Convert.ToHexStringLower(binaries.ChainHash(name));
            wrapper.Record(Tick(10), "INFO", $"{name} update required: {installed} -> {wanted}");
            wrapper.Record(Tick(1), "ERROR", $"Unable to download {name}/{wanted} from elixxir-bins: An error occurred (403) when calling the HeadObject operation: Forbidden");
            wrapper.Continuation("Traceback (most recent call last):");
            wrapper.Continuation("botocore.exceptions.ClientError: An error occurred (403) when calling the HeadObject operation: Forbidden");
        }
    }

    private void Precomputation(long round)
    {
        _cmix.Record(Tick(1), "INFO", "Updated to PRECOMPUTING successfully");
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} CreateNewRound COMPLETE");
        for (int member = 1; member < NodeIds.Length; member++)
        {
            _cmix.Record(Tick(0), "INFO", $"Waiting for cMix server {NodeIds[member]}:11420 ({member}/4)...");
            if (_random.Next(50) == 0)
                _cmix.Record(Tick(0), "WARN", $"Could not contact cMix server {NodeIds[member]}:11420 ({member}/4): context deadline exceeded");
            _cmix.Record(Tick(0), "INFO", $"cMix server {NodeIds[member]}:11420 ({member}/4) is online...");
        }
        foreach (string phase in PrecompPhases) Phase(round, phase);
    }

    private void Phase(long round, string phase)
    {
        var next = NodeIds[_random.Next(1, NodeIds.Length)];
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} Beginning execution of Phase \"{phase}\"");
        _cmix.Record(Tick(1), "INFO", $"[{_self} - (1/5)] RID {round} StreamTransmitPhase FOR \"{phase}\" COMPLETE/SEND");
        _cmix.Record(Tick(0), "INFO",
            $"\tbwLogging: Round {round}, transmitted phase: {phase}, from: {_self}, to: {next}:11420, started: {_clock.Now:HH:mm:ss.fff}, ended: {_clock.Now:HH:mm:ss.fff}, duration: {_random.Next(20, 900)},");
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} StreamPostPhase FROM \"{NodeIds[4]}:11420\" TO \"{_self}\" RECEIVE/START");
        _cmix.Record(Tick(1), "INFO",
            $"{Tagged(round)} Finishing execution of Phase \"{phase}\" -- Adapt: {_random.NextDouble() * 5:F6}ms, outMod: {_random.NextDouble() * 2:F6}ms");
    }

    private void ToRealtime(long round)
    {
        _cmix.Record(Tick(1), "INFO", "Updated to STANDBY successfully");
        _cmix.Record(Tick(0), "INFO", $"Sleeping for {_random.Next(100, 2000)}ms for realtime start");
        _cmix.Record(Tick(1), "INFO", "Updated to REALTIME successfully");
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} PostNewBatch START");
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} receiveUploadUnmixedBatch END");
    }

    private void CompletedRound()
    {
        long round = _round;
        Precomputation(round);
        ToRealtime(round);
        foreach (string phase in RealtimePhases) Phase(round, phase);
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} ReceiveFinishRealtime START");
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} ReceiveFinishRealtime END");
        string seconds = (_random.Next(8_000_000, 60_000_000) / 1e6).ToString("0.######", CultureInfo.InvariantCulture);
        _cmix.Record(Tick(0), "INFO", $"{Tagged(round)} Round took {seconds}s seconds");
        Truth.RoundsCompleted++;
        Truth.RoundSecondsSum += double.Parse(seconds, CultureInfo.InvariantCulture);
        _cmix.Record(Tick(0), "INFO", "Updated to COMPLETED successfully");
        _cmix.Record(Tick(0), "INFO", $"Sending mixed batch for round {round} to gateway");
        _cmix.Record(Tick(0), "INFO", $"Round trip duration for round {round}: {_random.Next(5, 90)} ms");
        if (_random.Next(20) == 0)
            _cmix.Record(Tick(0), "WARN", $"Received participatory fail in round {round} which node has completed");
        if (_random.Next(40) == 0)
            _cmix.Record(Tick(0), "WARN", $"Received participatory fail from old round {round - 7}");
        if (_random.NextDouble() < _options.InvalidBytesRate)
            _cmix.Record(Tick(0), "INFO", [.. "New NDF Received, hash: "u8, 0xff, 0xfe, 0x00, 0xc3, 0x28, .. "\u00e9\u00e8"u8]);
        _cmix.Record(Tick(1), "INFO", "Updated to WAITING successfully");
        GatewayStores(round);
    }

    private void GatewayStores(long round)
    {
        if (!_options.WithGateway) return;
        int real = _random.Next(0, 1000);
        _gateway.Record(_clock.Now, "INFO", $"Sending batch for round {round} with {1000} messages...");
        _gateway.Record(_clock.Now, "INFO", "Uploading batch to server");
        _gateway.Record(_clock.Now, "INFO", "Upload complete");
        _gateway.Record(_clock.Now, "INFO", $"Round {round} received, {real} real messages processed, {1000 - real} dummies ignored");
        Truth.GatewayRoundsReceived++;
        Truth.GatewayRealMessages += real;
        Truth.GatewayDummyMessages += 1000 - real;
        _gateway.Record(_clock.Now, "INFO", $"Local round data for round {round} with {real} recipients at {_clock.Now:yyyy-MM-dd HH:mm:ss}: ");
        _gateway.Continuation($"\t inserts finished at {_clock.Now:yyyy-MM-dd HH:mm:ss}, KR insert finished at {_clock.Now:yyyy-MM-dd HH:mm:ss}, ");
        _gateway.Continuation($"]t round started at ts {_clock.Now:yyyy-MM-dd HH:mm:ss}, average attempts: 1.000000 (total: {real})");
        Truth.GatewayLocalRounds++;
        if (!_gatewayIsolated) PeerGossip(round + 1, real / 2);
        if (_random.NextDouble() < _options.SlowQueryRate)
        {
            _gateway.Record(_clock.Now, "WARN", $"Query InsertMixedMessages took an unexpectedly long time: 1.{_random.Next(100, 999)}s");
            Truth.GatewaySlowQueries++;
        }
    }

    /// <summary>A peer gateway's gossip of another team's round (elixxir-gateway cmd/bloomGossip.go).</summary>
    private void PeerGossip(long round, int recipients)
    {
        _gateway.Record(_clock.Now, "INFO", $"Gossip received for round {round} with {recipients} recipients at {_clock.Now:yyyy-MM-dd HH:mm:ss}: ");
        _gateway.Continuation($"\t inserts finished at {_clock.Now:yyyy-MM-dd HH:mm:ss}, KR insert finished at {_clock.Now:yyyy-MM-dd HH:mm:ss}, ");
        _gateway.Continuation($"]t round started at ts {_clock.Now:yyyy-MM-dd HH:mm:ss}, average attempts: 1.000000 (total: {recipients})");
        _gateway.Record(_clock.Now, "TRACE", $"Gossip received for RID {round}, lastChecked: {round - 1}");
        Truth.GatewayGossipRounds++;
    }

    /// <summary>
    /// The cMix wrapper is restarted (its service, with the cMix process under it) and then waits for the consensus
    /// ready state without end, as one that cannot tell that its cMix ID is in the active set does: cMix does not run, so
    /// no rounds follow, and no error file is written.
    /// </summary>
    public void WrapperWaits()
    {
        if (_wrapperWaiting) return;
        _wrapperWaiting = true;
        _cmixWrapper.Record(Tick(1), "INFO", $"Script initialized at {_clock.Now:yyyy-MM-dd HH:mm:ss}");
        _cmixWrapper.Record(Tick(0), "INFO", "Waiting on IDF for consensus...");
        _cmixWrapper.Record(Tick(5), "INFO", "Waiting on consensus ready state...");
    }

    /// <summary>
    /// The cMix wrapper started again by systemd after it exited (Restart=always), and exiting again before its waits,
    /// its traceback in the journal, not in this log: only its first line, its arguments as a Python dict
    /// (xxfoundation/elixxir-wrapper, wrapper.py main; the example S3 key of the AWS documentation). The binary runs
    /// in the wrapper's unit, so cMix is stopped and no rounds follow.
    /// </summary>
    public void WrapperStartsAgain()
    {
        _wrapperRestarting = true;
        _cmixWrapper.Record(Tick(1), "INFO", "Running with configuration: {'s3_access_key': 'AKIAIOSFODNN7EXAMPLE', "
            + "'s3_secret': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 's3_management_bucket': 'elixxir-management-mainnet', "
            + "'s3_bin_bucket': 'elixxir-bins', 's3_region': 'us-west-1', 'verbose': False, 'gateway': False, "
            + "'binary_path': '/opt/xxnetwork/bin/xxnetwork-cmix', 'err_path': '/opt/xxnetwork/log/cmix-err.log', "
            + "'disable_consensus': False, 'consensus_url': 'ws://localhost:63007'}");
    }

    /// <summary>One of the cMix wrapper's chain polls failing: nothing answers where it looks for the chain node's RPC (every 10 s in wrapper.py).</summary>
    public void WrapperChainPollFails() =>
        _cmixWrapper.Record(Tick(0), "ERROR", "Failed to get substrate chain connection: [Errno 111] Connection refused");

    /// <summary>One failed attempt of the gateway's HTTPS certificate renewal (elixxir-gateway cmd/https.go, replaceCertificateErr), retried at once.</summary>
    public void GatewayRenewalFails()
    {
        _gateway.Record(Tick(0), "ERROR", $"[handleReplaceCertificates] Error encountered while replacing certificates, will retry after {_clock.Now:yyyy-MM-dd HH:mm:ss}.000000071 +0000 UTC m=+2592000.000000071...");
        _gateway.Continuation(" Error text: Failed to get new https credentials: rpc error: code = Unavailable desc = connection error");
    }

    /// <summary>
    /// A round fails and the node stops; the wrapper restarts it, and the new process dies opening its database
    /// before it can remove cmix-err.log, which therefore stays: no rounds from now on (docs/xx-node-facts.md 2.3).
    /// </summary>
    public void StopForGood()
    {
        if (_cmixDown) return;
        long round = _round += 1;
        Precomputation(round);
        _cmix.Record(Tick(180), "ERROR", $"{Tagged(round)} Graph PrecompShare of phase PrecompShare has timed out");
        Truth.RoundFailures["phase_timeout"]++;
        string error = $"Round {round} failed: Graph PrecompShare of phase PrecompShare has timed out";
        var written = new DateTimeOffset(_clock.Now);
        Crash(error);
        Node.CmixErrorFile.Write(_folder, written, (ulong)round, error);
        _cmix.Record(Tick(2), "INFO", "Starting xx network node (server) v3.13.0");
        Truth.CmixStarts++;
        _cmix.Record(Tick(0), "INFO", "Server has recovered from an error");
        const string database = "Could not initialize database: psql://cmix@db.node.internal:5432/cmix_node: " +
            "failed to connect to `host=db.node.internal user=cmix database=cmix_node`: hostname resolving error " +
            "(lookup db.node.internal: Temporary failure in name resolution)";
        _cmix.Record(Tick(5), "FATAL", database);
        _cmix.Continuation($"panic: {database}");
        Truth.CmixCrashes++;
        _cmixDown = true;
    }

    /// <summary>
    /// The cMix process is killed between rounds (as by the OOM killer or a signal): it writes nothing, neither a line
    /// nor cmix-err.log, so its wrapper does not restart it (docs/xx-node-facts.md 2.3.1): no rounds from now on.
    /// </summary>
    public void CmixKilled() => _cmixDown = true;

    /// <summary>
    /// The gateway stops on a database call that timed out (xxfoundation/elixxir-gateway, storage/gatewayDb.go); its
    /// wrapper never restarts it, so its node gets no rounds from now on.
    /// </summary>
    public void GatewayStops()
    {
        if (_gatewayDown) return;
        const string timeout = "Database call timed out: context deadline exceeded";
        _gateway.Record(Tick(10), "FATAL", timeout);
        _gateway.Continuation($"panic: {timeout}");
        _gatewayDown = true;
    }

    private void FailedRound(string reason)
    {
        long round = _round;
        Precomputation(round);
        int stage = _random.Next(3); // fail in PRECOMPUTING, STANDBY or REALTIME
        if (stage >= 1) ToRealtime(round);
        switch (reason)
        {
            case "phase_timeout":
                _cmix.Record(Tick(180), "ERROR", $"{Tagged(round)} Graph {PrecompPhases[_random.Next(5)]} of phase {PrecompPhases[_random.Next(5)]} has timed out");
                break;
            case "participatory_fail":
                _cmix.Record(Tick(3), "WARN", $"Received participatory fail in round {round} which is in progress");
                break;
            case "team_error":
                _cmix.Record(Tick(3), "ERROR",
                    $"ReceiveRoundError received error from [{NodeIds[2]}:11420]: round {round} failed on member. Transitioning to ERROR...");
                break;
            default:
                _cmix.Record(Tick(3), "ERROR", $"Error in module PermuteStream of graph RealPermute: stream reset");
                break;
        }
        Truth.RoundFailures[reason]++;
        CrashAndRestart($"Round {round} failed: {reason}");
    }

    private void CrashWhileWaiting()
    {
        _cmix.Record(Tick(5), "ERROR", "Failed to poll permission due to connection being reset by peer: rpc error: code = Unavailable");
        CrashAndRestart("poll error: rpc error: code = Unknown desc = unexpected EOF");
    }

    /// <summary>The crash-restart cycle of docs/xx-node-facts.md §2.3, ending in a recovered, WAITING node.</summary>
    private void CrashAndRestart(string error)
    {
        Crash(error);
        NodeStarts(recovering: true);
    }

    /// <summary>The node stops on <paramref name="error"/> and its wrapper starts it again.</summary>
    private void Crash(string error)
    {
        _cmix.Record(Tick(0), "FATAL", $"Error encountered - closing server & writing error to /opt/xxnetwork/log/cmix-err.log: {error}");
        _cmix.Record(Tick(0), "INFO", "Updating to ERROR failed: <nil>");
        _cmix.Continuation($"panic: {error}");
        _cmix.Continuation("");
        int frames = _random.Next(4, 15);
        _cmix.Continuation($"goroutine {_random.Next(1, 900)} [running]:");
        for (int i = 0; i < frames; i++)
        {
            _cmix.Continuation($"gitlab.com/elixxir/server/internal/state.Machine.Update(0xc000{i:x4}, 0x6)");
            _cmix.Continuation($"\t/builds/elixxir/server/internal/state/state.go:{100 + i} +0x{_random.Next(4096):x}");
        }
        if (_random.Next(3) == 0)
            _cmix.Record(Tick(0), "FATAL", $"Round failure reported, but the node is already in ERROR state. RoundID {_round}; nodeID {NodeIds[0]}; error text x");
        Truth.CmixCrashes++;
        _cmixWrapper.Record(Tick(2), "WARNING", "Restarting binary due to error...");
        Truth.WrapperRestarts++;
        if (_random.Next(4) == 0)
        {
            _cmixWrapper.Record(Tick(0), "ERROR", "Failed to query sync state: [Errno 111] Connection refused");
            _cmixWrapper.Continuation("Traceback (most recent call last):");
            _cmixWrapper.Continuation("  File \"/opt/xxnetwork/cmix-wrapper.py\", line 412, in poll_ready");
            _cmixWrapper.Continuation("ConnectionRefusedError: [Errno 111] Connection refused");
        }
        WrapperStartsBinary(_cmixWrapper, "xxnetwork-cmix", firstStart: false);
    }

    private void LongLine()
    {
        if (_options.LongLineBytes > _options.MaxLineBytes)
        {
            _cmix.Oversized(_options.LongLineBytes, (byte)'x');
            return;
        }
        var message = new byte[_options.LongLineBytes - "INFO 2023/07/26 14:00:00 ".Length];
        message.AsSpan().Fill((byte)'n');
        Encoding.ASCII.GetBytes("New NDF Received, hash: ").CopyTo(message, 0);
        _cmix.Record(Tick(0), "INFO", message);
    }
}

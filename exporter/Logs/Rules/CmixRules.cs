using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Logs.Rules;

/// <summary>cMix node activities (xxnetwork-primitives current/activity.go), in their numeric order.</summary>
public enum Activity { NotStarted, Waiting, Precomputing, Standby, Realtime, Completed, Error, Crash }

/// <summary>Why a round failed: the first failure signal seen while the round was in progress.</summary>
public enum RoundFailureReason { PhaseTimeout, ParticipatoryFail, TeamError, Other }

/// <summary>Kinds of trouble reaching the scheduling (permissioning) server.</summary>
public enum SchedulingError { Unavailable, PollFailed, NotOnline, ConnectionReset, Authorization }

/// <summary>Kinds of node database failure.</summary>
public enum NodeDatabaseError { Timeout, InitFailed }

/// <summary>
/// Reads cmix.log: rounds completed and their duration, round failures by reason, crashes and starts,
/// the node's activity, scheduling connectivity and database errors.
/// </summary>
/// <remarks>
/// A round fails when the node leaves it through the error path while it is in progress (PRECOMPUTING,
/// STANDBY or REALTIME): the FATAL <c>Error encountered - closing server</c>, the ERROR transition
/// (logged as <c>Updating to ERROR failed: &lt;nil&gt;</c> because the handler panics), or a crash. It counts
/// once; its reason is the first of phase timeout, participatory fail or team error seen in that round.
/// After a crash the restarted process reports the old error (<c>Updated to ERROR successfully</c>) while
/// NOT_STARTED, which is not a new failure. Notices about completed or old rounds are ignored.
/// </remarks>
public sealed class CmixRules : ILogRules
{
    internal static readonly string[] ActivityLabels =
        ["NOT_STARTED", "WAITING", "PRECOMPUTING", "STANDBY", "REALTIME", "COMPLETED", "ERROR", "CRASH"];
    private static readonly byte[][] ActivityNames = ActivityLabels.Select(System.Text.Encoding.ASCII.GetBytes).ToArray();
    internal static readonly string[] FailureReasonLabels = ["phase_timeout", "participatory_fail", "team_error", "other"];
    internal static readonly string[] SchedulingErrorLabels = ["unavailable", "poll_failed", "not_online", "connection_reset", "authorization"];
    internal static readonly string[] DatabaseErrorLabels = ["timeout", "init_failed"];

    private static readonly double[] RoundDurationBuckets = [5, 10, 15, 20, 25, 30, 40, 50, 60, 90, 120, 180, 300];

    private readonly Counter _roundsCompleted;
    private readonly Histogram _roundDuration;
    private readonly Gauge _lastRoundCompleted;
    private readonly Counter.Child[] _failures;
    private readonly Gauge.Child[] _activity;
    private readonly Counter.Child[] _schedulingErrors;
    private readonly Counter.Child[] _databaseErrors;
    private readonly GoProcessLifecycle _process;

    private Activity? _current;
    private RoundFailureReason? _firstSignal;
    private bool _roundFailed;

    public CmixRules(IMetricFactory factory)
    {
        _roundsCompleted = factory.CreateCounter("xx_cmix_rounds_completed_total",
            "cMix rounds this node completed (\"Round took ... seconds\").");
        _roundDuration = factory.CreateHistogram("xx_cmix_round_duration_seconds",
            "Duration of completed cMix rounds as the node reports it (\"Round took ... seconds\").",
            new HistogramConfiguration { Buckets = RoundDurationBuckets });
        _lastRoundCompleted = factory.CreateGauge("xx_cmix_last_round_completed_timestamp_seconds",
            "Log time of the newest completed round, as Unix seconds.");
        _failures = factory.CreateCounter("xx_cmix_round_failures_total",
            "Rounds the node left through the error path while in progress, by the first failure signal seen: phase_timeout, participatory_fail, team_error or other.",
            ["reason"]).ChildrenFor(FailureReasonLabels);
        var activity = factory.CreateGauge("xx_cmix_activity",
            "1 for the node's current activity (from \"Updated to X successfully\", start and crash lines), 0 for the others; all 0 until one is seen.",
            ["state"]);
        _activity = activity.ChildrenFor(ActivityLabels);
        _schedulingErrors = factory.CreateCounter("xx_cmix_scheduling_errors_total",
            "Problems reaching the scheduling (permissioning) server, by kind: unavailable (cannot start), poll_failed (not yet admitted), not_online (unreachable from scheduling), connection_reset, authorization.",
            ["kind"]).ChildrenFor(SchedulingErrorLabels);
        _databaseErrors = factory.CreateCounter("xx_cmix_database_errors_total",
            "Node database failures, by kind: timeout (\"Database call timed out\"), init_failed (cannot initialise the database).",
            ["kind"]).ChildrenFor(DatabaseErrorLabels);
        _process = new GoProcessLifecycle(
            factory.CreateCounter("xx_cmix_starts_total", "cMix node process starts (\"Starting xx network node\")."),
            factory.CreateCounter("xx_cmix_crashes_total", "cMix node process crashes (FATAL line or Go panic), counted once per process."),
            factory.CreateGauge("xx_cmix_version_info", "Version of the running cMix node binary, from its start line.", ["version"]),
            "Starting xx network node (server) v"u8.ToArray());
    }

    private bool RoundInProgress =>
        _current is Activity.Precomputing or Activity.Standby or Activity.Realtime
        // Started mid-round (activity not yet seen): a failure signal is evidence of a round in progress.
        || (_current is null && _firstSignal is not null);

    public void OnRecord(in LogRecord record)
    {
        var message = record.Message;
        if (message.Length > 0)
        {
            if (MessageText.TryStripRoundPrefix(message, out var rest)) OnRoundMessage(rest, record.UnixSeconds);
            else OnPlainMessage(message);
        }
        if (_process.OnRecordLevel(record.Level)) OnCrash();
    }

    public void OnContinuation(ReadOnlySpan<byte> line)
    {
        if (_process.OnContinuation(line)) OnCrash();
    }

    private void OnRoundMessage(ReadOnlySpan<byte> rest, long unixSeconds)
    {
        if (rest.StartsWith("Round took "u8))
        {
            if (!MessageText.TryReadGoDuration(rest["Round took "u8.Length..], out double seconds, out _)) return;
            _roundsCompleted.Inc();
            _roundDuration.Observe(seconds);
            if (unixSeconds >= 0) _lastRoundCompleted.Set(unixSeconds);
        }
        else if (rest.StartsWith("Graph "u8) && rest.EndsWith(" has timed out"u8))
        {
            Signal(RoundFailureReason.PhaseTimeout);
        }
    }

    private void OnPlainMessage(ReadOnlySpan<byte> message)
    {
        switch (message[0])
        {
            case (byte)'U':
                if (message.StartsWith("Updated to "u8)) OnTransition(message["Updated to "u8.Length..]);
                else if (message.StartsWith("Updating to ERROR failed"u8)) LeaveThroughErrorPath();
                else if (message.StartsWith("Unable to initialize database backend"u8)) _databaseErrors[(int)NodeDatabaseError.InitFailed].Inc();
                break;
            case (byte)'R':
                if (message.StartsWith("Received participatory fail in round "u8) && message.EndsWith(" which is in progress"u8))
                    Signal(RoundFailureReason.ParticipatoryFail);
                else if (message.StartsWith("ReceiveRoundError received error from "u8))
                    Signal(RoundFailureReason.TeamError);
                break;
            case (byte)'E':
                if (message.StartsWith("Error encountered - closing server"u8)) LeaveThroughErrorPath();
                break;
            case (byte)'S':
                if (_process.TryStart(message))
                {
                    SetActivity(Activity.NotStarted);
                    _firstSignal = null;
                    _roundFailed = false;
                }
                break;
            case (byte)'Y':
                if (message.StartsWith("Your node is not online"u8)) _schedulingErrors[(int)SchedulingError.NotOnline].Inc();
                break;
            case (byte)'C':
                if (message.StartsWith("Cannot start, permissioning is unavailable"u8)) _schedulingErrors[(int)SchedulingError.Unavailable].Inc();
                else if (message.StartsWith("Could not initialize database"u8)) _databaseErrors[(int)NodeDatabaseError.InitFailed].Inc();
                break;
            case (byte)'P':
                if (message.StartsWith("Poll of permissioning failed"u8)) _schedulingErrors[(int)SchedulingError.PollFailed].Inc();
                break;
            case (byte)'F':
                if (message.StartsWith("Failed to poll permission due to connection being reset by peer"u8)) _schedulingErrors[(int)SchedulingError.ConnectionReset].Inc();
                else if (message.StartsWith("Failed to authorize with "u8)) _schedulingErrors[(int)SchedulingError.Authorization].Inc();
                break;
            case (byte)'D':
                if (message.StartsWith("Database call timed out"u8)) _databaseErrors[(int)NodeDatabaseError.Timeout].Inc();
                break;
        }
    }

    private void OnTransition(ReadOnlySpan<byte> rest)
    {
        int space = rest.IndexOf((byte)' ');
        if (space < 0 || !rest[space..].SequenceEqual(" successfully"u8)) return;
        var name = rest[..space];
        int index = 0;
        while (index < ActivityNames.Length && !name.SequenceEqual(ActivityNames[index])) index++;
        if (index == ActivityNames.Length) return;
        var next = (Activity)index;
        switch (next)
        {
            case Activity.Error:
                LeaveThroughErrorPath();
                break;
            case Activity.Precomputing:
                _firstSignal = null;
                _roundFailed = false;
                break;
            case Activity.Waiting or Activity.Completed:
                _firstSignal = null;
                break;
        }
        SetActivity(next);
    }

    private void Signal(RoundFailureReason reason)
    {
        if (_firstSignal is null && !_roundFailed && (RoundInProgress || _current is null)) _firstSignal = reason;
    }

    private void LeaveThroughErrorPath()
    {
        if (RoundInProgress && !_roundFailed)
        {
            _failures[(int)(_firstSignal ?? RoundFailureReason.Other)].Inc();
            _roundFailed = true;
        }
        if (_current != Activity.Crash) SetActivity(Activity.Error);
    }

    private void OnCrash()
    {
        LeaveThroughErrorPath();
        SetActivity(Activity.Crash);
    }

    private void SetActivity(Activity next)
    {
        if (_current is { } previous) _activity[(int)previous].Set(0);
        _activity[(int)next].Set(1);
        _current = next;
    }
}

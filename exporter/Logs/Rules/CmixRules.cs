using Prometheus;
using XxExporter.Parsing;
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
    private static readonly LabelTable<Activity> Activities = new(
        new(Activity.NotStarted, "NOT_STARTED"),
        new(Activity.Waiting, "WAITING"),
        new(Activity.Precomputing, "PRECOMPUTING"),
        new(Activity.Standby, "STANDBY"),
        new(Activity.Realtime, "REALTIME"),
        new(Activity.Completed, "COMPLETED"),
        new(Activity.Error, "ERROR"),
        new(Activity.Crash, "CRASH"));

    /// <summary>The activities as the node writes them in "Updated to X successfully", which are their labels.</summary>
    private static readonly byte[][] ActivityNames = Activities.Rows.Select(row => System.Text.Encoding.ASCII.GetBytes(row.Label)).ToArray();

    private static readonly LabelTable<RoundFailureReason> FailureReasons = new(
        new(RoundFailureReason.PhaseTimeout, "phase_timeout", "a phase timed out on this node"),
        new(RoundFailureReason.ParticipatoryFail, "participatory_fail", "scheduling reported the round failed"),
        new(RoundFailureReason.TeamError, "team_error", "a team member reported an error"),
        new(RoundFailureReason.Other, "other", "none of these"));

    private static readonly LabelTable<SchedulingError> SchedulingErrors = new(
        new(SchedulingError.Unavailable, "unavailable", "cannot start"),
        new(SchedulingError.PollFailed, "poll_failed", "not yet admitted"),
        new(SchedulingError.NotOnline, "not_online", "unreachable from scheduling"),
        new(SchedulingError.ConnectionReset, "connection_reset"),
        new(SchedulingError.Authorization, "authorization"));

    private static readonly LabelTable<NodeDatabaseError> DatabaseErrors = new(
        new(NodeDatabaseError.Timeout, "timeout", "\"Database call timed out\""),
        new(NodeDatabaseError.InitFailed, "init_failed", "cannot initialise the database"));

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
        _roundsCompleted = Families.Counter(factory, "xx_cmix_rounds_completed_total",
            "cMix rounds this node completed (\"Round took ... seconds\").").Published();
        _roundDuration = Families.Histogram(factory, "xx_cmix_round_duration_seconds",
            "Duration of completed cMix rounds as the node reports it (\"Round took ... seconds\").", RoundDurationBuckets).Published();
        _lastRoundCompleted = Families.Gauge(factory, "xx_cmix_last_round_completed_timestamp_seconds",
            "Log time of the newest completed round, as Unix seconds.").Published();
        _failures = FailureReasons.Children(Families.Counter(factory, "xx_cmix_round_failures_total",
            $"Rounds the node left through the error path while in progress, by the first failure signal seen: {FailureReasons.Describe()}.",
            "reason"));
        _activity = Activities.Children(Families.Gauge(factory, "xx_cmix_activity",
            "1 for the node's current activity (from \"Updated to X successfully\", start and crash lines), 0 for the others; all 0 until one is seen.",
            "state"));
        _schedulingErrors = SchedulingErrors.Children(Families.Counter(factory, "xx_cmix_scheduling_errors_total",
            $"Problems reaching the scheduling (permissioning) server, by kind: {SchedulingErrors.Describe()}.", "kind"));
        _databaseErrors = DatabaseErrors.Children(Families.Counter(factory, "xx_cmix_database_errors_total",
            $"Node database failures, by kind: {DatabaseErrors.Describe()}.", "kind"));
        _process = new GoProcessLifecycle(
            Families.Counter(factory, "xx_cmix_starts_total", "cMix node process starts (\"Starting xx network node\").").Published(),
            Families.Counter(factory, "xx_cmix_crashes_total", "cMix node process crashes (FATAL line or Go panic), counted once per process.").Published(),
            Families.Gauge(factory, "xx_cmix_version_info", "Version of the running cMix node binary, from its start line.", "version"),
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
            if (!GoDuration.TryRead(rest["Round took "u8.Length..], out double seconds, out _)) return;
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

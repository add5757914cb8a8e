namespace XxSimulator.Logs;

/// <summary>Where the times written into the records come from.</summary>
internal interface ILogClock
{
    DateTime Now { get; }

    /// <summary>The time of the next record, which the script says comes <paramref name="seconds"/> after the last one.</summary>
    DateTime Advance(int seconds);
}

/// <summary>Simulated local time: a log set covering hours is written in moments.</summary>
internal sealed class SimulatedLogClock(DateTime start) : ILogClock
{
    public DateTime Now { get; private set; } = start;

    public DateTime Advance(int seconds) => Now = Now.AddSeconds(seconds);
}

/// <summary>The host's local time, as the xx services write it: a live record is stamped when it is written.</summary>
internal sealed class WallLogClock : ILogClock
{
    public DateTime Now => DateTime.Now;

    public DateTime Advance(int seconds) => DateTime.Now;
}

namespace XxSimulator.Logs;

/// <summary>What a generated log set contains, counted while writing it: the answers the exporter must give.</summary>
public sealed class GroundTruth
{
    /// <summary>Records per log label and level label, e.g. ("cmix", "info").</summary>
    public Dictionary<(string Log, string Level), long> Records { get; } = new();
    public Dictionary<string, long> Lines { get; } = new();
    public Dictionary<string, long> ContinuationLines { get; } = new();
    public Dictionary<string, long> OversizedLines { get; } = new();
    public long RoundsCompleted { get; set; }
    public double RoundSecondsSum { get; set; }
    public Dictionary<string, long> RoundFailures { get; } = new() { ["phase_timeout"] = 0, ["participatory_fail"] = 0, ["team_error"] = 0, ["other"] = 0 };
    public long CmixCrashes { get; set; }
    public long CmixStarts { get; set; }
    public long WrapperRestarts { get; set; }
    public long GatewayRoundsReceived { get; set; }
    public long GatewayRealMessages { get; set; }
    public long GatewayDummyMessages { get; set; }
    public long GatewaySlowQueries { get; set; }
    public long GatewayLocalRounds { get; set; }
    public long GatewayGossipRounds { get; set; }
    public long Bytes { get; set; }

    internal static void Add<TKey>(Dictionary<TKey, long> counts, TKey key, long by = 1) where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + by;
}

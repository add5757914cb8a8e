using Prometheus;
using XxExporter.Chain.Scale;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>
/// What XXCmix.CmixVariables sets for cMix (docs/xx-node-facts.md §4.2): the era points of a completed round (to each
/// team member), a failed realtime round (deducted) and an authored block, and the round timeouts of the scheduling
/// server (stored in milliseconds).
/// </summary>
public sealed record CmixVariables(uint SuccessPoints, uint FailurePoints, uint BlockPoints,
    double PrecomputationSeconds, double RealtimeSeconds, double AdvertisementSeconds) : IStakingFacts
{
    /// <summary>
    /// Reads the struct by field name (performance.points.{success, failure, block}; timeouts.{precomputation,
    /// realtime, advertisement}), so fields added around them by an upgrade do not move them.
    /// </summary>
    public static CmixVariables From(ScaleValue value)
    {
        var points = value.Field("performance").Field("points");
        var timeouts = value.Field("timeouts");
        return new CmixVariables(points.Field("success").ToUInt32(), points.Field("failure").ToUInt32(), points.Field("block").ToUInt32(),
            Seconds(timeouts.Field("precomputation")), Seconds(timeouts.Field("realtime")), Seconds(timeouts.Field("advertisement")));
    }

    private static double Seconds(ScaleValue milliseconds) => (double)milliseconds.Number / 1000;
}

/// <summary>
/// XXCmix.CmixVariables, read in the staking batch (no request of its own), as <c>xx_chain_cmix_points{event}</c> and
/// <c>xx_chain_cmix_timeout_seconds{phase}</c>. The round-failure alert derives its break-even from the points
/// (prometheus/rules/xx-alerts.yml, xx:cmix:round_failure_break_even_ratio). A runtime without the item gives neither;
/// one whose struct lacks a field read here gives neither and says so in the log, while the staking series stay (the
/// struct is not the validator's staking state, so an upgrade that changes it takes only these series).
/// </summary>
public sealed class CmixVariablesReader(IMetricFactory factory) : IStakingAddOn
{
    private readonly Gauge _points = Families.Gauge(factory, "xx_chain_cmix_points",
        "Era points per event as XXCmix.CmixVariables sets them: round_success (to each member of a completed round's team), round_failure (deducted for a failed realtime round), block (per block authored).",
        "event");
    private readonly Gauge _timeout = Families.Gauge(factory, "xx_chain_cmix_timeout_seconds",
        "Round timeouts of the scheduling server as XXCmix.CmixVariables sets them, by phase: precomputation, realtime, advertisement.", "phase");

    /// <summary>No facts: the runtime has no XXCmix.CmixVariables, it is not set (<paramref name="Why"/> null), or it lacks a field read here.</summary>
    private sealed record Unknown(string? Why) : IStakingFacts;

    public Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token)
    {
        var item = context.State.Has("XXCmix", "CmixVariables") ? batch.Item("XXCmix", "CmixVariables") : null;
        return Task.FromResult<Func<CancellationToken, Task<IStakingFacts>>>(_ => Task.FromResult(Facts(item?.Value)));
    }

    internal static IStakingFacts Facts(ScaleValue? value)
    {
        if (value is null) return new Unknown(null);
        try
        {
            return CmixVariables.From(value);
        }
        catch (ScaleDecodeException ex)
        {
            return new Unknown(ex.Message);
        }
    }

    public void Write(Readings readings, IStakingFacts facts)
    {
        if (facts is Unknown { Why: { } why })
            readings.Notice("XXCmix.CmixVariables", $"not in the layout the exporter reads, so xx_chain_cmix_points and xx_chain_cmix_timeout_seconds are left out: {why}");
        if (facts is not CmixVariables variables) return;
        readings.Set(_points, variables.SuccessPoints, "round_success");
        readings.Set(_points, variables.FailurePoints, "round_failure");
        readings.Set(_points, variables.BlockPoints, "block");
        readings.Set(_timeout, variables.PrecomputationSeconds, "precomputation");
        readings.Set(_timeout, variables.RealtimeSeconds, "realtime");
        readings.Set(_timeout, variables.AdvertisementSeconds, "advertisement");
    }
}

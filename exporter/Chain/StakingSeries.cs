using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>The staking series of the configured validator, from what <see cref="StakingReader"/> read.</summary>
public sealed class StakingSeries(IMetricFactory factory)
{
    private readonly Gauge _activeEra = Families.Gauge(factory, "xx_staking_active_era", "Index of the active era.");
    private readonly Gauge _eraStart = Families.Gauge(factory, "xx_staking_active_era_start_timestamp_seconds", "When the active era started, as Unix seconds.");
    private readonly Gauge _session = Families.Gauge(factory, "xx_staking_session_index", "Index of the current session (8 h each, 3 per era).");
    private readonly Gauge _activeSetSize = Families.Gauge(factory, "xx_staking_active_set_size", "Validators in the active set this session.");

    private readonly Gauge _active = Families.Gauge(factory, "xx_validator_active", "1 if the validator is in the active set now.");
    private readonly Gauge _intends = Families.Gauge(factory, "xx_validator_intends_to_validate",
        "1 while the stash is a validator candidate (Staking.Validators); 0 once chilled.");
    private readonly Gauge _electedNext = Families.Gauge(factory, "xx_validator_elected_next_era",
        "1 if the validator was elected for the next era, 0 if not; absent until that election is known.");
    private readonly Gauge _eraPoints = Families.Gauge(factory, "xx_validator_era_points", "Era points earned so far in the active era, net of deductions.");
    private readonly Gauge _eraPointsMedian = Families.Gauge(factory, "xx_validator_era_points_active_set_median",
        "Median era points of the active set so far in the active era.");
    private readonly Gauge _eraPointsTotal = Families.Gauge(factory, "xx_staking_active_era_points",
        "All era points of the active era so far, by kind: reward (blocks and cMix rounds; before runtime 207 net of deductions), deduction (failed rounds; runtime 207 on).", "kind");
    private readonly Gauge _lastEraPoints = Families.Gauge(factory, "xx_validator_last_era_points", "Era points of the last finished era (read once, kept).");
    private readonly Gauge _lastEraMissed = Families.Gauge(factory, "xx_validator_last_era_missed",
        "1 if in the last finished era the validator was elected and earned no points.");
    private readonly Gauge _missedEras = Families.Gauge(factory, "xx_validator_missed_eras",
        "Finished eras in the configured window in which the validator was elected and earned no points.");
    private readonly Gauge _missedErasWindow = Families.Gauge(factory, "xx_validator_missed_eras_window", "How many finished eras xx_validator_missed_eras looks at.");
    private readonly Gauge _commission = Families.Gauge(factory, "xx_validator_commission_ratio", "Commission the validator asks, as a ratio (0.1 = 10 %).");
    private readonly Gauge _ownStake = Families.Gauge(factory, "xx_validator_own_stake_xx", "The validator's own stake in the active era's exposure, in xx.");
    private readonly Gauge _totalStake = Families.Gauge(factory, "xx_validator_total_stake_xx", "Total stake (own and nominated) in the active era's exposure, in xx.");
    private readonly Gauge _nominators = Families.Gauge(factory, "xx_validator_nominators", "Nominators backing the validator in the active era.");
    private readonly Gauge _cmixIdMatches = Families.Gauge(factory, "xx_validator_cmix_id_matches",
        "1 if the cMix ID bonded on chain equals the local IDF's hexNodeID, 0 if not; absent without an IDF.");

    /// <param name="nodeId">The local IDF's node ID, null without an IDF.</param>
    public void Write(Readings readings, ValidatorStaking staking, byte[]? nodeId)
    {
        var (era, standing, points, exposure, missed) = staking;
        readings.Set(_activeEra, era.Index);
        readings.SetIfKnown(_eraStart, era.StartUnix);
        readings.Set(_session, era.Session);
        readings.Set(_activeSetSize, era.ActiveSetSize);

        readings.Set(_active, standing.Active);
        readings.Set(_intends, standing.Intends);
        if (standing.ElectedNext is { } electedNext) readings.Set(_electedNext, electedNext);
        readings.SetIfKnown(_commission, standing.Commission);
        if (nodeId is not null) readings.Set(_cmixIdMatches, standing.CmixId is { } onChain && onChain.AsSpan().SequenceEqual(nodeId));

        readings.Set(_eraPoints, points.Own);
        readings.Set(_eraPointsMedian, points.Median);
        readings.Set(_eraPointsTotal, points.TotalRewards, "reward");
        if (points.TotalDeductions is { } deductions) readings.Set(_eraPointsTotal, deductions, "deduction");
        readings.SetIfKnown(_ownStake, exposure?.Own);
        readings.SetIfKnown(_totalStake, exposure?.Total);
        readings.SetIfKnown(_nominators, exposure?.Nominators);

        if (missed.Last is { } last)
        {
            readings.Set(_lastEraPoints, last.Points);
            readings.Set(_lastEraMissed, last.Missed);
        }
        readings.Set(_missedEras, missed.Missed);
        readings.Set(_missedErasWindow, missed.Window);
    }
}

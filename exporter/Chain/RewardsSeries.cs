using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>The validator's unclaimed rewards, from what <see cref="RewardsReader"/> read.</summary>
public sealed class RewardsSeries(IMetricFactory factory)
{
    private readonly Gauge _historyDepth = Families.Gauge(factory, "xx_staking_history_depth_eras",
        "Eras a reward can still be claimed (payout_stakers) after it was earned: the chain's history depth.");
    private readonly Gauge _unpaid = Families.Gauge(factory, "xx_validator_unpaid_eras",
        "Finished eras still claimable in which the validator was elected and earned points but has not been paid.");
    private readonly Gauge _oldest = Families.Gauge(factory, "xx_validator_unpaid_oldest_era",
        "The oldest unpaid era (to pass to payout_stakers); absent while none is unpaid.");
    private readonly Gauge _erasLeft = Families.Gauge(factory, "xx_validator_unpaid_oldest_era_eras_left",
        "Eras left before the oldest unpaid era's rewards expire (0: this is the last era to claim them); absent while none is unpaid.");
    private readonly Gauge _atStake = Families.Gauge(factory, "xx_validator_unpaid_rewards_xx",
        "xx the unpaid eras hold for the validator and its nominators (each era's validator payout times the validator's share of its points).");

    public void Write(Readings readings, UnpaidRewards rewards)
    {
        readings.Set(_historyDepth, rewards.HistoryDepth);
        readings.Set(_unpaid, rewards.Unpaid);
        readings.SetIfKnown(_oldest, rewards.OldestEra);
        readings.SetIfKnown(_erasLeft, rewards.OldestErasLeft);
        readings.Set(_atStake, rewards.AtStakeXx);
    }
}

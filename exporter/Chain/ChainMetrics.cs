using Prometheus;

namespace XxExporter.Chain;

/// <summary>The chain and staking metric families.</summary>
public sealed class ChainMetrics(IMetricFactory factory)
{
    internal readonly Gauge Up = factory.CreateGauge("xx_chain_up", "1 if the chain node answered the last collection over JSON-RPC, else 0.");
    internal readonly Gauge Height = factory.CreateGauge("xx_chain_block_height",
        "Block height by status: best, finalized, target (the best block peers know; from system_syncState, absent if the node lacks it).", ["status"]);
    internal readonly Gauge Peers = factory.CreateGauge("xx_chain_peers", "Peers the node is connected to.");
    internal readonly Gauge Syncing = factory.CreateGauge("xx_chain_syncing", "1 while the node is major-syncing, else 0.");
    internal readonly Gauge SpecVersion = factory.CreateGauge("xx_chain_runtime_spec_version", "Spec version of the runtime at the best block.");
    internal readonly Counter Requests = factory.CreateCounter("xx_chain_rpc_requests_total", "JSON-RPC requests the exporter sent to the chain node.");
    internal readonly Gauge NodeInfo = factory.CreateGauge("xx_chain_node_info", "The chain's name and the node's version; value 1.", ["chain", "version"]);

    internal readonly Gauge ActiveEra = factory.CreateGauge("xx_staking_active_era", "Index of the active era.");
    internal readonly Gauge EraStart = factory.CreateGauge("xx_staking_active_era_start_timestamp_seconds", "When the active era started, as Unix seconds.");
    internal readonly Gauge SessionIndex = factory.CreateGauge("xx_staking_session_index", "Index of the current session (8 h each, 3 per era).");
    internal readonly Gauge ActiveSetSize = factory.CreateGauge("xx_staking_active_set_size", "Validators in the active set this session.");

    internal readonly Gauge Active = factory.CreateGauge("xx_validator_active", "1 if the validator is in the active set now.");
    internal readonly Gauge Intends = factory.CreateGauge("xx_validator_intends_to_validate",
        "1 while the stash is a validator candidate (Staking.Validators); 0 once chilled.");
    internal readonly Gauge ElectedNext = factory.CreateGauge("xx_validator_elected_next_era",
        "1 if the validator was elected for the next era, 0 if not; absent until that election is known.");
    internal readonly Gauge EraPoints = factory.CreateGauge("xx_validator_era_points", "Era points earned so far in the active era, net of deductions.");
    internal readonly Gauge EraPointsMedian = factory.CreateGauge("xx_validator_era_points_active_set_median",
        "Median era points of the active set so far in the active era.");
    internal readonly Gauge LastEraPoints = factory.CreateGauge("xx_validator_last_era_points", "Era points of the last finished era (read once, kept).");
    internal readonly Gauge LastEraMissed = factory.CreateGauge("xx_validator_last_era_missed",
        "1 if in the last finished era the validator was elected and earned no points.");
    internal readonly Gauge MissedEras = factory.CreateGauge("xx_validator_missed_eras",
        "Finished eras in the configured window in which the validator was elected and earned no points.");
    internal readonly Gauge MissedErasWindow = factory.CreateGauge("xx_validator_missed_eras_window", "How many finished eras xx_validator_missed_eras looks at.");
    internal readonly Gauge Commission = factory.CreateGauge("xx_validator_commission_ratio", "Commission the validator asks, as a ratio (0.1 = 10 %).");
    internal readonly Gauge OwnStake = factory.CreateGauge("xx_validator_own_stake_xx", "The validator's own stake in the active era's exposure, in xx.");
    internal readonly Gauge TotalStake = factory.CreateGauge("xx_validator_total_stake_xx", "Total stake (own and nominated) in the active era's exposure, in xx.");
    internal readonly Gauge Nominators = factory.CreateGauge("xx_validator_nominators", "Nominators backing the validator in the active era.");
    internal readonly Gauge CmixIdMatches = factory.CreateGauge("xx_validator_cmix_id_matches",
        "1 if the cMix ID bonded on chain equals the local IDF's hexNodeID, 0 if not; absent without an IDF.");
}

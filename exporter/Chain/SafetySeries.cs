using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Chain;

/// <summary>The configured validator's slashes, offences and session liveness, from what <see cref="SafetyReader"/> read.</summary>
public sealed class SafetySeries(IMetricFactory factory)
{
    private readonly Gauge _queued = Families.Gauge(factory, "xx_validator_unapplied_slashes",
        "Slashes of the validator queued and not yet applied (Staking.UnappliedSlashes); governance can cancel them until they apply.");
    private readonly Gauge _queuedXx = Families.Gauge(factory, "xx_validator_unapplied_slash_xx", "The validator's own stake the queued slashes take, in xx.");
    private readonly Gauge _applyEra = Families.Gauge(factory, "xx_validator_unapplied_slash_apply_era",
        "Era in which the earliest queued slash applies; absent without one.");
    private readonly Gauge _applyAt = Families.Gauge(factory, "xx_validator_unapplied_slash_apply_timestamp_seconds",
        "When that era is expected to start (the active era's start plus whole eras), as Unix seconds: the deadline for a cancellation.");
    private readonly Gauge _slashedEras = Families.Gauge(factory, "xx_validator_slashed_eras",
        "Eras of the chain's slashing window (Staking.ValidatorSlashInEra) in which the validator was slashed.");
    private readonly Gauge _slashedXx = Families.Gauge(factory, "xx_validator_slashed_xx", "The validator's own stake slashed in those eras, in xx.");
    private readonly Gauge _lastSlashEra = Families.Gauge(factory, "xx_validator_last_slash_era", "The latest era with a slash of the validator; absent without one.");
    private readonly Gauge _slashWindow = Families.Gauge(factory, "xx_validator_slashed_eras_window",
        "How many eras xx_validator_slashed_eras looks at (the chain keeps slashes for BondingDuration eras).");
    private readonly Gauge _disabled = Families.Gauge(factory, "xx_validator_disabled",
        "1 if the validator is disabled in the active set now (Session.DisabledValidators), else 0.");
    private readonly Gauge _offending = Families.Gauge(factory, "xx_validator_offending",
        "1 if the validator is marked offending in the active era (Staking.OffendingValidators), else 0; absent where the runtime has no such item.");
    private readonly Gauge _heartbeat = Families.Gauge(factory, "xx_validator_heartbeat_received",
        "1 if the validator's im-online heartbeat of the current session is on chain, else 0; absent when it is not in the active set.");
    private readonly Gauge _authored = Families.Gauge(factory, "xx_validator_session_blocks_authored",
        "Blocks the validator authored in the current session (ImOnline.AuthoredBlocks); absent when it is not in the active set.");
    private readonly Gauge _progress = Families.Gauge(factory, "xx_staking_session_progress_ratio", "How far the current session has run, 0 to 1.");
    private readonly Gauge _remaining = Families.Gauge(factory, "xx_staking_session_remaining_seconds", "Seconds left in the current session at the expected block time.");
    private readonly Gauge _slots = Families.Gauge(factory, "xx_staking_session_length_slots",
        "Slots in a session (Babe.EpochDuration); each slot has an author, so an active validator of N authors about one in N.");

    public void Write(Readings readings, ValidatorSafety safety)
    {
        if (safety.Queued is { } queued)
        {
            readings.Set(_queued, queued.Count);
            readings.Set(_queuedXx, queued.OwnXx);
            if (queued.ApplyEra is { } era) readings.Set(_applyEra, era);
            readings.SetIfKnown(_applyAt, queued.ApplyUnix);
        }
        if (safety.Recorded is { } recorded)
        {
            readings.Set(_slashedEras, recorded.Eras);
            readings.Set(_slashedXx, recorded.Xx);
            if (recorded.LastEra is { } last) readings.Set(_lastSlashEra, last);
            readings.Set(_slashWindow, recorded.Window);
        }
        if (safety.Disabled is { } disabled) readings.Set(_disabled, disabled);
        if (safety.Offending is { } offending) readings.Set(_offending, offending);
        if (safety.Heartbeat is { } heartbeat) readings.Set(_heartbeat, heartbeat);
        readings.SetIfKnown(_authored, safety.AuthoredBlocks);
        if (safety.Session is { } session)
        {
            readings.Set(_progress, session.Ratio);
            readings.Set(_remaining, session.RemainingSeconds);
            readings.Set(_slots, session.Slots);
        }
    }
}

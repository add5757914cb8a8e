using XxExporter.Chain;
using XxExporter.Chain.Scale;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Chain;

/// <summary>
/// The slashes, offences and im-online situation of the chopsticks chain (real runtime, spec 200: the legacy
/// layout), on top of its staking picture: era 10 active, session 31, the active set Alice, Bob, Charlie.
/// </summary>
public sealed partial class StakingChain
{
    /// <summary>BABE's EpochDuration in the real runtime: 4800 slots of 6 s.</summary>
    public const long GenesisSlot = 1_000, EpochSlots = 4_800;

    /// <summary>
    /// Alice: a slash reported in era 9 (queued in era 9's list, so it applies in era 9 + 27 + 1 = 37) and recorded
    /// in ValidatorSlashInEra, disabled, her heartbeat in. Bob: marked offending (not disabled), 3 blocks, no
    /// heartbeat. Charlie: neither heartbeat nor block. The session is 90 % through (slot 4320 of 4800).
    /// </summary>
    private async Task SetSafetyStorageAsync()
    {
        string a = Ss58.Encode(Alice), b = Ss58.Encode(Bob), c = Ss58.Encode(Charlie);
        await Node.SetStorage($$"""
            {
              "Staking": {
                "UnappliedSlashes": [
                  [[9], [{"validator": "{{a}}", "own": 2000000000000, "others": [], "reporters": ["{{b}}"], "payout": 100000000000}]],
                  [[10], [{"validator": "{{c}}", "own": 1000000000, "others": [], "reporters": [], "payout": 0}]]],
                "ValidatorSlashInEra": [[[9, "{{a}}"], [10000000, 5000000000000]]],
                "OffendingValidators": [[1, false]]
              },
              "Session": {"DisabledValidators": [0]},
              "ImOnline": {"AuthoredBlocks": [[[31, "{{b}}"], 3]]},
              "Babe": {"GenesisSlot": {{GenesisSlot}}, "EpochIndex": 31, "CurrentSlot": {{GenesisSlot + 31 * EpochSlots + 4_319}}}
            }
            """);
        // The heartbeat is an opaque network state (WrapperOpaque): written raw, a compact length then
        // { peer_id: 0x0102, external_addresses: [] }.
        var metadata = MetadataParser.Parse(ChainState.Hex(await Node.Rpc("state_getMetadata", "[]")));
        string key = ChainState.HexOf(StorageKeys.For(metadata.Storage("ImOnline", "ReceivedHeartbeats"), StorageKeys.U32(31), StorageKeys.U32(0)));
        await Node.Rpc("dev_setStorage", $"""[[["{key}", "0x1008010200"]]]""");
    }
}

public sealed partial class ChopsticksTests
{
    [SkippableFact]
    public async Task A_queued_and_a_recorded_slash_a_disabled_validator_with_its_heartbeat_in()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Alice));
        Assert.Equal(1, m["xx_validator_unapplied_slashes"]);
        Assert.Equal(2000, m["xx_validator_unapplied_slash_xx"]);
        Assert.Equal(37, m["xx_validator_unapplied_slash_apply_era"]);
        // The active era started at 1700000000; an era is 3 sessions of 4800 slots of 6 s (a day): 27 eras later.
        Assert.Equal(1_700_000_000 + 27 * 86_400, m["xx_validator_unapplied_slash_apply_timestamp_seconds"]);
        Assert.Equal(1, m["xx_validator_slashed_eras"]);
        Assert.Equal(5000, m["xx_validator_slashed_xx"]);
        Assert.Equal(9, m["xx_validator_last_slash_era"]);
        Assert.Equal(11, m["xx_validator_slashed_eras_window"]); // eras 0-10: fewer than BondingDuration (28) exist yet
        Assert.Equal(1, m["xx_validator_disabled"]);
        Assert.Equal(0, m["xx_validator_offending"]);
        Assert.Equal(1, m["xx_validator_heartbeat_received"]);
        Assert.Equal(0, m["xx_validator_session_blocks_authored"]);
        Assert.Equal(0.9, m["xx_staking_session_progress_ratio"], 9);
        Assert.Equal(480 * 6, m["xx_staking_session_remaining_seconds"]);
        await Promtool.AssertLintClean(m.Text);
    }

    [SkippableFact]
    public async Task An_offending_validator_with_blocks_but_no_heartbeat_and_none_of_the_others_slashes()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Bob));
        Assert.Equal(0, m["xx_validator_unapplied_slashes"]); // Charlie's slash in era 10's list is not Bob's
        Assert.False(m.Has("xx_validator_unapplied_slash_apply_era"));
        Assert.Equal(0, m["xx_validator_slashed_eras"]);
        Assert.False(m.Has("xx_validator_last_slash_era"));
        Assert.Equal(0, m["xx_validator_disabled"]);
        Assert.Equal(1, m["xx_validator_offending"]);
        Assert.Equal(0, m["xx_validator_heartbeat_received"]);
        Assert.Equal(3, m["xx_validator_session_blocks_authored"]);
    }

    [SkippableFact]
    public async Task An_active_validator_at_risk_of_an_offline_report()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Charlie));
        Assert.Equal(1, m["xx_validator_active"]);
        Assert.Equal(0, m["xx_validator_heartbeat_received"]);
        Assert.Equal(0, m["xx_validator_session_blocks_authored"]);
        Assert.Equal(1, m["xx_validator_unapplied_slashes"]);
        Assert.Equal(38, m["xx_validator_unapplied_slash_apply_era"]);
    }

    [SkippableFact]
    public async Task A_waiting_validator_has_no_heartbeat_or_blocks_to_show()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Dave));
        Assert.False(m.Has("xx_validator_heartbeat_received"));
        Assert.False(m.Has("xx_validator_session_blocks_authored"));
        Assert.Equal(0, m["xx_validator_disabled"]);
        Assert.Equal(0, m["xx_validator_offending"]);
    }
}

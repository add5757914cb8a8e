using XxExporter.Chain;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Chain;

/// <summary>
/// One chopsticks node with the real xx runtime (spec 200) and a staking picture set by dev_setStorage:
/// era 10 active, era 11 elected, four validators in different situations.
/// </summary>
public sealed partial class StakingChain : IAsyncLifetime
{
    public static readonly byte[] Alice = Convert.FromHexString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
    public static readonly byte[] Bob = Convert.FromHexString("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48");
    public static readonly byte[] Charlie = Convert.FromHexString("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22");
    public static readonly byte[] Dave = Convert.FromHexString("306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20");
    public const string AliceCmixId = "0x1111111111111111111111111111111111111111111111111111111111111111";

    public Chopsticks Node { get; } = new();

    public async Task InitializeAsync()
    {
        if (Node.MissingWhy is not null) return;
        await Node.BuildFirstBlockAsync();
        string a = Ss58.Encode(Alice), b = Ss58.Encode(Bob), c = Ss58.Encode(Charlie), d = Ss58.Encode(Dave);
        const string prefs = """{"commission": 100000000, "blocked": false}""";
        const string solo = """{"total": 1000000000000, "own": 1000000000000, "others": []}""";
        await Node.SetStorage($$$"""
            {
              "Staking": {
                "ActiveEra": {"index": 10, "start": 1700000000000},
                "CurrentEra": 11,
                "Validators": [[["{{{a}}}"], {{{prefs}}}], [["{{{b}}}"], {{{prefs}}}], [["{{{d}}}"], {{{prefs}}}]],
                "ErasRewardPoints": [
                  [[10], {"total": 300, "individual": {"{{{a}}}": 100, "{{{b}}}": 200}}],
                  [[9], {"total": 80, "individual": {"{{{b}}}": 80}}]],
                "ErasStakers": [
                  [[9, "{{{a}}}"], {{{solo}}}], [[9, "{{{b}}}"], {{{solo}}}],
                  [[10, "{{{a}}}"], {"total": 2000000000000, "own": 1000000000000, "others": [{"who": "{{{d}}}", "value": 1000000000000}]}],
                  [[10, "{{{b}}}"], {{{solo}}}], [[10, "{{{c}}}"], {{{solo}}}],
                  [[11, "{{{a}}}"], {{{solo}}}], [[11, "{{{c}}}"], {{{solo}}}]],
                "Bonded": [[["{{{a}}}"], "{{{a}}}"], [["{{{b}}}"], "{{{b}}}"], [["{{{c}}}"], "{{{c}}}"], [["{{{d}}}"], "{{{d}}}"]],
                "Ledger": [[["{{{a}}}"], {"stash": "{{{a}}}", "total": 1000000000000, "active": 1000000000000, "unlocking": [],
                                        "claimedRewards": [], "cmixId": "{{{AliceCmixId}}}"}]]
              },
              "Session": {"Validators": ["{{{a}}}", "{{{b}}}", "{{{c}}}"], "CurrentIndex": 31}
            }
            """);
        await SetSafetyStorageAsync();
        await SetCmixHashesAsync();
    }

    public Task DisposeAsync()
    {
        Node.Dispose();
        return Task.CompletedTask;
    }
}

[FullLane]
public sealed partial class ChopsticksTests(StakingChain chain) : IClassFixture<StakingChain>, IAsyncDisposable
{
    private readonly CapturedLogs _logs = new();
    private readonly TempFolder _folder = new();
    private readonly List<CancellationTokenSource> _stops = new();

    /// <summary>A fresh exporter's first scrape (its registry too, for more).</summary>
    private async Task<(Exposition First, Prometheus.CollectorRegistry Registry)> Start(string? stash, string? idfHexNodeId = null, string? binaries = null)
    {
        Skip.If(chain.Node.MissingWhy is not null, chain.Node.MissingWhy);
        string idf = _folder.File($"idf-{Guid.NewGuid():N}.json");
        if (idfHexNodeId is not null) File.WriteAllText(idf, $$"""{"id": "x", "type": 2, "hexNodeID": "{{idfHexNodeId}}"}""");
        var args = new List<string> { "--chain.rpc-url", chain.Node.Url, "--chain.idf-path", idf, "--chain.timeout", "10s" };
        if (stash is not null) args.AddRange(["--chain.stash", stash]);
        if (binaries is not null) args.AddRange(["--binaries.paths", binaries]);
        var (stop, registry) = ExporterTesting.Chain(_logs.Factory, [.. args]);
        _stops.Add(stop);
        return (await Exposition.Of(registry), registry);
    }

    private async Task<Exposition> Scrape(string? stash, string? idfHexNodeId = null, string? binaries = null) => (await Start(stash, idfHexNodeId, binaries)).First;

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops) await stop.CancelAsync();
        _folder.Dispose();
    }

    [SkippableFact]
    public async Task The_chain_node_is_up_and_its_heights_read()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Alice));
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.True(m["xx_chain_block_height{status=\"best\"}"] >= 1);
        Assert.True(m["xx_chain_block_height{status=\"finalized\"}"] >= 1);
        Assert.False(m.Has("xx_chain_block_height{status=\"target\"}")); // chopsticks has no system_syncState
        Assert.Equal(0, m["xx_chain_peers"]);
        Assert.Equal(0, m["xx_chain_syncing"]);
        Assert.Equal(200, m["xx_chain_runtime_spec_version"]);
        // Chopsticks names itself, and answers every system_localPeerId with one fixed id (Alice's address): it is no libp2p node.
        Assert.Equal(1, m["xx_chain_node_info{chain=\"xxnetwork\",version=\"chopsticks-v1\",peer_id=\"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\"}"]);
        await Promtool.AssertLintClean(m.Text);
    }

    [SkippableFact]
    public async Task An_active_validator_that_missed_the_last_era_and_is_elected_for_the_next()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Alice), StakingChain.AliceCmixId);
        Assert.Equal(10, m["xx_staking_active_era"]);
        Assert.Equal(1_700_000_000, m["xx_staking_active_era_start_timestamp_seconds"]);
        Assert.Equal(31, m["xx_staking_session_index"]);
        Assert.Equal(3, m["xx_staking_active_set_size"]);
        Assert.Equal(1, m["xx_validator_active"]);
        Assert.Equal(1, m["xx_validator_intends_to_validate"]);
        Assert.Equal(1, m["xx_validator_elected_next_era"]);
        Assert.Equal(100, m["xx_validator_era_points"]);
        Assert.Equal(100, m["xx_validator_era_points_active_set_median"]); // median of 100, 200 and 0
        Assert.Equal(0, m["xx_validator_last_era_points"]);
        Assert.Equal(1, m["xx_validator_last_era_missed"]);
        Assert.Equal(1, m["xx_validator_missed_eras"]);
        Assert.Equal(0.1, m["xx_validator_commission_ratio"], 9);
        Assert.Equal(1000, m["xx_validator_own_stake_xx"]);
        Assert.Equal(2000, m["xx_validator_total_stake_xx"]);
        Assert.Equal(1, m["xx_validator_nominators"]);
        Assert.Equal(1, m["xx_validator_cmix_id_matches"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
    }

    [SkippableFact]
    public async Task An_active_validator_that_lost_the_next_election()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Bob), "0x" + new string('2', 64));
        Assert.Equal(1, m["xx_validator_active"]);
        Assert.Equal(0, m["xx_validator_elected_next_era"]);
        Assert.Equal(200, m["xx_validator_era_points"]);
        Assert.Equal(80, m["xx_validator_last_era_points"]);
        Assert.Equal(0, m["xx_validator_last_era_missed"]);
        Assert.Equal(0, m["xx_validator_missed_eras"]);
        Assert.Equal(0, m["xx_validator_cmix_id_matches"]); // no cMix ID bonded for Bob
    }

    [SkippableFact]
    public async Task A_chilled_validator_still_in_the_active_set()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Charlie));
        Assert.Equal(1, m["xx_validator_active"]);
        Assert.Equal(0, m["xx_validator_intends_to_validate"]);
        Assert.Equal(1, m["xx_validator_elected_next_era"]);
        Assert.False(m.Has("xx_validator_commission_ratio"));
        Assert.False(m.Has("xx_validator_cmix_id_matches")); // no IDF given
    }

    [SkippableFact]
    public async Task A_waiting_validator()
    {
        var m = await Scrape(Ss58.Encode(StakingChain.Dave));
        Assert.Equal(0, m["xx_validator_active"]);
        Assert.Equal(1, m["xx_validator_intends_to_validate"]);
        Assert.Equal(0, m["xx_validator_elected_next_era"]);
        Assert.Equal(0, m["xx_validator_era_points"]);
    }

    [SkippableFact]
    public async Task The_stash_is_found_from_the_IDF()
    {
        var m = await Scrape(stash: null, StakingChain.AliceCmixId);
        Assert.Equal(100, m["xx_validator_era_points"]);
        Assert.Equal(1, m["xx_validator_cmix_id_matches"]);
    }

    [SkippableFact]
    public async Task An_unknown_stash_is_a_failed_staking_collection_with_a_clear_log_line()
    {
        var m = await Scrape(Ss58.Encode(new byte[32]));
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.False(m.Has("xx_validator_active"));
        Assert.Contains("is not a bonded stash", _logs.All);
    }

    [SkippableFact]
    public async Task A_steady_scrape_costs_eight_requests()
    {
        var (first, registry) = await Start(Ss58.Encode(StakingChain.Alice));
        var second = await Exposition.Of(registry);
        var third = await Exposition.Of(registry);
        // The first scrape also asks system_syncState (chopsticks has none: not asked again), the metadata, the
        // node's name, version, peer id and roles, and the finished eras of the rewards window (11 here, one request); later
        // ones 6 chain requests and the 2 staking storage batches (bench/chain/README.md); XXCmix.CmixHashes is read
        // every few minutes (BinariesSource.HashesReadEvery). Alice has no session keys set here, so the keystore is not asked.
        Assert.Equal(16, first["xx_chain_rpc_requests_total"]);
        Assert.Equal(8, third["xx_chain_rpc_requests_total"] - second["xx_chain_rpc_requests_total"]);
        Assert.Equal(1, third["xx_validator_missed_eras"]); // era 9 of the 10 finished (0-9), read in the first scrape only
        Assert.Equal(10, third["xx_validator_missed_eras_window"]);
    }
}

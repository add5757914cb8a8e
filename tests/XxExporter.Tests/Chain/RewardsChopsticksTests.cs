using XxExporter.Chain;
using XxExporter.Chain.Scale;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Chain;

/// <summary>
/// One chopsticks node with the real xx runtime (spec 200: claims in the ledger, HistoryDepth stored) and a rewards
/// picture set by dev_setStorage: era 100 active and planned, so eras 16-99 are still claimable.
/// Alice: eras 20 (unpaid, 4 eras from expiring), 50 (claimed), 60 (no points), 98 (unpaid) and 10 (expired).
/// Bob: bonded to the controller Charlie. Dave: era 30 unpaid, claimed during a test.
/// </summary>
public sealed class RewardsChain : IAsyncLifetime
{
    public static readonly byte[] Alice = StakingChain.Alice, Bob = StakingChain.Bob, Charlie = StakingChain.Charlie, Dave = StakingChain.Dave;

    public Chopsticks Node { get; } = new();

    public async Task InitializeAsync()
    {
        if (Node.MissingWhy is not null) return;
        await Node.BuildFirstBlockAsync();
        string a = Ss58.Encode(Alice), b = Ss58.Encode(Bob), c = Ss58.Encode(Charlie), d = Ss58.Encode(Dave);
        const string solo = """{"total": 1000000000000, "own": 1000000000000, "others": []}""";
        await Node.SetStorage($$$"""
            {
              "Staking": {
                "ActiveEra": {"index": 100, "start": 1700000000000},
                "CurrentEra": 100,
                "HistoryDepth": 84,
                "Validators": [[["{{{a}}}"], {"commission": 100000000, "blocked": false}], [["{{{b}}}"], {"commission": 50000000, "blocked": false}]],
                "ErasRewardPoints": [
                  [[10], {"total": 10, "individual": {"{{{a}}}": 10}}],
                  [[20], {"total": 100, "individual": {"{{{a}}}": 50, "{{{b}}}": 50}}],
                  [[30], {"total": 40, "individual": {"{{{d}}}": 20, "{{{b}}}": 20}}],
                  [[50], {"total": 40, "individual": {"{{{a}}}": 10, "{{{b}}}": 30}}],
                  [[60], {"total": 10, "individual": {"{{{b}}}": 10}}],
                  [[98], {"total": 60, "individual": {"{{{a}}}": 30, "{{{b}}}": 30}}]],
                "ErasValidatorReward": [[[10], 1000000000000], [[20], 1000000000000], [[30], 800000000000], [[50], 400000000000],
                                        [[60], 1000000000000], [[98], 200000000000]],
                "ErasStakers": [
                  [[10, "{{{a}}}"], {{{solo}}}], [[20, "{{{a}}}"], {{{solo}}}], [[50, "{{{a}}}"], {{{solo}}}],
                  [[60, "{{{a}}}"], {{{solo}}}], [[98, "{{{a}}}"], {{{solo}}}], [[30, "{{{d}}}"], {{{solo}}}]],
                "Bonded": [[["{{{a}}}"], "{{{a}}}"], [["{{{b}}}"], "{{{c}}}"], [["{{{d}}}"], "{{{d}}}"]],
                "Ledger": [
                  [["{{{a}}}"], {"stash": "{{{a}}}", "total": 1000000000000, "active": 1000000000000, "unlocking": [], "claimedRewards": [50], "cmixId": null}],
                  [["{{{c}}}"], {"stash": "{{{b}}}", "total": 1000000000000, "active": 1000000000000, "unlocking": [], "claimedRewards": [], "cmixId": null}],
                  [["{{{d}}}"], {"stash": "{{{d}}}", "total": 1000000000000, "active": 1000000000000, "unlocking": [], "claimedRewards": [], "cmixId": null}]]
              },
              "Session": {
                "Validators": ["{{{a}}}", "{{{b}}}"], "CurrentIndex": 300,
                "NextKeys": [[["{{{a}}}"], {"grandpa": "0x{{{new string('a', 64)}}}", "babe": "0x{{{new string('b', 64)}}}",
                                            "imOnline": "0x{{{new string('c', 64)}}}", "authorityDiscovery": "0x{{{new string('d', 64)}}}"}]]
              }
            }
            """);
    }

    /// <summary>Dave's ledger, listing <paramref name="claimed"/> as paid.</summary>
    public Task ClaimForDave(string claimed) => Node.SetStorage($$$"""
        {"Staking": {"Ledger": [[["{{{Ss58.Encode(Dave)}}}"], {"stash": "{{{Ss58.Encode(Dave)}}}", "total": 1000000000000, "active": 1000000000000,
            "unlocking": [], "claimedRewards": {{{claimed}}}, "cmixId": null}]]}}
        """);

    public Task DisposeAsync()
    {
        Node.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Unclaimed rewards, the bonded controller, the (absent) payee and the session keys as the exporter reads them from the real xx runtime.</summary>
[FullLane]
public sealed class RewardsChopsticksTests(RewardsChain chain) : IClassFixture<RewardsChain>, IAsyncDisposable
{
    private readonly CapturedLogs _logs = new();
    private readonly List<CancellationTokenSource> _stops = new();

    private Prometheus.CollectorRegistry Exporter(byte[] stash)
    {
        Skip.If(chain.Node.MissingWhy is not null, chain.Node.MissingWhy);
        var (stop, registry) = ExporterTesting.Chain(_logs.Factory, "--chain.rpc-url", chain.Node.Url, "--chain.idf-path", "/nonexistent/idf.json",
            "--chain.timeout", "10s", "--chain.stash", Ss58.Encode(stash));
        _stops.Add(stop);
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops) await stop.CancelAsync();
    }

    [SkippableFact]
    public async Task Unpaid_eras_in_the_history_window_with_the_oldest_one_close_to_expiring()
    {
        var m = await Exposition.Of(Exporter(RewardsChain.Alice));
        Assert.Equal(84, m["xx_staking_history_depth_eras"]);
        Assert.Equal(2, m["xx_validator_unpaid_eras"]); // 20 and 98: 50 is claimed, 60 earned nothing, 10 expired
        Assert.Equal(20, m["xx_validator_unpaid_oldest_era"]);
        Assert.Equal(4, m["xx_validator_unpaid_oldest_era_eras_left"]); // 20 + 84 - 100
        Assert.Equal(600, m["xx_validator_unpaid_rewards_xx"], 6); // 1000 xx x 50/100 + 200 xx x 30/60
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
    }

    [SkippableFact]
    public async Task A_claim_shows_at_the_next_collection_at_the_same_cost()
    {
        var registry = Exporter(RewardsChain.Dave);
        await chain.ClaimForDave("[]");
        var first = await Exposition.Of(registry);
        Assert.Equal(1, first["xx_validator_unpaid_eras"]);
        Assert.Equal(30 + 84 - 100, first["xx_validator_unpaid_oldest_era_eras_left"]);
        Assert.Equal(400, first["xx_validator_unpaid_rewards_xx"], 6); // 800 xx x 20/40
        var second = await Exposition.Of(registry);

        await chain.ClaimForDave("[30]");
        var third = await Exposition.Of(registry);
        Assert.Equal(0, third["xx_validator_unpaid_eras"]);
        Assert.False(third.Has("xx_validator_unpaid_oldest_era_eras_left"));
        Assert.False(third.Has("xx_validator_unpaid_oldest_era"));
        Assert.Equal(0, third["xx_validator_unpaid_rewards_xx"]);
        // Read again in the steady batch: the same 8 requests as any steady scrape (ChopsticksTests: 6 chain, 2 staking
        // batches; no keys set for Dave, so no keystore question).
        Assert.Equal(8, third["xx_chain_rpc_requests_total"] - second["xx_chain_rpc_requests_total"]);
    }

    [SkippableFact]
    public async Task The_controller_bonded_to_the_stash_and_the_commission()
    {
        var m = await Exposition.Of(Exporter(RewardsChain.Bob));
        Assert.Equal(1, m[$"xx_validator_controller_info{{controller=\"{Ss58.Encode(RewardsChain.Charlie)}\"}}"]);
        Assert.Equal(0.05, m["xx_validator_commission_ratio"], 9);
        Assert.Equal(0, m["xx_validator_next_session_keys_set"]);
        Assert.Equal(0, m["xx_validator_unpaid_eras"]);
    }

    [SkippableFact]
    public async Task The_legacy_runtime_has_no_reward_destination_so_no_payee_series()
    {
        Skip.If(chain.Node.MissingWhy is not null, chain.Node.MissingWhy);
        // The xx fork always pays into the stash, bonded: no Staking.Payee item to read (PayeeReader).
        var metadata = MetadataParser.Parse(ChainState.Hex(await chain.Node.Rpc("state_getMetadata", "[]")));
        Assert.Null(metadata.FindStorage("Staking", "Payee"));
        var m = await Exposition.Of(Exporter(RewardsChain.Bob));
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_validator_payee_info", StringComparison.Ordinal));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
    }

    [SkippableFact]
    public async Task Session_keys_set_on_chain_and_a_node_without_a_keystore()
    {
        var m = await Exposition.Of(Exporter(RewardsChain.Alice));
        Assert.Equal(1, m["xx_validator_next_session_keys_set"]);
        // chopsticks has no keystore: it answers system_nodeRoles ("full") but not author_hasSessionKeys, so the
        // keys series is absent (never a false 0) and the log says why.
        Assert.Equal(1, m["xx_chain_node_role{role=\"full\"}"]);
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_validator_session_keys_on_node", StringComparison.Ordinal));
        Assert.Contains("has no author_hasSessionKeys", _logs.All);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.Equal(1, m[$"xx_validator_controller_info{{controller=\"{Ss58.Encode(RewardsChain.Alice)}\"}}"]);
    }
}

using Prometheus;
using XxExporter.Chain;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Chain;

/// <summary>
/// The staking reader end to end on both runtime layouts: a fake node serving the @polkadot-made golden values
/// (tests/chain-tools/make-vectors.mjs) under a synthetic runtime of that layout, and a runtime upgrade mid-run.
/// </summary>
public sealed class StakingLayoutTests : IAsyncDisposable
{
    private const string AliceCmixId = "0x1111111111111111111111111111111111111111111111111111111111111111";
    private static readonly string Alice = Ss58.Encode(Convert.FromHexString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"));
    private static readonly byte[] BobStash = Convert.FromHexString("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48");
    private static readonly string Bob = Ss58.Encode(BobStash);

    private readonly TempFolder _folder = new();
    private readonly List<IAsyncDisposable> _nodes = new();
    private readonly List<CancellationTokenSource> _stops = new();

    private async Task<(FakeChainNode Node, CollectorRegistry Registry)> Exporter(SyntheticRuntime runtime, string stash)
    {
        var node = new FakeChainNode(runtime.Healthy);
        _nodes.Add(node);
        await node.StartAsync();
        string idf = _folder.File("cmix-IDF.json");
        File.WriteAllText(idf, $$"""{"hexNodeID": "{{AliceCmixId}}"}""");
        var (stop, registry) = ExporterTesting.Chain(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
            "--chain.rpc-url", node.WsUrl, "--chain.stash", stash, "--chain.idf-path", idf);
        _stops.Add(stop);
        return (node, registry);
    }

    [Theory]
    [InlineData(true, 100, 100)]   // legacy: points as stored
    [InlineData(false, 70, 70)]    // 207: 100 earned minus 30 deducted; median of 70, 200 and 0
    public async Task Alice_reads_the_same_way_in_both_layouts(bool legacy, double points, double median)
    {
        var (_, registry) = await Exporter(SyntheticRuntime.FromGoldenVectors(legacy), Alice);
        var m = await Exposition.Of(registry);
        Assert.Equal(legacy ? 206 : 207, m["xx_chain_runtime_spec_version"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.Equal(42, m["xx_staking_active_era"]);
        Assert.Equal(1234, m["xx_staking_session_index"]);
        Assert.Equal(3, m["xx_staking_active_set_size"]);
        Assert.Equal(1, m["xx_validator_active"]);
        Assert.Equal(1, m["xx_validator_intends_to_validate"]);
        Assert.False(m.Has("xx_validator_elected_next_era")); // CurrentEra == ActiveEra: no election yet
        Assert.Equal(points, m["xx_validator_era_points"]);
        Assert.Equal(median, m["xx_validator_era_points_active_set_median"]);
        Assert.Equal(300, m["xx_staking_active_era_points{kind=\"reward\"}"]); // the era's stored total, not the sum of the set
        if (legacy) Assert.False(m.Has("xx_staking_active_era_points{kind=\"deduction\"}")); // no ErasDeductionPoints before 207
        else Assert.Equal(30, m["xx_staking_active_era_points{kind=\"deduction\"}"]);
        Assert.Equal(0.1, m["xx_validator_commission_ratio"], 9);
        Assert.Equal(12345678901234.567890123, m["xx_validator_own_stake_xx"], 0);
        Assert.Equal(2, m["xx_validator_nominators"]);
        Assert.Equal(1, m["xx_validator_cmix_id_matches"]);
        Assert.Equal(0, m["xx_validator_last_era_missed"]); // not elected in era 41
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bob_missed_era_41_in_both_layouts(bool legacy)
    {
        var (_, registry) = await Exporter(SyntheticRuntime.FromGoldenVectors(legacy), Bob);
        var m = await Exposition.Of(registry);
        Assert.Equal(0, m["xx_validator_last_era_points"]);
        Assert.Equal(1, m["xx_validator_last_era_missed"]);
        Assert.Equal(1, m["xx_validator_missed_eras"]);
        Assert.Equal(0, m["xx_validator_cmix_id_matches"]); // Bob's controller has no ledger with a cMix ID
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_steady_scrape_costs_nine_requests_and_one_more_on_207(bool legacy)
    {
        var (node, registry) = await Exporter(SyntheticRuntime.FromGoldenVectors(legacy), Alice);
        double first = (await Exposition.Of(registry))["xx_chain_rpc_requests_total"]; // metadata, node info, finished eras
        double steady = (await Exposition.Of(registry))["xx_chain_rpc_requests_total"];
        // Seven for heights, health, sync and runtime; two batched storage reads for the validator (the rewards and
        // session-keys items among them; this node has no keystore methods, refused once); on 207 the queued slashes' keys are listed (state_getKeysPaged), since they carry the stash.
        Assert.Equal(legacy ? 9 : 10, steady - first);   // XXCmix.CmixHashes only every few minutes
        Assert.Equal(node.Calls, steady);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_finished_era_is_read_once(bool legacy)
    {
        var runtime = SyntheticRuntime.FromGoldenVectors(legacy);
        var (_, registry) = await Exporter(runtime, Bob);
        Assert.Equal(1, (await Exposition.Of(registry))["xx_validator_last_era_missed"]);
        // A finished era never changes on a real chain. Here Bob's exposure in era 41 goes away (not elected, so not
        // missed), and the exporter, which does not read era 41 again, still says missed.
        Assert.True(runtime.Storage.Remove(runtime.Runtime.Key("Staking", legacy ? "ErasStakers" : "ErasStakersOverview", StorageKeys.U32(41), BobStash)));
        Assert.Equal(1, (await Exposition.Of(registry))["xx_validator_last_era_missed"]);
    }

    [Fact]
    public async Task A_runtime_upgrade_reloads_the_metadata_and_switches_layout()
    {
        var (node, registry) = await Exporter(SyntheticRuntime.FromGoldenVectors(legacy: true), Alice);
        Assert.Equal(100, (await Exposition.Of(registry))["xx_validator_era_points"]);
        var upgraded = SyntheticRuntime.FromGoldenVectors(legacy: false);
        node.Handler = upgraded.Healthy;
        var m = await Exposition.Of(registry);
        Assert.Equal(207, m["xx_chain_runtime_spec_version"]);
        Assert.Equal(70, m["xx_validator_era_points"]);
        Assert.Equal(1, m["xx_validator_cmix_id_matches"]); // now from XXStakingExtension.CmixIds
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops) await stop.CancelAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        _folder.Dispose();
    }
}

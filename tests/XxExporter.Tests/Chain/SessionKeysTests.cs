using System.Text.Json;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Chain.Rpc;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Chain;

/// <summary>
/// The keystore and role questions (author_hasSessionKeys, system_nodeRoles) against the tests' scriptable JSON-RPC
/// node, since chopsticks has no keystore; and the paged claims of runtime 207 (Staking.ClaimedRewards), which
/// chopsticks' genesis runtime does not have. The node serves the golden 207 values: Alice's next session keys are
/// four keys of 0xa1…, 0xb2…, 0xc3…, 0xd4….
/// </summary>
public sealed class SessionKeysTests : IAsyncDisposable
{
    private static readonly byte[] Alice = StakingChain.Alice;
    private static readonly string AliceKeys = "0x" + string.Concat(new[] { "a1", "b2", "c3", "d4" }.Select(b => string.Concat(Enumerable.Repeat(b, 32))));
    private static readonly string AliceSeries = $"xx_validator_session_keys_on_node{{stash=\"{Ss58.Encode(Alice)}\"}}";
    private readonly SyntheticRuntime _runtime = SyntheticRuntime.FromGoldenVectors(legacy: false);
    private readonly Dictionary<string, int> _calls = new();
    private readonly FakeChainNode _node;
    private readonly CapturedLogs _logs = new();
    private readonly List<CancellationTokenSource> _stops = new();

    public SessionKeysTests() => _node = new FakeChainNode(Count);

    /// <summary>An answer in place of the healthy one for a method (null: the healthy answer).</summary>
    private Func<string, Answer?> _instead = _ => null;

    private Answer Count(string method, JsonElement parameters)
    {
        lock (_calls) _calls[method] = _calls.GetValueOrDefault(method) + 1;
        return _instead(method) ?? _runtime.Healthy(method, parameters);
    }

    private int CallsOf(string method)
    {
        lock (_calls) return _calls.GetValueOrDefault(method);
    }

    private async Task<CollectorRegistry> Exporter()
    {
        await _node.StartAsync();
        var (stop, registry) = ExporterTesting.Chain(_logs.Factory, "--chain.rpc-url", _node.WsUrl, "--chain.idf-path", "/nonexistent/idf.json",
            "--chain.stash", Ss58.Encode(Alice));
        _stops.Add(stop);
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops) await stop.CancelAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task An_authority_holding_the_keys()
    {
        _runtime.Self = new NodeSelf("Authority", new HashSet<string>([AliceKeys]), RefusesUnsafe: false);
        var m = await Exposition.Of(await Exporter());
        Assert.Equal(1, m["xx_chain_node_role{role=\"authority\"}"]);
        Assert.Equal(1, m["xx_validator_next_session_keys_set"]);
        Assert.Equal(1, m[AliceSeries]);
    }

    [Fact]
    public async Task A_node_whose_keystore_lacks_the_keys()
    {
        _runtime.Self = new NodeSelf("Authority", new HashSet<string>(["0x" + new string('0', 256)]), RefusesUnsafe: false);
        var m = await Exposition.Of(await Exporter());
        Assert.Equal(0, m[AliceSeries]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
    }

    [Fact]
    public async Task A_node_refusing_unsafe_calls_leaves_both_series_out_and_says_how_to_allow_them()
    {
        _runtime.Self = new NodeSelf("Authority", new HashSet<string>([AliceKeys]), RefusesUnsafe: true);
        var registry = await Exporter();
        var first = await Exposition.Of(registry);
        var second = await Exposition.Of(registry);
        foreach (var m in new[] { first, second })
        {
            Assert.False(m.Has(AliceSeries)); // never a false 0
            Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_chain_node_role", StringComparison.Ordinal));
            Assert.Equal(1, m["xx_validator_next_session_keys_set"]);
            Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        }
        Assert.Contains("refuses author_hasSessionKeys as an unsafe RPC method", _logs.All);
        Assert.Contains("--rpc-methods unsafe and its RPC on 127.0.0.1 only", _logs.All);
        // Refused once, not asked again on the same connection.
        Assert.Equal(1, CallsOf("author_hasSessionKeys"));
        Assert.Equal(1, CallsOf("system_nodeRoles"));
    }

    [Fact]
    public async Task Any_other_error_of_the_keystore_call_leaves_the_series_out_without_failing_staking()
    {
        _runtime.Self = new NodeSelf("Authority", new HashSet<string>([AliceKeys]), RefusesUnsafe: false);
        _instead = method => method == "author_hasSessionKeys" ? new Answer.Error(-32602, "Invalid params") : null;
        var m = await Exposition.Of(await Exporter());
        Assert.False(m.Has(AliceSeries));
        Assert.Equal(1, m["xx_chain_node_role{role=\"authority\"}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.Contains("answers author_hasSessionKeys with an error", _logs.All);
    }

    [Fact]
    public async Task A_steady_scrape_with_a_keystore_costs_eleven_requests()
    {
        _runtime.Self = new NodeSelf("Authority", new HashSet<string>([AliceKeys]), RefusesUnsafe: false);
        var registry = await Exporter();
        await Exposition.Of(registry);
        var second = await Exposition.Of(registry);
        var third = await Exposition.Of(registry);
        // 7 chain requests (this node has system_syncState), the 2 storage batches, author_hasSessionKeys, the queued
        // slashes' keys of runtime 207 (state_getKeysPaged); the roles once per connection, XXCmix.CmixHashes every
        // few minutes (BinariesSource.HashesReadEvery).
        Assert.Equal(11, third["xx_chain_rpc_requests_total"] - second["xx_chain_rpc_requests_total"]);
        Assert.Equal(3, CallsOf("author_hasSessionKeys"));
        Assert.Equal(1, CallsOf("system_nodeRoles"));
    }

    [Fact]
    public async Task Paged_claims_count_an_era_paid_once_every_exposure_page_is_claimed()
    {
        // Era 41: Alice elected with two exposure pages, 60 points less 20 deducted of 120 less 20: 40 % of 1000 xx.
        _runtime.Set("Staking", "ErasStakersOverview", Hex(StakingValues.ExposureOverview(1_000_000_000_000, 1_000_000_000_000, 600, 2)), ScaleEncoder.U32(41), Alice);
        _runtime.Set("Staking", "ErasRewardPoints", Hex(StakingValues.Points(120, [(Alice, 60), (StakingChain.Bob, 60)])), ScaleEncoder.U32(41));
        _runtime.Set("XXStakingExtension", "ErasDeductionPoints", Hex(StakingValues.Points(20, [(Alice, 20)])), ScaleEncoder.U32(41));
        _runtime.Set("Staking", "ErasValidatorReward", Hex(ScaleEncoder.U128(1_000_000_000_000)), ScaleEncoder.U32(41));
        _runtime.Set("Staking", "Ledger", Hex(StakingValues.Ledger(Alice, 1, 1, [], [])), Alice);
        _runtime.Set("Staking", "ClaimedRewards", Hex(StakingValues.ClaimedPages([0])), ScaleEncoder.U32(41), Alice);
        var registry = await Exporter();
        var half = await Exposition.Of(registry);
        Assert.Equal(84, half["xx_staking_history_depth_eras"]); // the runtime's constant
        Assert.Equal(1, half["xx_validator_unpaid_eras"]);
        Assert.Equal(41, half["xx_validator_unpaid_oldest_era"]);
        Assert.Equal(41 + 84 - 42, half["xx_validator_unpaid_oldest_era_eras_left"]);
        Assert.Equal(400, half["xx_validator_unpaid_rewards_xx"], 6);

        _runtime.Set("Staking", "ClaimedRewards", Hex(StakingValues.ClaimedPages([0, 1])), ScaleEncoder.U32(41), Alice);
        var paid = await Exposition.Of(registry);
        Assert.Equal(0, paid["xx_validator_unpaid_eras"]);

        // Eras the ledger lists from before the upgrade count as paid too.
        _runtime.Set("Staking", "ClaimedRewards", Hex(StakingValues.ClaimedPages([])), ScaleEncoder.U32(41), Alice);
        _runtime.Set("Staking", "Ledger", Hex(StakingValues.Ledger(Alice, 1, 1, [], [41])), Alice);
        Assert.Equal(0, (await Exposition.Of(Exporter2()))["xx_validator_unpaid_eras"]);
    }

    /// <summary>A second exporter on the same node (a fresh cache).</summary>
    private CollectorRegistry Exporter2()
    {
        var (stop, registry) = ExporterTesting.Chain(_logs.Factory, "--chain.rpc-url", _node.WsUrl, "--chain.idf-path", "/nonexistent/idf.json",
            "--chain.stash", Ss58.Encode(Alice));
        _stops.Add(stop);
        return registry;
    }

    private static string Hex(byte[] bytes) => ChainState.HexOf(bytes);

    [Theory]
    [InlineData("""["Authority"]""", "authority")]
    [InlineData("""["Full"]""", "full")]
    [InlineData("""[{"full": null}]""", "full")]
    [InlineData("""["LightClient", "LightClient"]""", "lightclient")]
    public void Roles_as_nodes_write_them(string answer, string role) =>
        Assert.Equal([role], SessionKeysReader.Roles(JsonDocument.Parse(answer).RootElement));

    [Fact]
    public void A_roles_answer_that_is_no_list_is_a_node_fault() =>
        Assert.Throws<MalformedAnswerException>(() => SessionKeysReader.Roles(JsonDocument.Parse("\"Authority\"").RootElement));
}

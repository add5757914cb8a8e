using System.Text.Json;
using XxExporter.Chain;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Rpc;
using Xunit.Abstractions;

namespace XxExporter.Tests.Chain;

/// <summary>
/// The built exporter, run as its own process inside a memory cgroup with the shipped unit's limit, reading the
/// staking state of a node whose counts are hostile: eras no chain can be in, a page of more keys than asked, an
/// optional method answered with the wrong kind of value. Its memory (VmHWM in /proc/&lt;pid&gt;/status) stays within
/// the budget docs/configuration.md states above its steady RSS, the node is asked a bounded number of times, and
/// nothing but the series concerned is lost. Margins are generous; nothing here is timed.
/// </summary>
[FullLane]
public sealed class HostileStakingTests : IAsyncDisposable
{
    private const int Scrapes = 8;
    /// <summary>A scrape reads the head (7 requests at most) and the staking state (a few more): far fewer than this.</summary>
    private const int RequestsPerScrape = 40;
    private const string StakingUp = "xx_exporter_collector_success{collector=\"staking\"}";

    private static readonly byte[] Alice = StakingChain.Alice;
    private static readonly string AliceKeys = "0x" + string.Concat(new[] { "a1", "b2", "c3", "d4" }.Select(b => string.Concat(Enumerable.Repeat(b, 32))));
    private static readonly string SlashPrefix = Hex(StorageKeys.Plain("Staking", "UnappliedSlashes"));

    private readonly ITestOutputHelper _output;
    private readonly FakeChainNode _node;
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, int> _calls = new();
    private readonly List<(int Asked, int Kept)> _slashPages = new();
    private int _asked;
    private SyntheticRuntime _runtime = SyntheticRuntime.FromGoldenVectors(legacy: false);
    /// <summary>An answer in place of the healthy one (null: the healthy answer).</summary>
    private Func<string, JsonElement, Answer?> _instead = (_, _) => null;
    private ServerProcess? _exporter;
    private MemoryCgroup? _cgroup;

    public HostileStakingTests(ITestOutputHelper output)
    {
        _output = output;
        _node = new FakeChainNode(Serve);
    }

    public async ValueTask DisposeAsync()
    {
        if (_exporter is not null) await _exporter.DisposeAsync();
        _cgroup?.Dispose();
        await _node.DisposeAsync();
        _folder.Dispose();
    }

    public static TheoryData<string, bool, Action<SyntheticRuntime>, string> ImpossibleEras => new()
    {
        // CurrentEra (the planned era) is the active one or the next: never below it.
        { "CurrentEra below ActiveEra", false, r => SetEras(r, active: 30_000_000, current: 1), "CurrentEra 1 is below ActiveEra 30000000" },
        // The legacy runtime keeps its history depth in storage, where a node can put any number.
        { "a history depth of 2^32 - 1 eras", true, r =>
            {
                SetEras(r, active: 30_000_000, current: 30_000_000);
                r.Set("Staking", "HistoryDepth", Hex(StorageKeys.U32(uint.MaxValue)));
            }, "Staking.HistoryDepth of 4294967295 eras" },
    };

    [Theory]
    [MemberData(nameof(ImpossibleEras))]
    public async Task Impossible_eras_are_a_node_fault_reported_once_asked_of_the_node_a_bounded_number_of_times(string name, bool legacy,
        Action<SyntheticRuntime> hostile, string fault)
    {
        _runtime = SyntheticRuntime.FromGoldenVectors(legacy);
        long steady = await StartAsync();
        hostile(_runtime);
        int before = Calls;
        for (int i = 0; i < Scrapes; i++)
        {
            var m = await ScrapeAsync();
            Assert.Equal(1, m["xx_chain_up"]); // the node answers: it is its staking state that cannot be
            Assert.Equal(0, m[StakingUp]);
            Assert.False(m.Has("xx_validator_era_points"));
        }
        int asked = Calls - before;
        long peak = ProcMemory.Read(_exporter!.Id, "VmHWM");
        _output.WriteLine($"{name}: {asked} requests in {Scrapes} scrapes; steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB");
        Assert.True(asked <= Scrapes * RequestsPerScrape, $"{name}: the node was asked {asked} times in {Scrapes} scrapes");
        Assert.True(peak - steady <= BuiltExporter.MemoryBudgetBytes, $"{name}: steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB");
        Assert.Single(await _exporter.LinesAsync(line => line.Contains(fault)));
        AssertNoMemoryFailure();
    }

    [Fact]
    public async Task A_page_of_more_keys_than_asked_is_held_to_the_count_asked()
    {
        long steady = await StartAsync();
        // 15,000 queued slashes of the validator's stash, whatever count the exporter asks for.
        var keys = Enumerable.Range(0, 15_000).Select(i => JsonSerializer.Serialize(SlashKey(era: 50, index: (uint)i))).ToList();
        string page = "[" + string.Join(',', keys) + "]";
        _instead = (method, parameters) =>
        {
            if (method != "state_getKeysPaged" || !parameters[0].GetString()!.StartsWith(SlashPrefix, StringComparison.OrdinalIgnoreCase)) return null;
            Volatile.Write(ref _asked, parameters[1].GetInt32());
            return new Answer.Result(page);
        };
        lock (_calls) _slashPages.Clear();
        for (int i = 0; i < Scrapes; i++)
        {
            AssertStakingUp(await ScrapeAsync());
        }
        long peak = ProcMemory.Read(_exporter!.Id, "VmHWM");
        List<(int Asked, int Kept)> pages;
        lock (_calls) pages = [.. _slashPages];
        _output.WriteLine($"queued slash keys read back: {string.Join(", ", pages)}; steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB");
        Assert.Contains(pages, p => p.Kept > 0);
        Assert.All(pages, p => Assert.True(p.Kept <= p.Asked, $"{p.Kept} of the keys kept where {p.Asked} were asked for"));
        Assert.True(peak - steady <= BuiltExporter.MemoryBudgetBytes, $"steady RSS {steady >> 20} MiB, peak {peak >> 20} MiB");
        AssertNoMemoryFailure();
    }

    [Theory]
    [InlineData("author_hasSessionKeys", "[true]", "xx_validator_session_keys_on_node")]
    [InlineData("author_hasSessionKeys", "\"true\"", "xx_validator_session_keys_on_node")]
    [InlineData("system_nodeRoles", "{\"authority\": null}", "xx_chain_node_role")]
    [InlineData("system_nodeRoles", "\"Authority\"", "xx_chain_node_role")]
    public async Task An_optional_methods_odd_answer_drops_only_its_own_series(string method, string answer, string dropped)
    {
        _runtime.Self = new NodeSelf("Authority", new HashSet<string>([AliceKeys]), RefusesUnsafe: false);
        _instead = (m, _) => m == method ? new Answer.Result(answer) : null;
        await StartAsync();
        for (int i = 0; i < 3; i++)
        {
            var m = await ScrapeAsync();
            AssertStakingUp(m);
            Assert.True(m.Has("xx_validator_next_session_keys_set"));
            Assert.DoesNotContain(m.Series, s => s.StartsWith(dropped, StringComparison.Ordinal));
        }
        Assert.Single(await _exporter!.LinesAsync(line => line.Contains(method) && line.Contains($"{dropped} is left out")));
    }

    /// <summary>
    /// Starts the exporter on the healthy node inside a cgroup of the unit's limit (from its first instruction, so
    /// .NET sizes its heap to that limit as it would under the unit), and returns its RSS after a few scrapes.
    /// </summary>
    private async Task<long> StartAsync()
    {
        await _node.StartAsync();
        _cgroup = MemoryCgroup.Create();
        string exporter = BuiltExporter.Path;
        // The shell moves itself into the cgroup and becomes the exporter (same process id).
        _exporter = await ServerProcess.StartAsync("/bin/sh", _folder.Path, port =>
        [
            "-c", $"echo $$ > '{Path.Join(_cgroup.Path, "cgroup.procs")}' && exec \"$0\" \"$@\"", exporter,
            $"--web.listen-address=127.0.0.1:{port}", $"--logs.dir={_folder.Path}", $"--chain.rpc-url={_node.WsUrl}", "--chain.idf-path=/nonexistent/idf.json",
            $"--chain.stash={Ss58.Encode(Alice)}", "--chain.timeout=10s", "--checks.backups=", "--checks.certificates=", "--checks.probes=", "--log.level=warn",
        ], readyPath: "/-/healthy", environment: BuiltExporter.ShippedGc);
        // Read in full once (the first scrape reads every era of the windows), then a few steady scrapes.
        for (int i = 0; i < 60 && (await ScrapeAsync())[StakingUp] == 0; i++) await Task.Delay(200);
        for (int i = 0; i < 3; i++) AssertStakingUp(await ScrapeAsync());
        return ProcMemory.Read(_exporter.Id, "VmRSS");
    }

    private async Task<Exposition> ScrapeAsync()
    {
        try
        {
            return Exposition.Parse(await _exporter!.Http.GetStringAsync("/metrics"));
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException($"the exporter does not answer ({ex.Message}; killed for memory {_cgroup?.OomKills} times):\n{_exporter!.Log}");
        }
    }

    private void AssertStakingUp(Exposition m)
    {
        Assert.Equal(1, m["xx_chain_up"]);
        Assert.True(m[StakingUp] == 1 && m.Has("xx_validator_era_points"), $"no staking series:\n{_exporter!.Log}");
    }

    private void AssertNoMemoryFailure()
    {
        Assert.DoesNotContain("OutOfMemoryException", _exporter!.Log);
        Assert.Equal(0, _cgroup!.OomKills);
    }

    private Answer Serve(string method, JsonElement parameters)
    {
        lock (_calls)
        {
            _calls[method] = _calls.GetValueOrDefault(method) + 1;
            if (method == "state_queryStorageAt")
            {
                int kept = parameters[0].EnumerateArray().Count(k => k.GetString()!.StartsWith(SlashPrefix, StringComparison.OrdinalIgnoreCase));
                if (kept > 0) _slashPages.Add((Volatile.Read(ref _asked), kept));
            }
        }
        return _instead(method, parameters) ?? _runtime.Healthy(method, parameters);
    }

    private int Calls
    {
        get { lock (_calls) return _calls.Values.Sum(); }
    }

    private static void SetEras(SyntheticRuntime runtime, uint active, uint current)
    {
        runtime.Set("Staking", "ActiveEra", Hex(StorageKeys.U32(active)) + "00"); // ActiveEraInfo: index, start None
        runtime.Set("Staking", "CurrentEra", Hex(StorageKeys.U32(current)));
    }

    /// <summary>A 207 UnappliedSlashes key: prefix | twox64 | era | twox64 | stash | fraction | page.</summary>
    private static string SlashKey(uint era, uint index) => Hex([
        .. StorageKeys.Plain("Staking", "UnappliedSlashes"),
        .. StorageKeys.Hash(XxExporter.Chain.Scale.StorageHasher.Twox64Concat, StorageKeys.U32(era)),
        .. StorageKeys.Hash(XxExporter.Chain.Scale.StorageHasher.Twox64Concat, [.. Alice, .. StorageKeys.U32(index), .. StorageKeys.U32(0)]),
    ]);

    private static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);
}

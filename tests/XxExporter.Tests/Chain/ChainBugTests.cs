using Microsoft.Extensions.Logging;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Chain.Rpc;
using XxExporter.Hosting;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Chain;

/// <summary>A bug of the exporter met while reading the chain is a bug: logged once with its stack, counted, and never "the node is down".</summary>
public sealed class ChainBugTests : IAsyncDisposable
{
    private static readonly byte[] Stash = Convert.FromHexString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
    private readonly SyntheticRuntime _runtime = SyntheticRuntime.FromGoldenVectors(legacy: false);
    private readonly FakeChainNode _node;
    private readonly CapturedLogs _logs = new();
    private ChainConnection? _connection;

    public ChainBugTests() => _node = new FakeChainNode(_runtime.Healthy);

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        await _node.DisposeAsync();
    }

    /// <summary>An add-on whose read has a bug of ours in it.</summary>
    private sealed class BuggyAddOn : IStakingAddOn
    {
        public Task<Func<CancellationToken, Task<IStakingFacts>>> AddAsync(StakingContext context, StorageBatch batch, CancellationToken token) =>
            Task.FromResult<Func<CancellationToken, Task<IStakingFacts>>>(_ => throw new InvalidOperationException("a decoder bug"));

        public void Write(Readings readings, IStakingFacts facts) { }
    }

    /// <summary>
    /// The chain and staking sources wired as <see cref="ChainSources.Create"/> wires them, the chain read replaced
    /// by <paramref name="read"/> where given and the staking read given <paramref name="addOns"/>.
    /// </summary>
    private CollectorRegistry Exporter(Func<ChainReader, Func<CancellationToken, Task<ChainHead>>> read, params IStakingAddOn[] addOns)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var settings = ExporterSettings.Load(CommandLine.Parse(["--chain.rpc-url", _node.WsUrl, "--chain.stash", Ss58.Encode(Stash),
            "--chain.idf-path", "/nonexistent/idf.json"])).Chain;
        _connection = new ChainConnection(settings.Endpoints, settings.Timeout, factory, _logs.Factory.CreateLogger("rpc"));
        var snapshots = new ChainSnapshots();
        var bugs = new ChainBugs(factory, _logs.Factory.CreateLogger("XxExporter.Chain"));
        IScrapeSource[] sources =
        [
            new ChainSource(_connection, read(new ChainReader(_connection, _logs.Factory.CreateLogger("chain"))), new ChainSeries(factory), snapshots, bugs, settings.Timeout),
            new StakingSource(snapshots.Follow(), new StakingReader(settings.MissedErasWindow, addOns), new StakingSeries(factory), settings, bugs),
        ];
        foreach (var source in sources) bugs.Watch(source.Name);
        new ScrapeSources(sources, new ExporterMetrics(factory), _logs.Factory).CollectBeforeEachScrape(registry);
        return registry;
    }

    private IEnumerable<string> BugLines => _logs.Lines.Where(line => line.StartsWith("Error") && line.Contains("A bug of xx-exporter"));

    [Fact]
    public async Task A_bug_in_the_chain_read_is_a_bug_and_the_node_is_not_said_to_be_down()
    {
        await _node.StartAsync();
        var registry = Exporter(reader => async token =>
        {
            await reader.ReadAsync(token); // the node answers; what is made of its answer has a bug
            throw new InvalidOperationException("a reader bug");
        });
        for (int i = 1; i <= 3; i++)
        {
            var m = await Exposition.Of(registry);
            Assert.Equal(1, m["xx_chain_up"]);
            Assert.Equal(0, m["xx_exporter_collector_success{collector=\"chain\"}"]);
            Assert.Equal(i, m["xx_exporter_internal_errors_total{collector=\"chain\"}"]);
            Assert.Equal(0, m["xx_exporter_internal_errors_total{collector=\"staking\"}"]); // the chain's bug, counted once
        }
        var logged = Assert.Single(BugLines); // once, however many scrapes meet it
        Assert.Contains("a reader bug", logged);
        Assert.Contains(nameof(A_bug_in_the_chain_read_is_a_bug_and_the_node_is_not_said_to_be_down), logged); // its stack
        Assert.DoesNotContain("is not answering", _logs.All);
        Assert.Contains("staking: not read, since the chain collector met a bug", _logs.All);
    }

    [Fact]
    public async Task A_bug_in_a_staking_add_on_fails_staking_as_a_bug_while_the_chain_is_up()
    {
        await _node.StartAsync();
        var registry = Exporter(reader => reader.ReadAsync, new BuggyAddOn());
        for (int i = 1; i <= 2; i++)
        {
            var m = await Exposition.Of(registry);
            Assert.Equal(1, m["xx_chain_up"]);
            Assert.Equal(1, m["xx_exporter_collector_success{collector=\"chain\"}"]);
            Assert.Equal(0, m["xx_exporter_collector_success{collector=\"staking\"}"]);
            Assert.Equal(i, m["xx_exporter_internal_errors_total{collector=\"staking\"}"]);
            Assert.Equal(0, m["xx_exporter_internal_errors_total{collector=\"chain\"}"]);
            Assert.False(m.Has("xx_staking_active_era")); // read before anything is written: nothing half-written
        }
        Assert.Contains("a decoder bug", Assert.Single(BugLines));
        Assert.DoesNotContain("cannot read the validator's staking state", _logs.All);
    }

    [Fact]
    public async Task A_node_that_answers_nonsense_is_a_node_fault_not_a_bug()
    {
        _node.Handler = (method, parameters) => method == "system_health" ? new Answer.Result("""{"peers":"many","isSyncing":false}""") : _runtime.Healthy(method, parameters);
        await _node.StartAsync();
        var registry = Exporter(reader => reader.ReadAsync);
        var m = await Exposition.Of(registry);
        Assert.Equal(0, m["xx_chain_up"]);
        Assert.Equal(0, m["xx_exporter_internal_errors_total{collector=\"chain\"}"]);
        Assert.Contains("system_health answered String where a whole number belongs", _logs.All);
        Assert.Empty(BugLines);
    }
}

using System.Numerics;
using System.Text.Json;
using Prometheus;
using XxExporter.Chain;
using XxExporter.Chain.Scale;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Chain;

/// <summary>
/// XXCmix.CmixVariables through the exporter on both runtime layouts: the @polkadot-made golden value
/// (tests/chain-tools/make-vectors.mjs) under a synthetic runtime, the item unset, and a struct without a field read.
/// </summary>
public sealed class CmixVariablesTests : IAsyncDisposable
{
    private static readonly string Alice = Ss58.Encode(Convert.FromHexString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"));

    private static readonly JsonElement Vector = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Chain", "Vectors", "vectors.json")))
        .RootElement.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("item").GetString() == "CmixVariables");

    private readonly TempFolder _folder = new();
    private readonly List<IAsyncDisposable> _nodes = new();
    private readonly List<CancellationTokenSource> _stops = new();

    private async Task<Exposition> Scrape(SyntheticRuntime runtime)
    {
        var node = new FakeChainNode(runtime.Healthy);
        _nodes.Add(node);
        await node.StartAsync();
        var (stop, registry) = ExporterTesting.Chain(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
            "--chain.rpc-url", node.WsUrl, "--chain.stash", Alice, "--chain.idf-path", _folder.File("no-idf.json"));
        _stops.Add(stop);
        return await Exposition.Of(registry);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_points_and_timeouts_are_exported_as_the_chain_holds_them(bool legacy)
    {
        var runtime = SyntheticRuntime.FromGoldenVectors(legacy);
        runtime.Set("XXCmix", "CmixVariables", Vector.GetProperty("encoded").GetString()!);
        var m = await Scrape(runtime);
        var (points, timeouts) = (Vector.GetProperty("value").GetProperty("performance").GetProperty("points"), Vector.GetProperty("value").GetProperty("timeouts"));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.Equal(points.GetProperty("success").GetDouble(), m["xx_chain_cmix_points{event=\"round_success\"}"]);
        Assert.Equal(points.GetProperty("failure").GetDouble(), m["xx_chain_cmix_points{event=\"round_failure\"}"]);
        Assert.Equal(points.GetProperty("block").GetDouble(), m["xx_chain_cmix_points{event=\"block\"}"]);
        foreach (string phase in new[] { "precomputation", "realtime", "advertisement" })
            Assert.Equal(double.Parse(timeouts.GetProperty(phase).GetString()!) / 1000, m[$"xx_chain_cmix_timeout_seconds{{phase=\"{phase}\"}}"]);
    }

    [Fact]
    public async Task Unset_it_gives_no_series_and_the_staking_series_stay()
    {
        var m = await Scrape(SyntheticRuntime.FromGoldenVectors(legacy: false));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"staking\"}"]);
        Assert.True(m.Has("xx_validator_era_points"));
        Assert.False(m.Has("xx_chain_cmix_points{event=\"round_success\"}"));
        Assert.False(m.Has("xx_chain_cmix_timeout_seconds{phase=\"realtime\"}"));
    }

    [Fact]
    public void A_struct_without_the_timeouts_leaves_its_series_out_with_a_notice()
    {
        static ScaleValue Number(uint value) => new ScaleNumber(new BigInteger(value));
        var points = new ScaleComposite([("success", Number(10)), ("failure", Number(20)), ("block", Number(130))]);
        var upgraded = new ScaleComposite([("performance", new ScaleComposite([("points", points)]))]);
        var readings = new Readings();
        new CmixVariablesReader(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())).Write(readings, CmixVariablesReader.Facts(upgraded));
        Assert.Empty(readings.Values);
        Assert.False(readings.Failed);
        Assert.Contains("timeouts", readings.Problems["XXCmix.CmixVariables"]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops) await stop.CancelAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        _folder.Dispose();
    }
}

using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using XxExporter.Hosting;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary><c>--no-collector.&lt;name&gt;</c>: the source is not built, so it has no series and is not read at each scrape.</summary>
public sealed class CollectorSwitchTests : IDisposable
{
    private readonly TempFolder _logs = new();

    public void Dispose() => _logs.Dispose();

    [Theory]
    [InlineData("log_files", "xx_log_files_")]
    [InlineData("cmix_error_file", "xx_cmix_error_file_")]
    [InlineData("backups", "xx_backup_")]
    [InlineData("certificates", "xx_tls_")]
    [InlineData("identity", "xx_node_info")]
    [InlineData("probes", "xx_probe_")]
    [InlineData("gateway_node", "xx_gateway_node_")]
    [InlineData("dns", "xx_dns_")]
    public async Task A_collector_switched_off_has_no_series_and_is_not_listed(string collector, string families)
    {
        File.WriteAllText(_logs.File("cmix.log"), "");
        var (on, onNames) = await Scrape();
        Assert.Contains(collector, onNames);
        Assert.Contains($"# HELP {families}", on);
        Assert.Contains($"xx_exporter_collector_success{{collector=\"{collector}\"}}", on);

        var (off, offNames) = await Scrape($"--no-collector.{collector}");
        Assert.Equal(onNames.Where(name => name != collector), offNames);
        Assert.DoesNotContain($"# HELP {families}", off);
        Assert.DoesNotContain($"collector=\"{collector}\"", off);
    }

    /// <summary>The binaries source joins the chain's reads: it is off with the chain collector, and on its own switch.</summary>
    [Fact]
    public async Task The_binaries_collector_has_its_switch_and_goes_with_the_chain()
    {
        await using var node = new FakeChainNode(new Chain.SyntheticRuntime().Healthy);
        await node.StartAsync();
        File.WriteAllText(_logs.File("xxnetwork-cmix"), "binary");
        // The chain database on disk is a source of its own (chain_storage, xx_chain_snapshot_*, xx_chain_data_*), not
        // read from the node: off here, so that every xx_chain_ family left is the chain collector's.
        string[] chain = ["--chain.rpc-url", node.WsUrl, "--binaries.paths", $"server={_logs.File("xxnetwork-cmix")}", "--chain.data-folder", ""];

        var (_, on) = await Scrape(chain);
        Assert.Equal(["binaries", "chain", "staking"], on.Intersect(["chain", "staking", "binaries"]).Order());
        var (metrics, off) = await Scrape([.. chain, "--no-collector.binaries"]);
        Assert.Equal(on.Where(name => name != "binaries"), off);
        Assert.DoesNotContain("# HELP xx_binary_", metrics);
        (metrics, off) = await Scrape([.. chain, "--no-collector.chain"]);
        Assert.Equal(on.Where(name => name is not ("chain" or "staking" or "binaries")), off);
        Assert.DoesNotContain("# HELP xx_chain_", metrics);
        Assert.DoesNotContain("# HELP xx_binary_", metrics);
    }

    [Fact]
    public void Every_source_has_its_switch_on_by_default_and_a_name_of_its_own()
    {
        Assert.Equal(SourceRegistry.All.Count, SourceRegistry.All.Select(source => source.Name).Distinct().Count());
        Assert.All(SourceRegistry.All, source =>
        {
            Assert.Equal($"collector.{source.Name}", source.Switch.Flag);
            Assert.Equal("true", source.Switch.Default);
            Assert.Contains(source.Switch, ExporterSettings.Table.All);
        });
    }

    /// <summary>
    /// A registration whose file does not declare it to <see cref="SourceRegistry"/> would never be built, and nothing
    /// else would say so.
    /// </summary>
    [Fact]
    public void Every_registration_the_exporter_declares_is_in_the_list()
    {
        var declared = typeof(SourceRegistry).Assembly.GetTypes()
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(field => field.FieldType == typeof(SourceRegistration))
            .Select(field => (Field: $"{field.DeclaringType!.Name}.{field.Name}", Registration: (SourceRegistration)field.GetValue(null)!)).ToList();
        Assert.NotEmpty(declared);
        var missing = declared.Where(source => !SourceRegistry.All.Contains(source.Registration)).Select(source => source.Field);
        Assert.True(!missing.Any(), $"declared with no module initializer calling SourceRegistry.Declare: {string.Join(", ", missing)}");
    }

    /// <summary>The exporter's /metrics and the sources it reads at each scrape (as its start-up report lists them).</summary>
    private async Task<(string Metrics, IReadOnlyList<string> Sources)> Scrape(params string[] flags)
    {
        var (app, address) = await ExporterTesting.StartAsync(["--web.listen-address", "127.0.0.1:0", "--logs.dir", _logs.Path, "--chain.rpc-url", "",
            "--checks.probes", "node=127.0.0.1:1", "--checks.certificates", _logs.File("*.crt"), "--chain.idf-path", _logs.File("cmix-IDF.json"), .. flags]);
        await using (app)
        {
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            string metrics = await http.GetStringAsync("/metrics");
            var names = app.Services.GetRequiredService<ScrapeSources>().Names;
            await app.StopAsync();
            return (metrics, names);
        }
    }
}

using XxExporter.CmixError;
using XxExporter.Tests.Hosting;
using XxExporter.Tests.Support;
using XxSimulator.Logs;

namespace XxExporter.Tests.Simulator;

/// <summary><c>xx-simulator logs --gateway-isolated</c> and <c>--cmix-left-down</c>, read by the exporter once (--once) and in the files.</summary>
public class LogSetFailureTests
{
    [Fact]
    public async Task An_isolated_gateway_logs_its_nodes_rounds_and_no_gossip()
    {
        using var folder = new TempFolder();
        var truth = LogSetGenerator.Generate(folder.Path, new LogSetOptions(CmixBytes: 300_000, GatewayIsolated: true));
        var m = Exposition.Parse(await OneShotTests.RunOnce("--logs.dir", folder.Path, "--logs.timezone", "UTC"));

        Assert.True(truth.GatewayLocalRounds > 0);
        Assert.Equal(truth.GatewayLocalRounds, m["xx_gateway_local_rounds_total"]);
        Assert.Equal(0, truth.GatewayGossipRounds);
        Assert.Equal(0, m["xx_gateway_gossip_rounds_total"]);
        Assert.DoesNotContain("Gossip received", File.ReadAllText(folder.File("gateway.log")));
    }

    [Fact]
    public async Task A_node_left_down_keeps_its_error_file_and_completes_no_round_after_it()
    {
        using var folder = new TempFolder();
        LogSetGenerator.Generate(folder.Path, new LogSetOptions(CmixBytes: 300_000, RoundFailureRate: 0, IdleCrashRate: 0, CmixLeftDown: true));
        var m = Exposition.Parse(await OneShotTests.RunOnce("--logs.dir", folder.Path, "--logs.timezone", "UTC"));

        // The file the exporter's cmix-err.log source reads at scrape time (not in --once), decoded as it decodes it.
        var error = RoundErrorFile.TryDecode(File.ReadAllBytes(folder.File("cmix-err.log")), out string? problem);
        Assert.True(error is not null, problem);
        Assert.Contains("has timed out", error.Error);
        Assert.True(m["xx_cmix_rounds_completed_total"] > 0);
        var lines = File.ReadAllLines(folder.File("cmix.log"));
        int stopped = Array.FindLastIndex(lines, l => l.Contains("writing error to /opt/xxnetwork/log/cmix-err.log"));
        Assert.True(stopped >= 0);
        Assert.DoesNotContain(lines.Skip(stopped), l => l.Contains("Updated to COMPLETED successfully"));
        Assert.DoesNotContain(lines.Skip(stopped), l => l.Contains("removing file at /opt/xxnetwork/log/cmix-err.log"));
    }
}

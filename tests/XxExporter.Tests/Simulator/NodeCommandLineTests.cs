using System.Net;
using XxSimulator.Chain;
using XxSimulator.Node;

namespace XxExporter.Tests.Simulator;

public class NodeCommandLineTests
{
    [Fact]
    public async Task Help_goes_to_stdout_with_exit_code_0()
    {
        var (code, output) = await XxExporter.Tests.Support.Repository.RunAsync(Path.Combine(AppContext.BaseDirectory, "xx-simulator"), "--help");
        Assert.Equal(0, code);
        Assert.StartsWith("usage: xx-simulator logs FOLDER", output);
        Assert.Contains("xx-simulator node", output);
    }

    [Fact]
    public void Reads_every_option()
    {
        var options = NodeCommandLine.Parse(["--logs", "/l", "--listen", "0.0.0.0:9944", "--cred", "/c", "--backups", "/b", "--era-seconds", "90",
            "--gateway-database", "Host=db;Database=cmix_gateway", "--gateway-database-password-file", "/run/secrets/pw",
            "--scenario", "troubled", "--seed", "7", "--round-seconds", "0.5", "--config", "/cfg", "--gateway-node-address", "node.example.invalid:11420",
            "--session-keys", "refused", "--role", "full", "--peer-id", "12D3KooWAnotherSiteKeptTheNetworkKey",
            "--chain-stall-after", "120", "--chain-started-before", "30", "--long-era", "2:225"]);
        Assert.Equal(new SimulatedNodeOptions
        {
            LogFolder = "/l", CredFolder = "/c", BackupFolder = "/b", GatewayDatabase = "Host=db;Database=cmix_gateway", GatewayDatabasePasswordFile = "/run/secrets/pw", Listen = new IPEndPoint(IPAddress.Any, 9944), EraLength = TimeSpan.FromSeconds(90),
            Scenario = Scenario.Troubled, Seed = 7, RoundInterval = TimeSpan.FromSeconds(0.5), ConfigFolder = "/cfg", GatewayNodeAddress = "node.example.invalid:11420",
            SessionKeys = SessionKeysOnNode.Refused, Role = "Full", PeerId = "12D3KooWAnotherSiteKeptTheNetworkKey",
            ChainStallAfter = TimeSpan.FromSeconds(120), ChainStartedBefore = TimeSpan.FromSeconds(30), LongEra = (2, TimeSpan.FromSeconds(225)),
        }, options);
    }

    [Fact]
    public void Reads_the_waiting_era_of_a_healthy_node() =>
        Assert.Equal(new SimulatedNodeOptions { LogFolder = "/l", WaitingEra = 3 },
            NodeCommandLine.Parse(["--logs", "/l", "--scenario", "healthy", "--waiting-era", "3"]));

    [Fact]
    public void A_waiting_era_is_not_for_the_troubled_scenario() =>
        Assert.Contains("--waiting-era is for the healthy scenario", Assert.Throws<ArgumentException>(
            () => NodeCommandLine.Parse(["--logs", "/l", "--waiting-era", "1", "--scenario", "troubled"])).Message);

    [Fact]
    public void Defaults_to_a_healthy_node_on_the_substrate_port() =>
        Assert.Equal(new SimulatedNodeOptions { LogFolder = "/l" }, NodeCommandLine.Parse(["--logs", "/l"]));

    [Theory]
    [InlineData("--listen", "9944", "--listen 9944: expected HOST:PORT")]
    [InlineData("--scenario", "bad", "expected healthy or troubled")]
    [InlineData("--era-seconds", "0", "expected a positive number of seconds")]
    [InlineData("--session-keys", "lost", "expected held, missing or refused")]
    [InlineData("--role", "boss", "expected authority or full")]
    [InlineData("--long-era", "225", "--long-era 225: expected K:N")]
    [InlineData("--long-era", "1:0", "--long-era 0: expected a positive number of seconds")]
    [InlineData("--waiting-era", "-1", "--waiting-era -1: expected an era counted from the start")]
    [InlineData("--colour", "red", "unknown option --colour")]
    public void Names_what_is_wrong(string name, string value, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => NodeCommandLine.Parse(["--logs", "/l", name, value])).Message);

    [Fact]
    public void Needs_a_log_folder() =>
        Assert.Contains("--logs DIR is required", Assert.Throws<ArgumentException>(() => NodeCommandLine.Parse([])).Message);
}

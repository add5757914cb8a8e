using XxExporter.Checks;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

/// <summary>The node address in the gateway's config, on lines as the gateway's example config and older releases write them.</summary>
public sealed class GatewayConfigTests
{
    /// <summary>The layout of the gateway's example config (comments, quoted values, the keys around cmixAddress).</summary>
    private const string Shipped = """
        ##
        # Gateway Configuration File
        ##

        # Level of debugging to print (0 = info, 1 = debug, >1 = trace). (Default info)
        logLevel: 0
        log: "/opt/xxnetwork/log/gateway.log"
        port: 22840

        # The IP address of the machine running cMix that the Gateway communicates with.
        cmixAddress: "0.0.0.0:11420"
        idfPath: "/opt/xxnetwork/cred/gateway-IDF.json"
        dbName: "cmix_gateway"
        dbAddress: "0.0.0.0:5432"
        dbPassword: "[password for database]"
        #overridePublicIP: "1.2.3.4"
        """;

    public static TheoryData<string, string, int> Addresses => new()
    {
        { Shipped, "0.0.0.0", 11420 },
        { "cmixAddress: node-7.dynu.net:11420\n", "node-7.dynu.net", 11420 },
        { "cmixAddress: 'node.example.org:11420'   # the node's public name\n", "node.example.org", 11420 },
        // Older gateways: nodeAddress, still read when cmixAddress is not set; cmixAddress wins when both are.
        { "port: 22840\nnodeAddress: \"203.0.113.7:11420\"\n", "203.0.113.7", 11420 },
        { "nodeAddress: \"203.0.113.7:11420\"\ncmixAddress: \"198.51.100.2:11420\"\n", "198.51.100.2", 11420 },
        // viper matches keys in any letter case.
        { "CmixAddress: \"198.51.100.2:11420\"\n", "198.51.100.2", 11420 },
        { "cmixAddress: \"[2001:db8::7]:11420\"\n", "2001:db8::7", 11420 },
        { "\uFEFFcmixAddress: \"198.51.100.2:11420\"\r\n", "198.51.100.2", 11420 },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void The_node_address_is_read(string text, string host, int port)
    {
        var reading = GatewayConfig.Parse("/opt/xxnetwork/config/gateway.yaml", text.TrimStart('\uFEFF'));
        Assert.Equal(GatewayConfigStatus.Ok, reading.Status);
        Assert.Equal((host, port), (reading.Host, reading.Port));
        Assert.Equal("", reading.Problem);
    }

    [Theory]
    [InlineData("", "NoAddress", "is empty: it names no cmixAddress")]
    [InlineData("# only comments\n", "NoAddress", "is empty: it names no cmixAddress")]
    [InlineData("port: 22840\nlog: \"/opt/xxnetwork/log/gateway.log\"\n", "NoAddress", "names no cmixAddress (the node's host:port)")]
    [InlineData("cmixAddress: \"\"\n", "NoAddress", "sets cmixAddress (line 1) to no address")]
    [InlineData("cmixAddress:\n", "NoAddress", "sets cmixAddress (line 1) to no address")]
    [InlineData("cmixAddress:\n  host: node\n", "NoAddress", "sets cmixAddress (line 1) to no address")]
    [InlineData("cmixAddress: \"node.example.org\"\n", "NoAddress", "sets cmixAddress (line 1) to \"node.example.org\", which is not host:port with a port from 1 to 65535")]
    [InlineData("cmixAddress: \"node.example.org:70000\"\n", "NoAddress", "which is not host:port")]
    [InlineData("cmixAddress: \":11420\"\n", "NoAddress", "which is not host:port")]
    [InlineData("cmixAddress: \"2001:db8::7:11420\"\n", "NoAddress", "which is not host:port")]
    [InlineData("cmixAddress: \"0.0.0.0:11420\n", "Invalid", "is not valid YAML (line ")]
    [InlineData("port: 22840\n\tcmixAddress: \"0.0.0.0:11420\"\n", "Invalid", "is not valid YAML (line ")]
    [InlineData("- cmixAddress: \"0.0.0.0:11420\"\n", "Invalid", "does not hold key: value lines at the top (line 1)")]
    [InlineData("cmixAddress: \"0.0.0.0:11420\"\n---\ncmixAddress: \"0.0.0.0:11421\"\n", "Invalid", "holds more than one YAML document")]
    public void A_config_without_a_usable_address_says_why(string text, string status, string problem)
    {
        var reading = GatewayConfig.Parse("/opt/xxnetwork/config/gateway.yaml", text);
        Assert.Equal(status, reading.Status.ToString());
        Assert.StartsWith("the gateway config /opt/xxnetwork/config/gateway.yaml ", reading.Problem);
        Assert.Contains(problem, reading.Problem);
        Assert.DoesNotContain('\n', reading.Problem);
    }

    [Fact]
    public void Hostile_text_is_a_reading_not_a_crash()
    {
        var deep = GatewayConfig.Parse("gateway.yaml", new string('[', 100_000));
        Assert.Equal(GatewayConfigStatus.Invalid, deep.Status);
        Assert.Contains("nested deeper than 32 levels at line 1", deep.Problem);

        var control = GatewayConfig.Parse("gateway.yaml", $"cmixAddress: \"node\\e[31m{new string('x', 500)}\"\n");
        Assert.Equal(GatewayConfigStatus.NoAddress, control.Status);
        Assert.Contains("to \"node\\u001b[31mxxx", control.Problem); // escaped, visibly
        Assert.True(control.Problem.Length < ForeignText.TextLength + 150, control.Problem); // the value is cut for the log
    }

    /// <summary>Aliases used as mapping keys, each level hashing the one before twice: expanded, it would never end.</summary>
    internal static string AliasBomb(int levels = 40)
    {
        var text = new System.Text.StringBuilder("cmixAddress: \"0.0.0.0:11420\"\nl0: &l0 {x: y}\n");
        for (int level = 1; level <= levels; level++) text.Append($"l{level}: &l{level} {{? *l{level - 1} : 1, ? [*l{level - 1}] : 2}}\n");
        return text.ToString();
    }

    [Theory]
    [InlineData("base: &base {port: 22840}\ngateway:\n  <<: *base\ncmixAddress: \"0.0.0.0:11420\"\n", "uses the alias *base at line 3")]
    [InlineData("cmixAddress: &address \"0.0.0.0:11420\"\nnodeAddress: *address\n", "uses the alias *address at line 2")]
    public void An_alias_is_refused_at_its_line_as_the_file_needs_none(string text, string problem)
    {
        var reading = GatewayConfig.Parse("/opt/xxnetwork/config/gateway.yaml", text);
        Assert.Equal(GatewayConfigStatus.Invalid, reading.Status);
        Assert.Equal($"the gateway config /opt/xxnetwork/config/gateway.yaml is not read: {problem}: this file needs no aliases, and they are not read", reading.Problem);
    }

    [Fact]
    public void An_alias_bomb_is_refused_at_its_first_alias()
    {
        var reading = GatewayConfig.Parse("gateway.yaml", AliasBomb());
        Assert.Equal(GatewayConfigStatus.Invalid, reading.Status);
        Assert.Contains("uses the alias *l0 at line 3", reading.Problem);
    }

    [Fact]
    public void A_file_is_parsed_again_only_when_it_changes()
    {
        using var folder = new TempFolder();
        string path = folder.File("gateway.yaml");
        File.WriteAllText(path, "cmixAddress: \"0.0.0.0:11420\"\n");
        var first = GatewayConfig.Read(path);
        Assert.Same(first, GatewayConfig.Read(path)); // the same reading, not parsed again

        File.WriteAllText(path, "cmixAddress: \"0.0.0.0:11421\"\n"); // same size: a new modification time
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(11421, GatewayConfig.Read(path).Port);

        File.WriteAllText(folder.File("new.yaml"), "cmixAddress: \"0.0.0.0:11422\"\n");
        File.SetLastWriteTimeUtc(folder.File("new.yaml"), File.GetLastWriteTimeUtc(path));
        File.Move(folder.File("new.yaml"), path, overwrite: true); // same size and time, another inode
        Assert.Equal(11422, GatewayConfig.Read(path).Port);
    }

    [Fact]
    public void Files_that_are_missing_unreadable_or_huge_are_told_apart()
    {
        using var folder = new TempFolder();
        Assert.Equal(new GatewayConfigReading(GatewayConfigStatus.Missing), GatewayConfig.Read(folder.File("gateway.yaml")));
        Assert.Equal(GatewayConfigStatus.Missing, GatewayConfig.Read(folder.File("no/such/folder/gateway.yaml")).Status);

        var folderThere = GatewayConfig.Read(folder.Path);
        Assert.Equal(GatewayConfigStatus.Unreadable, folderThere.Status);
        Assert.StartsWith($"the gateway config {folder.Path} cannot be read (", folderThere.Problem);

        File.WriteAllText(folder.File("huge.yaml"), "cmixAddress: \"0.0.0.0:11420\"\n" + new string('#', 2 << 20));
        Assert.Equal(GatewayConfigStatus.Unreadable, GatewayConfig.Read(folder.File("huge.yaml")).Status);

        File.WriteAllText(folder.File("gateway.yaml"), Shipped);
        Assert.Equal(("0.0.0.0", 11420), (GatewayConfig.Read(folder.File("gateway.yaml")).Host, GatewayConfig.Read(folder.File("gateway.yaml")).Port));
    }
}

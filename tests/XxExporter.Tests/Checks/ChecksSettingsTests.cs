using XxExporter.Checks;
using XxExporter.Hosting;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

public sealed class ChecksSettingsTests
{
    [Fact]
    public void The_defaults_are_the_handbook_layout()
    {
        var settings = ExporterSettings.Load(CommandLine.Parse([])).Checks;
        // The credentials, which xx does not reissue, and no database: the node's has no tables, the gateway's is replicated.
        Assert.Equal([new BackupTarget("cred", "/opt/xxnetwork/backup/cred", "/opt/xxnetwork/cred")], settings.Backups);
        Assert.Equal(["/opt/xxnetwork/cred/*.crt"], settings.CertificatePatterns);
        Assert.Equal("/opt/xxnetwork/cred/cmix-IDF.json", settings.IdfPath);
        // This machine has neither the node's IDF nor the gateway's config: both roles' probes.
        Assert.Equal(HostRole.Both, settings.Role.Role);
        Assert.Equal([new("node", "127.0.0.1", 11420), new("gateway", "127.0.0.1", 22840), new ProbeTarget("chain_p2p", "127.0.0.1", 15974)], settings.Probes);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.DnsTimeout);
        // Tests replace these two through the environment (Support/LoopbackNames.cs), so their defaults are read from the table.
        Assert.Equal("/opt/xxnetwork/config/gateway.yaml", ChecksSettings.Table.GatewayConfig.Default);
        Assert.Equal(["scheduling.mainnet.cmix.rip", "auth.mainnet.cmix.rip"], ChecksSettings.Table.DnsNames.Parse(ChecksSettings.Table.DnsNames.Default));
    }

    [Fact]
    public async Task Checks_turned_off_have_no_series()
    {
        var m = await new ChecksHarness(ChecksHarness.Off).Scrape();
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_backup_") || s.StartsWith("xx_tls_") || s.StartsWith("xx_node_") || s.StartsWith("xx_probe_"));
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_exporter_collector_"));
    }

    [Fact]
    public async Task All_checks_together_lint_clean()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("cmix_node.dump"), "dump");
        File.SetLastWriteTimeUtc(folder.File("cmix_node.dump"), new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        var harness = new ChecksHarness(new ChecksSettings
        {
            Backups = [new("cmix_node", folder.File("cmix_node.dump"))], BackupMinBytes = 1, CertificatePatterns = [folder.File("*.crt")],
            IdfPath = folder.File("cmix-IDF.json"), Probes = [new("node", "127.0.0.1", Loopback.FreePort())], ProbeTimeout = TimeSpan.FromSeconds(1),
            GatewayConfig = folder.File("gateway.yaml"), DnsNames = ["localhost"], DnsTimeout = TimeSpan.FromSeconds(5),
        });

        var m = await harness.Scrape();
        foreach (string collector in ChecksHarness.Names)
            Assert.Equal(1, m[$"xx_exporter_collector_success{{collector=\"{collector}\"}}"]);
        await Promtool.AssertLintClean(m.Text);

        Assert.Equal(1, m["xx_backup_present{target=\"cmix_node\"}"]);
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), m["xx_backup_last_success_timestamp_seconds{target=\"cmix_node\"}"]);
        Assert.Equal(4, m["xx_backup_size_bytes{target=\"cmix_node\"}"]);
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_tls_certificate_expiry_timestamp_seconds") || s.StartsWith("xx_node_info"));
        Assert.Equal(0, m["xx_probe_success{target=\"node\"}"]);
    }

    [Theory]
    // --host.role, whether the node's IDF and the gateway's config exist, and the probes that follow.
    [InlineData("auto", true, false, "node,chain_p2p")]
    [InlineData("auto", false, true, "gateway,chain_p2p")]
    [InlineData("auto", true, true, "node,gateway,chain_p2p")]
    [InlineData("auto", false, false, "node,gateway,chain_p2p")]
    [InlineData("node", false, true, "node,chain_p2p")]
    [InlineData("gateway", true, false, "gateway,chain_p2p")]
    [InlineData("both", true, false, "node,gateway,chain_p2p")]
    public void The_default_probes_are_those_of_the_hosts_role(string role, bool idf, bool gatewayConfig, string probes)
    {
        using var folder = new TempFolder();
        if (idf) File.WriteAllText(folder.File("cmix-IDF.json"), "{}");
        if (gatewayConfig) File.WriteAllText(folder.File("gateway.yaml"), "cmixAddress: node.invalid:11420\n");

        var settings = ExporterSettings.Load(CommandLine.Parse(
            [$"--host.role={role}", $"--chain.idf-path={folder.File("cmix-IDF.json")}", $"--checks.gateway-config={folder.File("gateway.yaml")}"])).Checks;

        Assert.Equal(probes, string.Join(',', settings.Probes.Select(probe => probe.Name)));
        Assert.All(settings.Probes, probe => Assert.Equal("127.0.0.1", probe.Host));
        Assert.StartsWith(role != "auto" ? "set by --host.role" : idf || gatewayConfig ? "detected: " : "neither ", settings.Role.How);
    }

    [Fact]
    public void Explicit_probes_and_backups_win_over_the_role_and_sources_without_a_target_are_named()
    {
        var settings = ExporterSettings.Load(CommandLine.Parse(
            ["--host.role=node", "--checks.probes=gateway=10.0.0.2:22840", "--checks.backups=cmix_gateway=/var/backups/gw"])).Checks;

        Assert.Equal([new ProbeTarget("gateway", "10.0.0.2", 22840)], settings.Probes);
        Assert.Equal([new BackupTarget("cmix_gateway", "/var/backups/gw")], settings.Backups);
        Assert.Equal(["cred"], settings.UnusedBackupSources);
        Assert.Empty(ExporterSettings.Load(CommandLine.Parse(["--checks.probes="])).Checks.Probes);
    }

    [Theory]
    [InlineData("/opt/xxnetwork/cred/*.crt", "/opt/xxnetwork/cred/*.crt")]
    [InlineData("/opt/xxnetwork/cred/*.crt, /etc/xx/tls/exporter.pem", "/opt/xxnetwork/cred/*.crt|/etc/xx/tls/exporter.pem")]
    [InlineData("/opt/xxnetwork/cred/gateway-cert.crt,/opt/xxnetwork/cred/cmix-cert.crt,", "/opt/xxnetwork/cred/gateway-cert.crt|/opt/xxnetwork/cred/cmix-cert.crt")]
    [InlineData("/opt/xxnetwork/cred", "/opt/xxnetwork/cred")]
    [InlineData("", "")]
    public void The_certificate_setting_takes_a_list_of_patterns(string text, string patterns) =>
        Assert.Equal(patterns, string.Join('|', ChecksSettings.Table.Certificates.Parse(text)));

    [Theory]
    [InlineData("/opt/xxnetwork/cred/{cmix,gateway}-cert.crt", "braces are not expanded; give each pattern, separated by commas")]
    [InlineData("/opt/xxnetwork/*/gateway-cert.crt", "wildcards (* and ?) are allowed in the file name only")]
    [InlineData("/a/*.crt,/a/*.crt", "a pattern is given twice")]
    public void A_certificate_pattern_this_cannot_read_is_refused_naming_the_setting(string text, string problem)
    {
        var error = Assert.Throws<XxExporter.Settings.SettingsException>(() => ChecksSettings.Table.Certificates.Parse(text));
        Assert.StartsWith("invalid --checks.certificates", error.Message);
        Assert.EndsWith(problem, error.Message);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("1")]
    [InlineData("")]
    public void A_role_that_is_none_is_refused(string role) =>
        Assert.Equal($"invalid --host.role \"{role}\": must be auto, node, gateway or both",
            Assert.Throws<XxExporter.Settings.SettingsException>(() => ChecksSettings.Table.Role.Parse(role)).Message);
}

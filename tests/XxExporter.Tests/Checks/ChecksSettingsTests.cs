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
        Assert.Equal(
            [new("cmix_node", "/opt/xxnetwork/backup/cmix_node"), new("cmix_gateway", "/opt/xxnetwork/backup/cmix_gateway"), new BackupTarget("chain", "/opt/xxnetwork/backup/chain")],
            settings.Backups);
        Assert.Equal("/opt/xxnetwork/cred/*.crt", settings.CertificateGlob);
        Assert.Equal("/opt/xxnetwork/cred/cmix-IDF.json", settings.IdfPath);
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
            Backups = [new("cmix_node", folder.File("cmix_node.dump"))], BackupMinBytes = 1, CertificateGlob = folder.File("*.crt"),
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
}

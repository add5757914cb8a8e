using XxExporter.Checks;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

public sealed class IdentityCheckTests : IDisposable
{
    // A real node ID (from davaymne/xxnetwork-tools); it has a '/' for the URL form.
    private const string DashboardId = "MYqKI26Kc3KkJOMmF5n0tiwlSY/lhYCFYreTRh9c4NAC";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Idf => _folder.File("cmix-IDF.json");

    private static string IdfJson(string dashboardId)
    {
        byte[] id = Convert.FromBase64String(dashboardId);
        Assert.Equal(2, id[^1]); // the node type byte
        return $$"""{"id":"{{dashboardId}}","type":2,"salt":"AAAA","idBytes":[],"hexNodeID":"0x{{Convert.ToHexStringLower(id[..^1])}}"}""";
    }

    private ChecksHarness Harness() => new(ChecksHarness.Off with { IdfPath = Idf });

    [Fact]
    public async Task The_node_id_is_the_one_the_dashboard_shows()
    {
        File.WriteAllText(Idf, IdfJson(DashboardId));
        var harness = Harness();

        var m = await harness.Scrape();

        Assert.Equal(1, m[$"xx_node_info{{node_id=\"{DashboardId}\",node_id_url=\"MYqKI26Kc3KkJOMmF5n0tiwlSY_lhYCFYreTRh9c4NAC\"}}"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"identity\"}"]);
        await Promtool.AssertLintClean(m.Text);
    }

    [Fact]
    public void The_url_form_replaces_plus_too()
    {
        byte[] id = Convert.FromBase64String("c6wptSinakErZHrk0SlgGQXExETPYYLB2CwpLNze6FMC")[..^1];
        id[0] = 0xfb; // base64 "+..."
        var identity = NodeIdentity.FromCmixId(id);
        Assert.StartsWith("+", identity.NodeId);
        Assert.Equal(identity.NodeId.Replace('+', '-'), identity.NodeIdUrl);
        Assert.EndsWith("C", identity.NodeId);
        Assert.Equal(44, identity.NodeId.Length);
    }

    [Fact]
    public async Task No_idf_no_series_a_broken_one_fails_and_a_new_one_replaces_the_old_id()
    {
        var harness = Harness();
        var m = await harness.Scrape();
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_node_info"));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"identity\"}"]);

        File.WriteAllText(Idf, IdfJson(DashboardId));
        await harness.Scrape();
        File.WriteAllText(Idf, """{"hexNodeID":"0x1234"}""");
        await harness.Scrape();
        m = await harness.Scrape();
        Assert.DoesNotContain(m.Series, s => s.StartsWith("xx_node_info"));
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"identity\"}"]);
        Assert.Single(harness.Logs.Lines, line => line.Contains("hexNodeID has 2 bytes, not 32"));

        const string other = "c6wptSinakErZHrk0SlgGQXExETPYYLB2CwpLNze6FMC"; // learn.xx.network's example
        File.WriteAllText(Idf, IdfJson(other));
        m = await harness.Scrape();
        Assert.Equal(1, m[$"xx_node_info{{node_id=\"{other}\",node_id_url=\"{other}\"}}"]);
        Assert.Single(m.Series, s => s.StartsWith("xx_node_info"));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"identity\"}"]);
    }

    [Fact]
    public async Task An_idf_that_is_a_fifo_fails_the_check_without_blocking_it()
    {
        var (code, output) = await Repository.RunAsync("mkfifo", Idf);
        Assert.True(code == 0, output);
        var harness = Harness();

        var m = await harness.Scrape().WaitAsync(TimeSpan.FromSeconds(20));   // times out if the check hangs
        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"identity\"}"]);
        Assert.Single(harness.Logs.Lines, line => line.Contains("is not a regular file"));
    }
}

using Prometheus;
using XxExporter.Backups;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Backups;

/// <summary>The restore drill's result file scraped as Prometheus would: a drill that passed, one that failed, no file, a bad file.</summary>
public sealed class RestoreDrillSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly CapturedLogs _logs = new();
    private readonly RestoreDrillSource _source;

    public RestoreDrillSourceTests()
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        _source = (RestoreDrillSource)RestoreDrillSource.For(ResultFile, factory).Single();
        new ScrapeSources([_source], new ExporterMetrics(factory), _logs.Factory).CollectBeforeEachScrape(_registry);
    }

    public void Dispose() => _folder.Dispose();

    private string ResultFile => _folder.File("result");

    private const string Passed = """
        cmix_gateway.result=ok
        cmix_gateway.finished=1796613021
        cmix_gateway.duration_seconds=12.5
        cmix_gateway.kind=pgbackrest
        cmix_gateway.label=20261207-031015F
        cmix_gateway.backup_time=1796613018
        cmix_gateway.reason=

        """;

    private const string Failed = """
        cmix_node.result=failed
        cmix_node.finished=1796613027
        cmix_node.duration_seconds=0.5
        cmix_node.kind=dump
        cmix_node.label=
        cmix_node.backup_time=
        cmix_node.reason=no dump file at /var/backups/cmix_node

        """;

    [Fact]
    public async Task Each_database_shows_its_last_drill_and_the_backup_it_restored()
    {
        File.WriteAllText(ResultFile, Passed + Failed);

        var m = await Exposition.Of(_registry);

        Assert.Equal(1, m["xx_restore_drill_result_file_present"]);
        Assert.Equal(1796613021, m["xx_restore_drill_last_run_timestamp_seconds{database=\"cmix_gateway\"}"]);
        Assert.Equal(1, m["xx_restore_drill_success{database=\"cmix_gateway\"}"]);
        Assert.Equal(12.5, m["xx_restore_drill_duration_seconds{database=\"cmix_gateway\"}"]);
        Assert.Equal(1796613018, m["xx_restore_drill_backup_timestamp_seconds{database=\"cmix_gateway\"}"]);
        Assert.Equal(1, m["xx_restore_drill_backup_info{database=\"cmix_gateway\",kind=\"pgbackrest\",label=\"20261207-031015F\"}"]);
        // The failed drill found no backup: its time and result, no backup series.
        Assert.Equal(0, m["xx_restore_drill_success{database=\"cmix_node\"}"]);
        Assert.Equal(1796613027, m["xx_restore_drill_last_run_timestamp_seconds{database=\"cmix_node\"}"]);
        Assert.False(m.Has("xx_restore_drill_backup_timestamp_seconds{database=\"cmix_node\"}"));
        Assert.DoesNotContain("database=\"cmix_node\",kind", m.Text);
        // A failed drill is a finding, not a failure of the collector: the alert tells it, the log and status page say why.
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"restore_drill\"}"]);
        string logged = Assert.Single(_logs.Lines, line => line.Contains("cmix_node"));
        Assert.Contains("no dump file at /var/backups/cmix_node", logged);
        Assert.Contains("docs/runbooks/XxRestoreDrillFailing.md", logged);
        Assert.Contains("the restore drill of cmix_node at 2026-12-07 03:10:27Z failed: no dump file at /var/backups/cmix_node", _source.StatusNote);

        // As the script writes it: a new file renamed over the old one.
        File.WriteAllText(ResultFile + ".new", Passed.Replace("1796613021", "1797217821"));
        File.Move(ResultFile + ".new", ResultFile, overwrite: true);
        m = await Exposition.Of(_registry);
        Assert.Equal(1797217821, m["xx_restore_drill_last_run_timestamp_seconds{database=\"cmix_gateway\"}"]);
        Assert.False(m.Has("xx_restore_drill_success{database=\"cmix_node\"}"));
        Assert.Null(_source.StatusNote);
    }

    [Fact]
    public async Task No_file_is_a_host_without_a_drill_not_a_failure()
    {
        var m = await Exposition.Of(_registry);

        Assert.Equal(0, m["xx_restore_drill_result_file_present"]);
        Assert.DoesNotContain(m.Series, series => series.StartsWith("xx_restore_drill_success"));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"restore_drill\"}"]);
        Assert.Empty(_logs.Lines);
    }

    [Fact]
    public async Task A_label_from_the_file_goes_by_the_rule_for_foreign_text()
    {
        string label = "backup\u202E" + new string('x', 300);
        File.WriteAllText(ResultFile, Passed.Replace("20261207-031015F", label));

        var m = await Exposition.Of(_registry);

        Assert.Equal(1, m[$"xx_restore_drill_backup_info{{database=\"cmix_gateway\",kind=\"pgbackrest\",label=\"{ForeignText.Label(label).Replace("\\", "\\\\")}\"}}"]);
    }

    public static TheoryData<string> BadFiles => new() { "garbled", "fifo" };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_file_fails_the_collector_naming_the_cause(string kind)
    {
        switch (kind)
        {
            case "garbled": File.WriteAllText(ResultFile, Passed + "cmix node result ok\n"); break;
            case "fifo": Assert.Equal(0, (await Repository.RunAsync("mkfifo", ResultFile)).Code); break;
        }

        var m = await Exposition.Of(_registry);

        Assert.Equal(0, m["xx_exporter_collector_success{collector=\"restore_drill\"}"]);
        string logged = Assert.Single(_logs.Lines, line => line.Contains(ResultFile));
        Assert.Contains(kind == "garbled" ? "line 8 is not database.key=value" : "not a regular file", logged);
        // The drills the file does give are still shown.
        if (kind == "garbled") Assert.Equal(1, m["xx_restore_drill_success{database=\"cmix_gateway\"}"]);
    }

    [Fact]
    public void An_empty_setting_turns_it_off() =>
        Assert.Empty(RestoreDrillSource.For("", Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())));
}

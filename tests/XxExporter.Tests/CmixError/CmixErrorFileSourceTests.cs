using Prometheus;
using XxExporter.CmixError;
using XxExporter.Logs;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;
using XxSimulator.Node;

namespace XxExporter.Tests.CmixError;

/// <summary>The error file check scraped as Prometheus would, on files written as the node writes them, and on bad ones.</summary>
public sealed class CmixErrorFileSourceTests : IDisposable
{
    private static readonly DateTimeOffset Written = new(2023, 7, 26, 14, 10, 5, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly CapturedLogs _logs = new();
    private readonly CmixErrorFileSource _source;

    public CmixErrorFileSourceTests()
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        var settings = new LogSettings
        {
            Files = [], FromStart = false, TimeZone = TimeZoneInfo.Utc, MaxLineBytes = 1024, PollInterval = TimeSpan.FromSeconds(1),
            CmixErrorFile = Path.Combine(_folder.Path, CmixErrorFile.FileName),
        };
        _source = (CmixErrorFileSource)CmixErrorFileSource.For(settings, factory).Single();
        new ScrapeSources([_source], new ExporterMetrics(factory), _logs.Factory).CollectBeforeEachScrape(_registry);
    }

    public void Dispose() => _folder.Dispose();

    private string ErrorFile => _folder.File(CmixErrorFile.FileName);

    [Fact]
    public async Task No_file_is_a_running_node_with_only_the_present_series()
    {
        var m = await Exposition.Of(_registry);
        Assert.Equal(0, m["xx_cmix_error_file_present"]);
        Assert.False(m.Has("xx_cmix_error_file_modified_timestamp_seconds"));
        Assert.False(m.Has("xx_cmix_error_file_decoded"));
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"cmix_error_file\"}"]);
        Assert.Null(_source.Current);
    }

    [Fact]
    public async Task A_file_shows_its_time_and_round_and_its_error_is_logged_once()
    {
        CmixErrorFile.Write(_folder.Path, Written, 9876543, "Round 9876543 failed: Graph PrecompShare of phase PrecompShare has timed out");

        var m = await Exposition.Of(_registry);
        await Exposition.Of(_registry);

        Assert.Equal(1, m["xx_cmix_error_file_present"]);
        Assert.Equal(Written.ToUnixTimeSeconds(), m["xx_cmix_error_file_modified_timestamp_seconds"]);
        Assert.Equal(1, m["xx_cmix_error_file_decoded"]);
        Assert.Equal(9876543, m["xx_cmix_error_file_round_id"]);
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"cmix_error_file\"}"]);
        var logged = Assert.Single(_logs.Lines, line => line.Contains("cmix-err.log"));
        Assert.Contains("round 9876543", logged);
        Assert.Contains($"reported by node {NodeIdentity.Base64Id}", logged);
        Assert.Contains("Graph PrecompShare of phase PrecompShare has timed out", logged);
        Assert.Equal("Round 9876543 failed: Graph PrecompShare of phase PrecompShare has timed out", _source.Current!.Error!.Error);
        // The status page and /status.json show the same sentence under the file's name (never as a label).
        Assert.Equal($"{ErrorFile}: ", _source.StatusNote![..(ErrorFile.Length + 2)]);
        Assert.Contains("round 9876543", _source.StatusNote);
        Assert.Contains("Graph PrecompShare of phase PrecompShare has timed out", _source.StatusNote);

        File.Delete(ErrorFile); // the restarted node took it
        m = await Exposition.Of(_registry);
        Assert.Equal(0, m["xx_cmix_error_file_present"]);
        Assert.False(m.Has("xx_cmix_error_file_round_id"));
        Assert.Null(_source.Current);
    }

    public static TheoryData<string> BadFiles => new() { "garbled", "huge", "fifo" };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_file_is_present_undecoded_and_said_once_in_the_log(string kind)
    {
        switch (kind)
        {
            case "garbled": File.WriteAllText(ErrorFile, "panic: runtime error\n"); break;
            case "huge": File.WriteAllBytes(ErrorFile, new byte[3 << 20]); break;
            case "fifo": Assert.Equal(0, (await Repository.RunAsync("mkfifo", ErrorFile)).Code); break;
        }

        var m = await Exposition.Of(_registry);
        await Exposition.Of(_registry);

        Assert.Equal(1, m["xx_cmix_error_file_present"]);
        Assert.Equal(0, m["xx_cmix_error_file_decoded"]);
        Assert.False(m.Has("xx_cmix_error_file_round_id"));
        var logged = Assert.Single(_logs.Lines, line => line.Contains("cmix-err.log"));
        Assert.Contains(kind switch { "garbled" => "is not base64 text", "huge" => "more than the", _ => "not a regular file" }, logged);
        Assert.Contains("docs/runbooks/XxServiceDown.md", logged);
        Assert.Null(_source.Current!.Error);
    }

    [Fact]
    public void A_host_not_following_the_cmix_log_has_no_check()
    {
        var settings = new LogSettings { Files = [], FromStart = false, TimeZone = TimeZoneInfo.Utc, MaxLineBytes = 1024, PollInterval = TimeSpan.FromSeconds(1) };
        Assert.Empty(CmixErrorFileSource.For(settings, Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())));
    }
}

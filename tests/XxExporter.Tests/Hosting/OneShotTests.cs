using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using XxExporter.Hosting;
using XxExporter.Tests.Support;
using XxSimulator.Logs;

namespace XxExporter.Tests.Hosting;

public partial class OneShotTests
{
    internal static async Task<string> RunOnce(params string[] args)
    {
        var settings = ExporterSettings.Load(CommandLine.Parse(["--once", .. args]));
        using var output = new MemoryStream();
        await OneShot.RunAsync(settings, output, NullLoggerFactory.Instance);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(2, 40, 3000)]       // long lines under the cap are records
    [InlineData(3, 25, 1_100_000)]  // lines over the 1 MiB cap are skipped
    public async Task A_generated_log_set_is_counted_exactly(int seed, int longLineEvery, int longLineBytes)
    {
        using var folder = new TempFolder();
        var truth = LogSetGenerator.Generate(folder.Path, new LogSetOptions(Seed: seed, CmixBytes: 3_000_000,
            LongLineEveryRounds: longLineEvery, LongLineBytes: longLineBytes, RoundFailureRate: 0.05, IdleCrashRate: 0.01));
        var metrics = Exposition.Parse(await RunOnce("--logs.dir", folder.Path, "--logs.timezone", "UTC"));

        Assert.Equal(truth.RoundsCompleted, metrics["xx_cmix_rounds_completed_total"]);
        Assert.Equal(truth.RoundSecondsSum, metrics["xx_cmix_round_duration_seconds_sum"], 6);
        foreach (var (reason, count) in truth.RoundFailures)
            Assert.Equal(count, metrics[$"xx_cmix_round_failures_total{{reason=\"{reason}\"}}"]);
        Assert.True(truth.RoundFailures.Values.Sum() > 0);
        Assert.Equal(truth.CmixCrashes, metrics["xx_cmix_crashes_total"]);
        Assert.Equal(truth.CmixStarts, metrics["xx_cmix_starts_total"]);
        Assert.Equal(truth.WrapperRestarts, metrics["xx_wrapper_restarts_total{service=\"cmix\"}"]);
        Assert.Equal(truth.GatewayRoundsReceived, metrics["xx_gateway_rounds_received_total"]);
        Assert.Equal(truth.GatewayRealMessages, metrics["xx_gateway_messages_total{kind=\"real\"}"]);
        Assert.Equal(truth.GatewayDummyMessages, metrics["xx_gateway_messages_total{kind=\"dummy\"}"]);
        Assert.Equal(truth.GatewaySlowQueries, metrics["xx_gateway_slow_queries_total"]);
        foreach (string log in new[] { "cmix", "gateway", "cmix_wrapper", "gateway_wrapper" })
        {
            Assert.Equal(truth.Lines.GetValueOrDefault(log), metrics[$"xx_log_lines_total{{log=\"{log}\"}}"]);
            Assert.Equal(truth.ContinuationLines.GetValueOrDefault(log), metrics[$"xx_log_continuation_lines_total{{log=\"{log}\"}}"]);
            Assert.Equal(truth.OversizedLines.GetValueOrDefault(log), metrics[$"xx_log_skipped_total{{log=\"{log}\",reason=\"oversized_line\"}}"]);
        }
        var recordSeries = metrics.Series.Where(s => s.StartsWith("xx_log_records_total{")).ToList();
        foreach (string series in recordSeries)
        {
            var match = LabelsOfRecords().Match(series);
            Assert.Equal(truth.Records.GetValueOrDefault((match.Groups[1].Value, match.Groups[2].Value)), metrics[series]);
        }
        Assert.Equal(truth.Records.Count, recordSeries.Count(s => metrics[s] > 0));
    }

    [Fact, Trait(GeneratedFile.Trait, GeneratedFile.Category)]
    public async Task Golden_metrics_output_is_unchanged()
    {
        string golden = Path.Combine(AppContext.BaseDirectory, "Golden");
        string actual = Mask(await RunOnce("--logs.dir", Path.Combine(golden, "logs"), "--logs.timezone", "UTC", "--logs.max-line-bytes", "2048"));
        // The checkout's file, not the build's copy, which a run without a build after regenerating would find stale.
        string source = Repository.PathOf("tests/XxExporter.Tests/Golden/oneshot.prom");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(source, actual);
            return;
        }
        Assert.Equal(await File.ReadAllTextAsync(source), actual);
    }

    [Fact]
    public async Task Promtool_finds_nothing_to_lint()
    {
        string text = await RunOnce("--logs.dir", Path.Combine(AppContext.BaseDirectory, "Golden", "logs"), "--logs.timezone", "UTC");
        await Promtool.AssertLintClean(text);
    }

    [Fact]
    public async Task Every_family_has_help_and_known_series_start_at_zero()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("cmix.log"), "");   // one log there, three not: a warning, not an error
        var metrics = Exposition.Parse(await RunOnce("--logs.dir", folder.Path));
        var families = metrics.Text.Split('\n').Where(l => l.StartsWith("# TYPE ")).Select(l => l.Split(' ')[2]).ToList();
        Assert.All(families, family => Assert.Contains($"# HELP {family} ", metrics.Text));
        Assert.Equal(0, metrics["xx_cmix_round_failures_total{reason=\"team_error\"}"]);
        Assert.Equal(0, metrics["xx_log_file_present{log=\"gateway\"}"]);
        Assert.Equal(0, metrics["xx_wrapper_errors_total{service=\"gateway\",kind=\"signature\"}"]);
        Assert.Equal(0, metrics["xx_cmix_round_duration_seconds_count"]);
        // Without a database configured there is no Postgres family at all (a lone 0 would read as 1970).
        Assert.DoesNotContain(metrics.Series, s => s.StartsWith("xx_postgres_") || s.StartsWith("xx_gateway_last_stored"));
    }

    [Fact]
    public async Task A_folder_without_any_of_the_logs_is_an_error_not_all_zero_metrics()
    {
        using var folder = new TempFolder();
        string typo = Path.Combine(folder.Path, "xxnetwrok", "log");
        var error = await Assert.ThrowsAsync<XxExporter.Settings.SettingsException>(() => RunOnce("--logs.dir", typo));
        Assert.Equal($"--once: none of the enabled log files is there ({typo} does not exist): check --logs.dir; no log alert can fire until they appear",
            error.Message);
        error = await Assert.ThrowsAsync<XxExporter.Settings.SettingsException>(() => RunOnce("--logs.dir", folder.Path));
        Assert.Contains($"(none is in {folder.Path})", error.Message);
    }

    /// <summary>Blanks what legitimately differs between runs: timings and the runtime's patch version.</summary>
    private static string Mask(string text)
    {
        text = DurationSample().Replace(text, "$1 <duration>");
        return RuntimeLabel().Replace(text, "runtime=\"<runtime>\"");
    }

    [GeneratedRegex(@"^(xx_exporter_collector_duration_seconds\{[^}]*\}) \S+$", RegexOptions.Multiline)]
    private static partial Regex DurationSample();

    [GeneratedRegex("runtime=\"[^\"]*\"")]
    private static partial Regex RuntimeLabel();

    [GeneratedRegex("log=\"([a-z_]+)\",level=\"([a-z]+)\"")]
    private static partial Regex LabelsOfRecords();
}

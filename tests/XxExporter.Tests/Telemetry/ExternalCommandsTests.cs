using Prometheus;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Telemetry;

/// <summary>Real programs (the shell) run through the one runner: each way a run can end, and what it counts.</summary>
public sealed class ExternalCommandsTests
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly ExternalCommands _commands;

    public ExternalCommandsTests() => _commands = new ExternalCommands(Metrics.WithCustomRegistry(_registry));

    private static ToolRun Shell(string script, double limitSeconds = 30, int maxOutputBytes = 1 << 20, IReadOnlyDictionary<string, string>? environment = null) =>
        new("test", "/bin/sh", ["-c", script], TimeSpan.FromSeconds(limitSeconds), maxOutputBytes, environment);

    [Fact]
    public async Task A_run_that_exits_0_gives_its_output_and_counts_nothing()
    {
        var result = await _commands.RunAsync(Shell("printf '%s' \"$GREETING\"", environment: new Dictionary<string, string> { ["GREETING"] = "hello" }), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal("hello", result.Output);
        Assert.DoesNotContain("xx_exporter_command_failures_total{", (await Exposition.Of(_registry)).Text);
    }

    [Fact]
    public async Task Output_that_is_no_text_is_given_byte_for_byte()
    {
        // 0xFF and a lone NUL are no UTF-8 text: decoded, they would come back changed.
        var result = await _commands.RunForBytesAsync(Shell("printf '\\377\\000\\001'"), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x01 }, result.Bytes);
    }

    [Fact]
    public async Task A_failing_tool_is_told_with_its_exit_code_and_its_own_last_words()
    {
        var result = await _commands.RunAsync(Shell("echo 'WARN: first line' >&2; echo 'ERROR: [055]: unable to load info file' >&2; exit 55"), CancellationToken.None);

        Assert.Equal("exit_code", result.Failure);
        Assert.Equal("test: /bin/sh exited with code 55: WARN: first line | ERROR: [055]: unable to load info file", result.Message);
        Assert.Contains("xx_exporter_command_failures_total{command=\"test\",reason=\"exit_code\"} 1", (await Exposition.Of(_registry)).Text);
    }

    [Fact]
    public async Task A_program_that_is_not_there_is_named()
    {
        var result = await _commands.RunAsync(new ToolRun("test", "/nonexistent/pgbackrest", ["info"], TimeSpan.FromSeconds(30), 1024), CancellationToken.None);

        Assert.Equal("not_found", result.Failure);
        Assert.StartsWith("/nonexistent/pgbackrest could not be started (", result.Message);
    }

    [Fact]
    public async Task A_tool_that_hangs_is_stopped_at_its_limit_with_what_it_started()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"xx-command-{Guid.NewGuid():N}");
        // The child outlives the shell's own kill unless the whole tree is stopped: it would write the marker.
        var result = await _commands.RunAsync(Shell($"(sleep 3; touch {marker}) & sleep 60", limitSeconds: 0.5), CancellationToken.None);

        Assert.Equal("timed_out", result.Failure);
        Assert.Equal("test: /bin/sh did not finish within 0.5 s; it was stopped.", result.Message);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(File.Exists(marker), "a process the tool started kept running");
    }

    [Fact]
    public async Task A_tool_waiting_for_input_reads_end_of_file()
    {
        var result = await _commands.RunAsync(Shell("read password || echo 'no password given' >&2; exit 1"), CancellationToken.None);

        Assert.Equal("test: /bin/sh exited with code 1: no password given", result.Message);
    }

    [Fact]
    public async Task Output_past_the_bound_is_refused_and_the_tool_stopped()
    {
        var result = await _commands.RunAsync(Shell("yes", maxOutputBytes: 64 * 1024), CancellationToken.None);

        Assert.Equal("output_too_large", result.Failure);
        Assert.Null(result.Output);
    }
}

using XxExporter.Logs;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Logs;

/// <summary>cmix.log scenarios built from elixxir-server format strings (docs/xx-node-facts.md §2.2-§2.3).</summary>
public class CmixRulesTests
{
    private const string Node = "[MYqKI26Kc3KkJOMmF5n0tiwlSY/lhYCFYreTRh9c4NAC:11420]";

    private static readonly string[] Start =
    [
        "INFO 2023/07/26 14:00:00 Starting xx network node (server) v3.13.0",
        "INFO 2023/07/26 14:00:01 Updated to WAITING successfully",
    ];

    private static string[] RoundUntil(string activity, long rid = 9876543)
    {
        var lines = new List<string>
        {
            "INFO 2023/07/26 14:07:52 Updated to PRECOMPUTING successfully",
            $"INFO 2023/07/26 14:07:52 {Node}: RID {rid} CreateNewRound COMPLETE",
            $"INFO 2023/07/26 14:07:53 {Node}: RID {rid} Beginning execution of Phase \"PrecompGeneration\"",
        };
        if (activity is "STANDBY" or "REALTIME") lines.Add("INFO 2023/07/26 14:08:20 Updated to STANDBY successfully");
        if (activity is "REALTIME")
        {
            lines.Add("INFO 2023/07/26 14:08:21 Sleeping for 812ms for realtime start");
            lines.Add("INFO 2023/07/26 14:08:22 Updated to REALTIME successfully");
        }
        return lines.ToArray();
    }

    private static readonly string[] Complete =
    [
        $"INFO 2023/07/26 14:08:24 {Node}: RID 9876543 ReceiveFinishRealtime END",
        $"INFO 2023/07/26 14:08:24 {Node}: RID 9876543 Round took 31.482193667s seconds",
        "INFO 2023/07/26 14:08:24 Updated to COMPLETED successfully",
        "INFO 2023/07/26 14:08:25 Updated to WAITING successfully",
    ];

    // The crash-restart cycle: the ERROR handler panics inside Machine.Update (docs/xx-node-facts.md §2.3).
    private static readonly string[] CrashOnError =
    [
        "FATAL 2023/07/26 14:09:10 Error encountered - closing server & writing error to /opt/xxnetwork/log/cmix-err.log: Resource Queue has timed out killing Round 9876544 after 3m0s",
        "INFO 2023/07/26 14:09:10 Updating to ERROR failed: <nil>",
        "panic: Resource Queue has timed out killing Round 9876544 after 3m0s",
        "",
        "goroutine 187 [running]:",
        "gitlab.com/elixxir/server/internal/state.Machine.Update.func1()",
        "\t/builds/elixxir/server/internal/state/state.go:161 +0x1c5",
    ];

    private static readonly string[] Recovery =
    [
        "INFO 2023/07/26 14:09:20 Starting xx network node (server) v3.13.0",
        "INFO 2023/07/26 14:09:21 Server instance was recovered from error Resource Queue has timed out: removing file at /opt/xxnetwork/log/cmix-err.log",
        "INFO 2023/07/26 14:09:21 Server has recovered from an error",
        "INFO 2023/07/26 14:09:22 Reporting error to permissioning: Resource Queue has timed out",
        "INFO 2023/07/26 14:09:22 Updated to ERROR successfully",
        "INFO 2023/07/26 14:09:23 Updated to WAITING successfully",
    ];

    private static readonly string PhaseTimeout =
        $"ERROR 2023/07/26 14:09:09 {Node}: RID 9876544 Graph PrecompGeneration of phase PrecompGeneration has timed out";
    private const string ParticipatoryFail = "WARN 2023/07/26 14:09:05 Received participatory fail in round 9876544 which is in progress";
    private const string TeamError =
        "ERROR 2023/07/26 14:09:06 ReceiveRoundError received error from [c6wptSinakErZHrk0SlgGQXExETPYYLB2CwpLNze6FMC:11420]: round 9876544 failed. Transitioning to ERROR...";

    private static string[] Join(params string[][] parts) => parts.SelectMany(p => p).ToArray();

    public static TheoryData<string, string[], double, string?, double> Scenarios => new()
    {
        // name, lines, rounds completed, failure reason (null: none), crashes
        { "happy round", Join(Start, RoundUntil("REALTIME"), Complete), 1, null, 0 },
        { "phase timeout in precomputation", Join(Start, RoundUntil("PRECOMPUTING"), [PhaseTimeout], CrashOnError, Recovery), 0, "phase_timeout", 1 },
        { "participatory fail in realtime", Join(Start, RoundUntil("REALTIME"), [ParticipatoryFail], CrashOnError, Recovery), 0, "participatory_fail", 1 },
        { "team error in standby", Join(Start, RoundUntil("STANDBY"), [TeamError], CrashOnError), 0, "team_error", 1 },
        { "error path without a signal", Join(Start, RoundUntil("REALTIME"), CrashOnError, Recovery), 0, "other", 1 },
        { "first signal wins", Join(Start, RoundUntil("REALTIME"), [ParticipatoryFail, PhaseTimeout, TeamError], CrashOnError), 0, "participatory_fail", 1 },
        { "cascade of a second FATAL is one crash", Join(Start, RoundUntil("REALTIME"), [TeamError], CrashOnError,
            ["FATAL 2023/07/26 14:09:11 Round failure reported, but the node is already in ERROR state. RoundID 9876544; nodeID x; error text y"]), 0, "team_error", 1 },
        { "fail notice for a completed round", Join(Start, RoundUntil("REALTIME"), Complete,
            ["WARN 2023/07/26 14:08:30 Received participatory fail in round 9876543 which node has completed"]), 1, null, 0 },
        { "fail notice for an old round", Join(Start, ["WARN 2023/07/26 14:08:30 Received participatory fail from old round 9876000"]), 0, null, 0 },
        { "crash while waiting is not a round failure", Join(Start, CrashOnError, Recovery), 0, null, 1 },
        { "bare panic in realtime", Join(Start, RoundUntil("REALTIME"), ["panic: runtime error: invalid memory address or nil pointer dereference",
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x9a5f4e]"]), 0, "other", 1 },
        { "started mid-round: a signal shows a round in progress", Join([ParticipatoryFail], CrashOnError), 0, "participatory_fail", 1 },
        { "started mid-round: no signal, no known round", CrashOnError, 0, null, 1 },
        { "two rounds, second fails", Join(Start, RoundUntil("REALTIME"), Complete, RoundUntil("REALTIME", 9876544), [PhaseTimeout], CrashOnError, Recovery,
            RoundUntil("REALTIME", 9876545), Complete), 2, "phase_timeout", 1 },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Rounds_failures_and_crashes_are_counted_once(string scenario, string[] lines, double completed, string? reason, double crashes)
    {
        var metrics = await new RulesHarness(LogKind.Cmix).Feed(lines);
        Assert.True(completed == metrics["xx_cmix_rounds_completed_total"], scenario);
        foreach (string known in new[] { "phase_timeout", "participatory_fail", "team_error", "other" })
            Assert.True((known == reason ? 1 : 0) == metrics[$"xx_cmix_round_failures_total{{reason=\"{known}\"}}"], $"{scenario}: {known}");
        Assert.True(crashes == metrics["xx_cmix_crashes_total"], scenario);
    }

    [Fact]
    public async Task Round_duration_and_time_come_from_the_round_took_line()
    {
        var metrics = await new RulesHarness(LogKind.Cmix).Feed(Join(Start, RoundUntil("REALTIME"), Complete,
            [$"INFO 2023/07/26 15:00:00 {Node}: RID 1 Round took 1m2.5s seconds", $"INFO 2023/07/26 15:00:01 {Node}: RID 2 Round took 850ms seconds"]));
        Assert.Equal(3, metrics["xx_cmix_rounds_completed_total"]);
        Assert.Equal(31.482193667 + 62.5 + 0.85, metrics["xx_cmix_round_duration_seconds_sum"], 9);
        Assert.Equal(1, metrics["xx_cmix_round_duration_seconds_bucket{le=\"5\"}"]);
        Assert.Equal(2, metrics["xx_cmix_round_duration_seconds_bucket{le=\"40\"}"]);
        Assert.Equal(3, metrics["xx_cmix_round_duration_seconds_bucket{le=\"90\"}"]);
        Assert.Equal(new DateTimeOffset(2023, 7, 26, 15, 0, 1, TimeSpan.Zero).ToUnixTimeSeconds(), metrics["xx_cmix_last_round_completed_timestamp_seconds"]);
    }

    [Theory]
    [InlineData("Infinitys")]
    [InlineData("NaNs")]
    [InlineData("-3s")]
    [InlineData("+3s")]
    [InlineData("1e3s")]
    [InlineData("3")]
    public async Task A_round_took_line_without_a_real_duration_counts_nothing(string duration)
    {
        string digits = new('9', 400);   // overflows to infinity
        var metrics = await new RulesHarness(LogKind.Cmix).Feed(
        [
            $"INFO 2023/07/26 15:00:00 {Node}: RID 1 Round took {duration} seconds",
            $"INFO 2023/07/26 15:00:01 {Node}: RID 2 Round took {digits}s seconds",
            $"INFO 2023/07/26 15:00:02 {Node}: RID 3 Round took 2s seconds",
        ]);
        Assert.Equal(1, metrics["xx_cmix_rounds_completed_total"]);
        Assert.Equal(2, metrics["xx_cmix_round_duration_seconds_sum"]);
    }

    [Theory]
    [InlineData("REALTIME", new string[0])]
    [InlineData("CRASH", new[] { "PHASE_TIMEOUT" })]
    public async Task Activity_is_one_hot(string expected, string[] extra)
    {
        var lines = Join(Start, RoundUntil("REALTIME"), extra.Length > 0 ? Join([PhaseTimeout], CrashOnError) : []);
        var metrics = await new RulesHarness(LogKind.Cmix).Feed(lines);
        foreach (string state in new[] { "NOT_STARTED", "WAITING", "PRECOMPUTING", "STANDBY", "REALTIME", "COMPLETED", "ERROR", "CRASH" })
            Assert.Equal(state == expected ? 1 : 0, metrics[$"xx_cmix_activity{{state=\"{state}\"}}"]);
    }

    [Fact]
    public async Task Activity_is_all_zero_until_one_is_seen()
    {
        var metrics = await new RulesHarness(LogKind.Cmix).Feed("INFO 2023/07/26 14:00:00 New NDF Received, hash: abc");
        Assert.Equal(0, metrics.Series.Where(s => s.StartsWith("xx_cmix_activity{")).Sum(s => metrics[s]));
        Assert.Equal(8, metrics.Series.Count(s => s.StartsWith("xx_cmix_activity{")));
    }

    [Fact]
    public async Task Version_info_follows_the_newest_start()
    {
        var metrics = await new RulesHarness(LogKind.Cmix).Feed(
            "INFO 2023/07/26 14:00:00 Starting xx network node (server) v3.12.0",
            "INFO 2023/07/27 14:00:00 Starting xx network node (server) v3.13.0");
        Assert.Equal(2, metrics["xx_cmix_starts_total"]);
        Assert.Equal(1, metrics["xx_cmix_version_info{version=\"3.13.0\"}"]);
        Assert.False(metrics.Has("xx_cmix_version_info{version=\"3.12.0\"}"));
    }

    public static TheoryData<string, string> ConnectivityLines => new()
    {
        { "ERROR 2023/07/26 14:00:00 Cannot start, permissioning is unavailable, retrying in 10s...", "xx_cmix_scheduling_errors_total{kind=\"unavailable\"}" },
        { "WARN 2023/07/26 14:00:00 Poll of permissioning failed, will try again in 5s: The NDF was not returned, 'permissioning is likely in the process of vetting the node",
            "xx_cmix_scheduling_errors_total{kind=\"poll_failed\"}" },
        { "ERROR 2023/07/26 14:00:00 Your node is not online: node cannot be contacted", "xx_cmix_scheduling_errors_total{kind=\"not_online\"}" },
        { "ERROR 2023/07/26 14:00:00 Failed to poll permission due to connection being reset by peer: rpc error", "xx_cmix_scheduling_errors_total{kind=\"connection_reset\"}" },
        { "WARN 2023/07/26 14:00:00 Failed to authorize with scheduling.mainnet.cmix.rip:11420: rpc error", "xx_cmix_scheduling_errors_total{kind=\"authorization\"}" },
        { "FATAL 2023/07/26 14:00:00 Database call timed out: context deadline exceeded", "xx_cmix_database_errors_total{kind=\"timeout\"}" },
        { "WARN 2023/07/26 14:00:00 Unable to initialize database backend: dial tcp 127.0.0.1:5432: connect: connection refused", "xx_cmix_database_errors_total{kind=\"init_failed\"}" },
        { "FATAL 2023/07/26 14:00:00 Could not initialize database: psql://cmix@localhost:5432/cmix_node: failed", "xx_cmix_database_errors_total{kind=\"init_failed\"}" },
    };

    [Theory]
    [MemberData(nameof(ConnectivityLines))]
    public async Task Scheduling_and_database_errors_are_counted_by_kind(string line, string series)
    {
        var metrics = await new RulesHarness(LogKind.Cmix).Feed(line);
        Assert.Equal(1, metrics[series]);
        int nonZero = metrics.Series.Count(s => (s.StartsWith("xx_cmix_scheduling_errors_total") || s.StartsWith("xx_cmix_database_errors_total")) && metrics[s] != 0);
        Assert.Equal(1, nonZero);
    }
}

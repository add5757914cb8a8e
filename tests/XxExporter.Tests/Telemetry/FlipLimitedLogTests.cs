using XxExporter.Telemetry;

namespace XxExporter.Tests.Telemetry;

/// <summary>The rule for logging a condition that changes: when it appears, changes or clears, at most once a minute per subject.</summary>
public sealed class FlipLimitedLogTests
{
    /// <summary>Rounds of one subject: seconds since the start, its problem then (null: none), and the line logged (null: none; "" for working again).</summary>
    public static TheoryData<string, (int At, string? Problem, string? Logged)[]> Histories => new()
    {
        { "appears, stays, clears after a minute", [(0, "refused", "refused"), (30, "refused", null), (61, "refused", null), (62, null, "")] },
        { "clears within the minute: said once the minute is over", [(0, "refused", "refused"), (10, null, null), (59, null, null), (60, null, "")] },
        { "flips back before the minute is over: nothing to say", [(0, "timeout", "timeout"), (5, "resolver failed", null), (10, "timeout", null), (70, "timeout", null)] },
        { "keeps changing: the state of the moment once a minute", [(0, "a", "a"), (1, "b", null), (2, "c", null), (60, "d", "d"), (61, "e", null), (119, "f", null), (120, "g", "g")] },
        { "never a problem: nothing", [(0, null, null), (100, null, null)] },
        { "back after it cleared long ago: at once", [(0, "a", "a"), (60, null, ""), (200, null, null), (201, "a", "a")] },
    };

    [Theory]
    [MemberData(nameof(Histories))]
    public void A_subject_is_logged_when_it_changes_at_most_once_a_minute(string history, (int At, string? Problem, string? Logged)[] rounds)
    {
        var clock = new Web.ManualClock();
        var log = new FlipLimitedLog(clock);
        var start = clock.GetUtcNow();
        foreach (var (at, problem, expected) in rounds)
        {
            clock.Advance(start.AddSeconds(at) - clock.GetUtcNow());
            var problems = problem is null ? new Dictionary<string, string>() : new() { ["node.invalid"] = problem };
            var lines = log.Changes(problems);
            if (expected is null) Assert.True(lines.Count == 0, $"{history}, at {at}s: logged {string.Join(", ", lines)}");
            else Assert.Equal(("node.invalid", expected.Length == 0 ? null : expected), Assert.Single(lines));
        }
    }

    [Fact]
    public void Subjects_are_limited_each_on_its_own()
    {
        var clock = new Web.ManualClock();
        var log = new FlipLimitedLog(clock);
        Assert.Single(log.Changes(new Dictionary<string, string> { ["a"] = "timeout" }));
        clock.Advance(TimeSpan.FromSeconds(10));
        var lines = log.Changes(new Dictionary<string, string> { ["a"] = "resolver failed", ["b"] = "timeout" });
        Assert.Equal([("b", (string?)"timeout")], lines);
        Assert.True(log.ShouldLog("positions", "a FIFO"));
        Assert.False(log.ShouldLog("positions", "a FIFO"));
        Assert.False(log.ShouldLog("positions", null));
    }
}

using System.Text;
using XxExporter.Logs;
using XxExporter.Logs.Grammar;

namespace XxExporter.Tests.Logs;

public class HeaderGrammarTests
{
    public static TheoryData<LogGrammar, string, RecordLevel, string, string> Headers => new()
    {
        // Real line (forum.xx.network t/6883, with the author's placeholders replaced by a date).
        { LogGrammar.GoJww, "FATAL 2023/02/11 04:12:55 Database call timed out: context deadline exceeded panic: Database call timed out: context deadline exceeded",
            RecordLevel.Fatal, "2023-02-11 04:12:55", "Database call timed out: context deadline exceeded panic: Database call timed out: context deadline exceeded" },
        // Reconstructed from elixxir-server format strings (docs/xx-node-facts.md §2.1).
        { LogGrammar.GoJww, "INFO 2023/07/26 14:07:52 Updated to PRECOMPUTING successfully", RecordLevel.Info, "2023-07-26 14:07:52", "Updated to PRECOMPUTING successfully" },
        { LogGrammar.GoJww, "INFO 2023/07/26 14:08:24 [MYqKI26Kc3KkJOMmF5n0tiwlSY/lhYCFYreTRh9c4NAC:11420]: RID 9876543 Round took 31.482193667s seconds",
            RecordLevel.Info, "2023-07-26 14:08:24", "[MYqKI26Kc3KkJOMmF5n0tiwlSY/lhYCFYreTRh9c4NAC:11420]: RID 9876543 Round took 31.482193667s seconds" },
        { LogGrammar.GoJww, "WARN 2023/07/26 14:09:00 Received participatory fail in round 9876544 which is in progress", RecordLevel.Warn, "2023-07-26 14:09:00",
            "Received participatory fail in round 9876544 which is in progress" },
        { LogGrammar.GoJww, "ERROR 2023/07/26 14:09:01 ReceiveRoundError received error from [c6wptSinakErZHrk0SlgGQXExETPYYLB2CwpLNze6FMC]: boom. Transitioning to ERROR...",
            RecordLevel.Error, "2023-07-26 14:09:01", "ReceiveRoundError received error from [c6wptSinakErZHrk0SlgGQXExETPYYLB2CwpLNze6FMC]: boom. Transitioning to ERROR..." },
        { LogGrammar.GoJww, "DEBUG 2024/01/01 00:00:00 x", RecordLevel.Debug, "2024-01-01 00:00:00", "x" },
        { LogGrammar.GoJww, "TRACE 2024/12/31 23:59:59 y", RecordLevel.Trace, "2024-12-31 23:59:59", "y" },
        { LogGrammar.GoJww, "CRITICAL 2024/02/29 12:00:00 z", RecordLevel.Critical, "2024-02-29 12:00:00", "z" },
        { LogGrammar.GoJww, "INFO 2024/02/29 12:00:00", RecordLevel.Info, "2024-02-29 12:00:00", "" },
        { LogGrammar.GoJww, "\0\0\0INFO 2024/02/29 12:00:00 after a hole", RecordLevel.Info, "2024-02-29 12:00:00", "after a hole" },
        // Real lines (handbook.xx.network/staking/monitoring).
        { LogGrammar.PythonLogging, "[INFO] 25-Aug-21 07:14:07: Waiting on IDF for consensus...", RecordLevel.Info, "2021-08-25 07:14:07", "Waiting on IDF for consensus..." },
        { LogGrammar.PythonLogging, "[INFO] 25-Aug-21 07:14:07: Waiting on consensus ready state...", RecordLevel.Info, "2021-08-25 07:14:07", "Waiting on consensus ready state..." },
        { LogGrammar.PythonLogging, "[INFO] 09-Jul-21 16:25:07: Waiting on IDF for consensus...", RecordLevel.Info, "2021-07-09 16:25:07", "Waiting on IDF for consensus..." },
        // Reconstructed from elixxir-wrapper format strings (docs/xx-node-facts.md §2.1).
        { LogGrammar.PythonLogging, "[WARNING] 03-Mar-24 10:00:01: Restarting binary due to error...", RecordLevel.Warn, "2024-03-03 10:00:01", "Restarting binary due to error..." },
        { LogGrammar.PythonLogging, "[ERROR] 31-Dec-23 23:59:59: No local Substrate node running.", RecordLevel.Error, "2023-12-31 23:59:59", "No local Substrate node running." },
        { LogGrammar.PythonLogging, "[CRITICAL] 01-Jan-25 00:00:00: boom", RecordLevel.Critical, "2025-01-01 00:00:00", "boom" },
        { LogGrammar.PythonLogging, "[DEBUG] 15-Nov-22 08:30:00: poll", RecordLevel.Debug, "2022-11-15 08:30:00", "poll" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Headers_give_level_stamp_and_message(LogGrammar grammar, string line, RecordLevel level, string stamp, string message)
    {
        Assert.True(HeaderGrammars.TryParse(grammar, Encoding.UTF8.GetBytes(line), out var header));
        Assert.Equal(level, header.Level);
        Assert.Equal(stamp, Format(header.Stamp));
        Assert.Equal(message, Encoding.UTF8.GetString(header.Message));
    }

    [Theory]
    // Go panics and goroutine dumps go to the same file through stderr.
    [InlineData(LogGrammar.GoJww, "panic: Database call timed out: context deadline exceeded")]
    [InlineData(LogGrammar.GoJww, "goroutine 1 [running]:")]
    [InlineData(LogGrammar.GoJww, "\tgitlab.com/elixxir/server/cmd.glob..func1(0xc000, {0x0, 0x0, 0x0})")]
    // Tab-continued gateway messages (note the real "]t" typo).
    [InlineData(LogGrammar.GoJww, "\t inserts finished at 2023-07-26 14:08:24, KR insert finished at 2023-07-26 14:08:24, ")]
    [InlineData(LogGrammar.GoJww, "]t round started at ts 2023-07-26 14:08:20, average attempts: 1.000000 (total: 5)")]
    // Near misses: wrong case, missing space, bad digits, Python grammar in a Go log.
    [InlineData(LogGrammar.GoJww, "info 2023/07/26 14:07:52 lower case")]
    [InlineData(LogGrammar.GoJww, "INFO  2023/07/26 14:07:52 two spaces")]
    [InlineData(LogGrammar.GoJww, "INFO 2023-07-26 14:07:52 dashes")]
    [InlineData(LogGrammar.GoJww, "INFO 2023/07/2x 14:07:52 letter")]
    [InlineData(LogGrammar.GoJww, "INFO 2023/07/26 14:07:52x glued")]
    [InlineData(LogGrammar.GoJww, "WARNING 2023/07/26 14:07:52 python level")]
    [InlineData(LogGrammar.GoJww, "[INFO] 25-Aug-21 07:14:07: python line")]
    [InlineData(LogGrammar.GoJww, "")]
    // Python tracebacks after exc_info=True.
    [InlineData(LogGrammar.PythonLogging, "Traceback (most recent call last):")]
    [InlineData(LogGrammar.PythonLogging, "  File \"/opt/xxnetwork/wrapper.py\", line 412, in <module>")]
    [InlineData(LogGrammar.PythonLogging, "ConnectionRefusedError: [Errno 111] Connection refused")]
    [InlineData(LogGrammar.PythonLogging, "[INFO] 25-Foo-21 07:14:07: bad month")]
    [InlineData(LogGrammar.PythonLogging, "[INFO] 25-Aug-21 07:14:07 no colon")]
    [InlineData(LogGrammar.PythonLogging, "[WARN] 25-Aug-21 07:14:07: Go level name")]
    [InlineData(LogGrammar.PythonLogging, "INFO 2023/07/26 14:07:52 Go line")]
    public void Other_lines_are_continuations(LogGrammar grammar, string line) =>
        Assert.False(HeaderGrammars.TryParse(grammar, Encoding.UTF8.GetBytes(line), out _));

    [Fact]
    public void Invalid_utf8_in_the_message_is_kept_as_bytes()
    {
        byte[] line = [.. "WARN 2023/07/26 14:07:52 bad "u8, 0xff, 0xfe, 0x00, .. " bytes"u8];
        Assert.True(HeaderGrammars.TryParse(LogGrammar.GoJww, line, out var header));
        Assert.Equal(line.AsSpan(25).ToArray(), header.Message.ToArray());
    }

    private static string Format(LocalStamp s) => $"{s.Year:D4}-{s.Month:D2}-{s.Day:D2} {s.Hour:D2}:{s.Minute:D2}:{s.Second:D2}";
}

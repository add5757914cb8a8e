using System.Text;
using XxExporter.Logs;
using XxExporter.Logs.Tailing;
using static XxExporter.Tests.Tailing.LogLines;

namespace XxExporter.Tests.Tailing;

public sealed class LogFollowerTests : IDisposable
{
    private readonly TailHarness _log = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public void A_partial_last_line_counts_once_when_its_newline_arrives()
    {
        var follower = _log.Follow(startAtEnd: false);
        _log.Append(Line(1) + Prefix + "mess");
        follower.Poll();
        _log.AssertRecords([1]);

        _log.Append("age 2");
        follower.Poll();
        _log.AssertRecords([1]);

        _log.Append("\n");
        follower.Poll();
        follower.Poll();
        _log.AssertRecords([1, 2]);
    }

    [Fact]
    public void Finish_counts_a_last_line_without_newline()
    {
        var follower = _log.Follow(startAtEnd: false);
        _log.Append(Line(1) + Prefix + "message 2");
        follower.Poll();
        follower.Finish();
        _log.AssertRecords([1, 2]);
    }

    [Fact]
    public void Invalid_utf8_and_nul_bytes_inside_lines_are_ordinary_records()
    {
        var follower = _log.Follow(startAtEnd: false);
        // Latin-1 turns U+0000..U+00FF into single bytes, so these strings carry raw bytes that are not UTF-8.
        File.WriteAllBytes(_log.LogPath, Encoding.Latin1.GetBytes(
            Prefix + "bad utf8 \u00FF\u00FE\u00C3 1\n" +
            Prefix + "nul \0\0 inside 2\n" +
            Prefix + "surrogate \u00ED\u00A0\u0080 and cut sequence \u00E2\u0082 3\n"));
        follower.Poll();
        _log.AssertRecords([1, 2, 3]);
        Assert.Equal(3, _log.Series.Lines.Value);
    }

    [Fact]
    public void An_oversized_line_written_across_polls_is_skipped_once_and_the_lines_around_it_count()
    {
        const int cap = 1024, readSize = 256;
        var follower = _log.Follow(startAtEnd: false, maxLineBytes: cap, readSize: readSize);
        _log.Append(Range(1, 2));
        follower.Poll();
        long oversizedStart = follower.Position!.Offset;

        string oversized = Prefix + new string('x', 5000 - Prefix.Length);
        foreach (var chunk in oversized.Chunk(700))
        {
            _log.Append(new string(chunk));
            follower.Poll();
            // The position stays before the line, so a restart would read (and skip) it again rather than half of it.
            Assert.Equal(oversizedStart, follower.Position!.Offset);
        }
        _log.Append("\n" + Line(3));
        follower.Poll();

        _log.AssertRecords([1, 2, 3]);
        Assert.Equal(1, _log.Series.Skipped(SkipReason.OversizedLine).Value);
        Assert.Equal(4, _log.Series.Lines.Value);
        Assert.Equal(new FileInfo(_log.LogPath).Length, follower.Position!.Offset);
    }

    [Theory]
    [InlineData(3)]  // same length as before: only the first bytes tell
    [InlineData(20)] // longer than the read offset
    public void A_file_rewritten_between_polls_is_read_again_from_its_start(int newLines)
    {
        var follower = _log.Follow(startAtEnd: false);
        _log.Append(Range(1, 3));
        follower.Poll();
        File.WriteAllText(_log.LogPath, Range(4, 3 + newLines)); // same inode, new content

        follower.Poll();
        _log.AssertRecords(Numbers(1, 3 + newLines));
        Assert.Equal(1, _log.Series.Truncations.Value);
        Assert.Equal(0, _log.Series.Rotations.Value);
    }

    [Fact]
    public void Resuming_at_a_saved_position_counts_what_came_after_it_once()
    {
        var before = _log.Follow(startAtEnd: false);
        _log.Append(Range(1, 3) + Prefix + "mess");
        before.Poll();
        var position = before.Position;
        before.Dispose();

        _log.Append("age 4\n" + Range(5, 6)); // written while the exporter was stopped
        var after = _log.Follow(startAtEnd: true, resume: position);
        after.Poll();
        _log.AssertRecords(Numbers(1, 6));

        _log.Append(Range(7, 8));
        after.Poll();
        _log.AssertRecords(Numbers(1, 8));
    }

    public enum ChangeWhileStopped { RenamedAndRecreated, RewrittenLonger, TruncatedShorter }

    [Theory]
    [InlineData(ChangeWhileStopped.RenamedAndRecreated)]
    [InlineData(ChangeWhileStopped.RewrittenLonger)]
    [InlineData(ChangeWhileStopped.TruncatedShorter)]
    public void A_saved_position_that_no_longer_fits_the_file_reads_it_from_its_start(ChangeWhileStopped change)
    {
        var before = _log.Follow(startAtEnd: false);
        _log.Append(Range(1, 3));
        before.Poll();
        var position = before.Position;
        before.Dispose();

        int last = change == ChangeWhileStopped.TruncatedShorter ? 4 : 20;
        if (change == ChangeWhileStopped.RenamedAndRecreated) File.Move(_log.LogPath, _log.LogPath + ".1");
        File.WriteAllText(_log.LogPath, Range(4, last));

        var after = _log.Follow(startAtEnd: true, resume: position);
        after.Poll();
        _log.AssertRecords(Numbers(1, last));
    }

    [Fact]
    public async Task A_fifo_or_a_device_at_the_path_is_not_read_and_blocks_nothing()
    {
        var (code, output) = await Support.Repository.RunAsync("mkfifo", _log.LogPath);
        Assert.True(code == 0, output);
        var follower = _log.Follow(startAtEnd: false);
        // Opening a FIFO blocks until a writer comes, /dev/zero never ends: a poll that returns read neither.
        Assert.False(await Task.Run(follower.Poll).WaitAsync(TimeSpan.FromSeconds(10)));

        File.Delete(_log.LogPath);
        File.CreateSymbolicLink(_log.LogPath, "/dev/zero");   // would never end
        Assert.False(await Task.Run(follower.Poll).WaitAsync(TimeSpan.FromSeconds(10)));

        File.Delete(_log.LogPath);
        _log.Append(Line(1));
        Assert.True(follower.Poll());
        _log.AssertRecords([1]);
    }
}

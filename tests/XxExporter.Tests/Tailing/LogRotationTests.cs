using static XxExporter.Tests.Tailing.LogLines;

namespace XxExporter.Tests.Tailing;

/// <summary>
/// What happens to the followed file (after grok_exporter's tailer tests), for each way the writing program
/// handles it. Polls are made at chosen moments; every record must be counted exactly once.
/// </summary>
public sealed class LogRotationTests : IDisposable
{
    private readonly TailHarness _log = new();

    public static TheoryData<WriterMode> Writers => new(Enum.GetValues<WriterMode>());

    public static TheoryData<WriterMode, bool> WritersAndFlag => Cross([false, true]);

    /// <summary>2 lines leave the file shorter than the read offset; 20 make it longer, with new first bytes.</summary>
    public static TheoryData<WriterMode, int> WritersAndLinesAfterTruncation => Cross([2, 20]);

    private static TheoryData<WriterMode, T> Cross<T>(T[] values)
    {
        var data = new TheoryData<WriterMode, T>();
        foreach (var mode in Enum.GetValues<WriterMode>())
            foreach (var value in values) data.Add(mode, value);
        return data;
    }

    public void Dispose() => _log.Dispose();

    [Theory]
    [MemberData(nameof(Writers))]
    public void Rename_rotation_with_the_new_file_created_right_away(WriterMode mode)
    {
        var writer = _log.Writer(mode);
        var follower = _log.Follow(startAtEnd: false);
        writer.Write(1, 3);
        follower.Poll();
        writer.Write(4, 5);
        _log.RenameAway(writer);
        writer.Reopen();
        writer.Write(6, 7);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 7));

        writer.Write(8, 8);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 8));
        Assert.Equal(1, _log.Series.Rotations.Value);
        Assert.Equal(0, _log.Series.Truncations.Value);
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void Rename_rotation_with_the_writer_still_appending_to_the_renamed_file_until_the_new_one_appears(WriterMode mode)
    {
        var writer = _log.Writer(mode);
        var follower = _log.Follow(startAtEnd: false);
        writer.Write(1, 3);
        follower.Poll();
        writer.Write(4, 4);
        _log.RenameAway(writer);
        writer.Write(5, 5);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 5));
        Assert.Equal(0, _log.Series.FilePresent.Value);

        writer.Write(6, 6);
        follower.Poll();
        writer.Write(7, 7); // still the old file, and never polled before the new file appears
        writer.Reopen();
        writer.Write(8, 9);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 9));
        Assert.Equal(1, _log.Series.FilePresent.Value);
        Assert.Equal(1, _log.Series.Rotations.Value);
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void The_unfinished_last_line_of_a_rotated_file_counts_once(WriterMode mode)
    {
        var writer = _log.Writer(mode);
        var follower = _log.Follow(startAtEnd: false);
        writer.Write(Range(1, 2) + Prefix + "message 3");
        follower.Poll();
        _log.AssertRecords([1, 2]);

        _log.RenameAway(writer);
        writer.Reopen();
        writer.Write(4, 5);
        follower.Poll();
        follower.Poll();
        _log.AssertRecords(Numbers(1, 5));
    }

    [Theory]
    [MemberData(nameof(WritersAndLinesAfterTruncation))]
    public void Copy_truncate(WriterMode mode, int linesAfter)
    {
        var writer = _log.Writer(mode);
        var follower = _log.Follow(startAtEnd: false);
        writer.Write(1, 3);
        follower.Poll();
        writer.Write(4, 5);
        follower.Poll();
        _log.CopyTruncate();
        writer.Write(6, 5 + linesAfter);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 5 + linesAfter));

        writer.Write(6 + linesAfter, 6 + linesAfter);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 6 + linesAfter));
        Assert.Equal(1, _log.Series.Truncations.Value);
        Assert.Equal(0, _log.Series.Rotations.Value);
    }

    [Theory]
    [MemberData(nameof(WritersAndLinesAfterTruncation))]
    public void In_place_truncation_by_the_writer(WriterMode mode, int linesAfter)
    {
        var writer = _log.Writer(mode);
        var follower = _log.Follow(startAtEnd: false);
        writer.Write(1, 3);
        follower.Poll();
        writer.TruncateInPlace();
        writer.Write(4, 3 + linesAfter);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 3 + linesAfter));

        writer.Write(4 + linesAfter, 4 + linesAfter);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 4 + linesAfter));
        Assert.Equal(1, _log.Series.Truncations.Value);
        Assert.Equal(0, _log.Series.Rotations.Value);
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void In_place_truncation_seen_while_the_file_is_empty(WriterMode mode)
    {
        var writer = _log.Writer(mode);
        var follower = _log.Follow(startAtEnd: false);
        writer.Write(1, 3);
        follower.Poll();
        writer.TruncateInPlace();
        follower.Poll();
        writer.Write(4, 5);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 5));
        Assert.Equal(1, _log.Series.Truncations.Value);
    }

    [Theory]
    [MemberData(nameof(WritersAndFlag))]
    public void Delete_and_recreate(WriterMode mode, bool pollWhileDeleted)
    {
        var writer = _log.Writer(mode);
        var follower = _log.Follow(startAtEnd: false);
        writer.Write(1, 3);
        follower.Poll();
        writer.Write(4, 4);
        File.Delete(_log.LogPath);
        writer.Write(5, 5); // into the deleted file if held open, else into a new one
        if (pollWhileDeleted)
        {
            follower.Poll();
            _log.AssertRecords(Numbers(1, 5));
        }
        writer.Reopen();
        writer.Write(6, 7);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 7));
        Assert.Equal(1, _log.Series.FilePresent.Value);
        Assert.Equal(1, _log.Series.Rotations.Value); // a new file at the path, however the deletion was seen
        Assert.Empty(_log.DeletedFilesHeldOpen());
    }

    [Theory]
    [MemberData(nameof(WritersAndFlag))]
    public void A_file_missing_at_start_is_read_from_its_start_once_created(WriterMode mode, bool startAtEnd)
    {
        var follower = _log.Follow(startAtEnd);
        follower.Poll();
        follower.Poll();
        Assert.Equal(0, _log.Series.FilePresent.Value);

        var writer = _log.Writer(mode);
        writer.Write(1, 3);
        follower.Poll();
        _log.AssertRecords(Numbers(1, 3));
        Assert.Equal(1, _log.Series.FilePresent.Value);
    }

    [Theory]
    [MemberData(nameof(WritersAndFlag))]
    public void An_existing_file_is_read_from_its_end_only_when_starting_at_the_end(WriterMode mode, bool startAtEnd)
    {
        var writer = _log.Writer(mode);
        writer.Write(1, 3);
        var follower = _log.Follow(startAtEnd);
        follower.Poll();
        writer.Write(4, 5);
        follower.Poll();
        _log.AssertRecords(Numbers(startAtEnd ? 4 : 1, 5));
    }
}

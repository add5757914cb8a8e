using XxExporter.Logs.Tailing;
using static XxExporter.Tests.Tailing.LogLines;

namespace XxExporter.Tests.Tailing;

public sealed class PositionStoreTests : IDisposable
{
    private readonly TailHarness _log = new();
    private readonly string _file;

    public PositionStoreTests() => _file = Path.Combine(_log.Dir, "positions.json");

    public void Dispose() => _log.Dispose();

    private SavedPosition PositionAfter(int lines)
    {
        _log.Append(Range(1, lines));
        var follower = _log.Follow(startAtEnd: false);
        follower.Poll();
        return follower.Position!;
    }

    [Fact]
    public void Saved_positions_load_back_and_resume_the_file()
    {
        var store = new PositionStore(_file);
        store.Set(_log.LogPath, PositionAfter(3));
        store.Save();

        var loaded = new PositionStore(_file);
        loaded.Load();
        Assert.Null(loaded.Get(Path.Combine(_log.Dir, "other.log")));
        _log.Append(Range(4, 5));
        _log.Follow(startAtEnd: true, resume: loaded.Get(_log.LogPath)).Poll();
        _log.AssertRecords(Numbers(1, 5));
    }

    [Fact]
    public void Saving_replaces_the_file_whole_by_rename()
    {
        var store = new PositionStore(_file);
        var first = PositionAfter(1);
        store.Set(_log.LogPath, first);
        store.Save();
        string firstJson = File.ReadAllText(_file);

        // A reader of the old file still sees all of it: the new one was written elsewhere and renamed over it.
        using var oldReader = new StreamReader(new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        store.Set(_log.LogPath, first with { Offset = first.Offset + 1 });
        store.Save();

        Assert.Equal(firstJson, oldReader.ReadToEnd());
        Assert.NotEqual(firstJson, File.ReadAllText(_file));
        Assert.Equal([_file], Directory.GetFiles(_log.Dir, "positions.json*"));
    }

    [Fact]
    public void Saving_writes_only_after_a_position_changed()
    {
        var store = new PositionStore(_file);
        var position = PositionAfter(1);
        store.Set(_log.LogPath, position);
        store.Save();
        File.Delete(_file);

        store.Save();
        store.Set(_log.LogPath, null);
        store.Save();
        Assert.False(File.Exists(_file));

        store.Set(_log.LogPath, position with { Offset = position.Offset + 1 });
        store.Save();
        Assert.True(File.Exists(_file));
    }

    [Fact]
    public void A_missing_file_is_an_empty_store()
    {
        var store = new PositionStore(_file);
        store.Load();
        Assert.Null(store.Get(_log.LogPath));
    }

    [Theory]
    [InlineData("{\"/var/log/cmix.log\": {\"Device\": ")]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("")]
    public void A_corrupt_file_is_a_warning_and_a_fresh_start(string content)
    {
        File.WriteAllText(_file, content);
        var store = new PositionStore(_file);
        Assert.Contains($"The positions file {_file} is corrupt", store.Load());
        Assert.Null(store.Get(_log.LogPath));
        var position = PositionAfter(3);
        store.Set(_log.LogPath, position);
        store.Save();   // rewritten whole
        var reloaded = new PositionStore(_file);
        Assert.Null(reloaded.Load());
        Assert.Equal(position.Offset, reloaded.Get(_log.LogPath)!.Offset);
    }
}

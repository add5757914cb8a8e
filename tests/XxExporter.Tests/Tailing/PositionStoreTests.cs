using XxExporter.Files;
using XxExporter.Logs.Tailing;
using XxExporter.Tests.Support;
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
    [InlineData("{\"/var/log/cmix.log\": [1, 2]}")]
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

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("root:x:0:0:root:/root:/bin/bash\n")]
    public void A_file_the_exporter_did_not_write_is_refused_and_kept(string content)
    {
        File.WriteAllText(_file, content);
        var store = new PositionStore(_file);
        var error = Assert.Throws<IOException>(() => store.Load());
        Assert.Equal($"{_file} is not a positions file the exporter wrote (it does not hold a JSON object), so it is left alone: name another path or remove it", error.Message);
        Assert.Equal(content, File.ReadAllText(_file));
    }

    public static TheoryData<string> NotRegular => new() { "fifo", "symbolic link", "folder", "device" };

    [SkippableTheory]
    [MemberData(nameof(NotRegular))]
    public async Task Anything_but_a_regular_file_at_the_path_is_reported_and_left_alone(string kind)
    {
        string described = await Make(kind, _file);
        var error = Assert.Throws<IOException>(() => new PositionStore(_file).Load());
        Assert.Equal($"{_file} is {described}, not a regular file the exporter wrote, so it is left alone and read positions are not saved: name another path or remove it", error.Message);
        Assert.Equal(described, FileStat.Describe(FileStat.KindAt(_file)));
    }

    [SkippableTheory]
    [MemberData(nameof(NotRegular))]
    public async Task Something_put_at_the_path_while_running_is_never_written_over(string kind)
    {
        var store = new PositionStore(_file);
        Assert.Null(store.Load());
        var position = PositionAfter(2);
        store.Set(_log.LogPath, position);
        store.Save();
        File.Delete(_file);
        string described = await Make(kind, _file);

        store.Set(_log.LogPath, position with { Offset = position.Offset + 1 });
        Assert.Contains($"{_file} is {described}, not a regular file the exporter wrote", Assert.Throws<IOException>(store.Save).Message);
        Assert.Equal(described, FileStat.Describe(FileStat.KindAt(_file)));
        Assert.False(File.Exists(_file + ".tmp"));

        // The temporary file's name is refused the same way; once both are gone the positions are saved again.
        Remove(_file);
        await Make("fifo", _file + ".tmp");
        Assert.Contains($"{_file}.tmp is a FIFO", Assert.Throws<IOException>(store.Save).Message);
        Remove(_file + ".tmp");
        store.Save();
        Assert.Equal(position.Offset + 1, LoadedOffset());
    }

    private long LoadedOffset()
    {
        var reloaded = new PositionStore(_file);
        reloaded.Load();
        return reloaded.Get(_log.LogPath)!.Offset;
    }

    private static void Remove(string path)
    {
        if (Directory.Exists(path) && FileStat.KindAt(path) == FileKind.Folder) Directory.Delete(path);
        else File.Delete(path);
    }

    /// <summary>Puts a thing of <paramref name="kind"/> at the path (in the test's own folder); returns how messages name it.</summary>
    private async Task<string> Make(string kind, string path)
    {
        switch (kind)
        {
            case "fifo":
                Assert.Equal(0, (await Repository.RunAsync("mkfifo", path)).Code);
                return "a FIFO";
            case "symbolic link":
                File.WriteAllText(_log.LogPath + ".target", "{}");
                File.CreateSymbolicLink(path, _log.LogPath + ".target");
                return "a symbolic link";
            case "folder":
                Directory.CreateDirectory(path);
                return "a folder";
            default:
                // The null device's numbers, made in the test's own folder: only root may make device nodes.
                Skip.If(Environment.UserName != "root", "only root may make a device node");
                Assert.Equal(0, (await Repository.RunAsync("mknod", path, "c", "1", "3")).Code);
                return "a character device";
        }
    }
}

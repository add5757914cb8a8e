using XxExporter.Files;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Files;

/// <summary>The one reader of the operator's files: parsed once per version (inode, size, modification time), whatever is at the path checked on the open handle.</summary>
public sealed class ParsedFileTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private int _parses;

    public void Dispose() => _folder.Dispose();

    private ParsedFile<string> Reader(string name) => new(_folder.File(name), (content, _) =>
    {
        _parses++;
        return System.Text.Encoding.UTF8.GetString(content);
    });

    [Fact]
    public void A_file_is_parsed_once_per_change_of_content_size_or_inode()
    {
        string path = _folder.File("config.yaml");
        var reader = Reader("config.yaml");
        File.WriteAllText(path, "a: 1\n");
        var written = File.GetLastWriteTimeUtc(path);
        for (int i = 0; i < 5; i++) Assert.Equal("a: 1\n", reader.Read());
        Assert.Equal(1, _parses);

        File.AppendAllText(path, "b");                    // grows by a character
        File.SetLastWriteTimeUtc(path, written);          // even with the time put back
        Assert.Equal("a: 1\nb", reader.Read());
        Assert.Equal(2, _parses);

        File.WriteAllText(path, "a: 2\nb");               // same size, new time
        File.SetLastWriteTimeUtc(path, written.AddSeconds(1));
        Assert.Equal("a: 2\nb", reader.Read());

        File.WriteAllText(_folder.File("next"), "a: 3\nb"); // same size and time, another file renamed in
        File.SetLastWriteTimeUtc(_folder.File("next"), written.AddSeconds(1));
        File.Move(_folder.File("next"), path, overwrite: true);
        Assert.Equal("a: 3\nb", reader.Read());
        Assert.Equal(4, _parses);
    }

    [Fact]
    public async Task Nothing_a_fifo_a_folder_or_a_huge_file_is_an_exception_not_a_parse()
    {
        Assert.Throws<FileNotFoundException>(() => Reader("missing").Read());
        Assert.Equal(0, (await Repository.RunAsync("mkfifo", _folder.File("fifo"))).Code);
        Assert.Contains("is not a regular file", Assert.Throws<IOException>(() => Reader("fifo").Read()).Message);
        Directory.CreateDirectory(_folder.File("folder"));
        Assert.Contains("is not a regular file", Assert.Throws<IOException>(() => Reader("folder").Read()).Message);
        File.WriteAllBytes(_folder.File("huge"), new byte[SmallFile.MaxBytes + 1]);
        Assert.Contains("more than the", Assert.Throws<IOException>(() => Reader("huge").Read()).Message);
        Assert.Equal(0, _parses);
    }

    [Fact]
    public async Task What_is_at_a_path_is_told_without_following_a_link()
    {
        File.WriteAllText(_folder.File("regular"), "");
        File.CreateSymbolicLink(_folder.File("link"), _folder.File("regular"));
        Assert.Equal(0, (await Repository.RunAsync("mkfifo", _folder.File("fifo"))).Code);
        Assert.Equal(FileKind.Regular, FileStat.KindAt(_folder.File("regular")));
        Assert.Equal(FileKind.SymbolicLink, FileStat.KindAt(_folder.File("link")));
        Assert.Equal(FileKind.Fifo, FileStat.KindAt(_folder.File("fifo")));
        Assert.Equal(FileKind.Folder, FileStat.KindAt(_folder.Path));
        Assert.Equal(FileKind.None, FileStat.KindAt(_folder.File("missing/below")));
    }
}

using XxExporter.Files;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Files;

/// <summary>Opening a watched path never blocks, whatever is swapped in at it.</summary>
public sealed class OpenRegularTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task MakeFifo(string path)
    {
        var (code, output) = await Repository.RunAsync("mkfifo", path);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task A_fifo_a_folder_or_nothing_is_a_clear_error_and_a_regular_file_opens()
    {
        await MakeFifo(_folder.File("fifo"));
        Assert.Contains("is not a regular file", Assert.Throws<IOException>(() => FileStat.OpenRegular(_folder.File("fifo"))).Message);
        Assert.Contains("is not a regular file", Assert.Throws<IOException>(() => FileStat.OpenRegular(_folder.Path)).Message);
        Assert.Throws<FileNotFoundException>(() => FileStat.OpenRegular(_folder.File("missing")));
        Assert.Throws<FileNotFoundException>(() => FileStat.OpenRegular(_folder.File("missing/below")));
        File.WriteAllText(_folder.File("log"), "line\n");
        using var handle = FileStat.OpenRegular(_folder.File("log"));
        Assert.Equal(5, RandomAccess.GetLength(handle));
    }

    [Fact]
    public async Task A_fifo_renamed_over_the_path_between_checks_never_blocks_the_open()
    {
        string path = _folder.File("cmix.log"), fifo = _folder.File("fifo"), regular = _folder.File("regular");
        File.WriteAllText(regular, "line\n");
        await MakeFifo(fifo);
        using var stop = new CancellationTokenSource();
        // Swaps a regular file and (a symbolic link to) a FIFO at the path as fast as renames go.
        var swapper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                File.Copy(regular, path + ".new", overwrite: true);
                File.Move(path + ".new", path, overwrite: true);
                File.CreateSymbolicLink(path + ".fifo", fifo);
                File.Move(path + ".fifo", path, overwrite: true);
            }
        });
        var opens = Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                try { FileStat.OpenRegular(path).Dispose(); }
                catch (IOException) { }   // the FIFO (or nothing, mid-rename): refused, not waited on
            }
        });
        await opens.WaitAsync(TimeSpan.FromSeconds(60));   // an open blocked on the FIFO would never return
        stop.Cancel();
        await swapper;
    }
}

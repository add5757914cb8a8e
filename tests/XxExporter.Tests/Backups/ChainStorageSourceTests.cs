using XxExporter.Backups;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Backups;

/// <summary>The chain database's snapshot age and data folder size, on folders the test lays out.</summary>
public sealed class ChainStorageSourceTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);
    private readonly TempFolder _host = new();

    public void Dispose() => _host.Dispose();

    private SourceHarness Harness(string snapshot, string dataFolder) => new(ChainStorageSource.Registration, new()
    {
        [ChainStorageSettings.Table.Snapshot] = snapshot, [ChainStorageSettings.Table.DataFolder] = dataFolder,
    });

    private string File(string name, int bytes, DateTime modified)
    {
        string path = _host.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, new byte[bytes]);
        System.IO.File.SetLastWriteTimeUtc(path, modified);
        return path;
    }

    private static long Unix(DateTime utc) => new DateTimeOffset(utc).ToUnixTimeSeconds();

    [Fact]
    public async Task In_a_snapshot_folder_the_newest_entry_counts_a_folder_per_snapshot_or_an_archive()
    {
        File("snapshots/2026-11-30.tar.zst", 5000, Now.AddDays(-7));
        string newest = Directory.CreateDirectory(_host.File("snapshots/2026-12-06")).FullName;
        File("snapshots/2026-12-06/db/full/MANIFEST", 10, Now.AddDays(-10)); // the copy keeps the files' own times
        Directory.SetLastWriteTimeUtc(newest, Now.AddDays(-1));
        File("snapshots/.2026-12-07.partial", 1, Now); // still being copied: does not count

        var m = await Harness(_host.File("snapshots"), "").Scrape();

        Assert.Equal(1, m["xx_chain_snapshot_present"]);
        Assert.Equal(Unix(Now.AddDays(-1)), m["xx_chain_snapshot_timestamp_seconds"]);
        Assert.False(m.Has("xx_chain_snapshot_size_bytes")); // a folder's size is not summed
        Assert.False(m.Has("xx_chain_data_size_bytes"));
    }

    [Fact]
    public async Task A_glob_of_archives_gives_the_newest_ones_time_and_size_and_none_is_told()
    {
        File("backup/chain-2026-11-30.tar.gz", 5000, Now.AddDays(-7));
        File("backup/chain-2026-12-06.tar.gz", 6000, Now.AddDays(-1));
        File("backup/cmix_gateway.dump", 7, Now);

        var m = await Harness(_host.File("backup/chain-*.tar.gz"), "").Scrape();

        Assert.Equal(Unix(Now.AddDays(-1)), m["xx_chain_snapshot_timestamp_seconds"]);
        Assert.Equal(6000, m["xx_chain_snapshot_size_bytes"]);

        m = await Harness(Directory.CreateDirectory(_host.File("empty")).FullName, "").Scrape();
        Assert.Equal(0, m["xx_chain_snapshot_present"]);
        Assert.False(m.Has("xx_chain_snapshot_timestamp_seconds"));
    }

    [Fact]
    public async Task The_data_folder_is_summed_in_the_background_without_following_links()
    {
        File("db/chains/xxnetwork/db/full/000001.sst", 4096, Now);
        File("db/chains/xxnetwork/db/full/000002.sst", 1000, Now);
        File("db/chains/xxnetwork/keystore/6b657973", 100, Now);
        File("elsewhere/huge", 1 << 20, Now);
        System.IO.File.CreateSymbolicLink(_host.File("db/chains/link-to-elsewhere"), _host.File("elsewhere"));
        System.IO.File.CreateSymbolicLink(_host.File("db/chains/link-to-huge"), _host.File("elsewhere/huge"));

        var m = await Harness("", _host.File("db")).ScrapeUntil("xx_chain_data_size_bytes");

        Assert.Equal(5196, m["xx_chain_data_size_bytes"]);
        Assert.Equal(3, m["xx_chain_data_files"]);
        Assert.Equal(1, m["xx_chain_data_size_complete"]);
        Assert.False(m.Has("xx_chain_snapshot_present"));
    }

    [Fact]
    public void A_walk_stops_at_its_cap_and_says_the_sum_is_a_lower_bound()
    {
        for (int i = 0; i < 5; i++) File($"db/{i}.sst", 10, Now);

        var size = FolderSize.Walk(_host.File("db"), maxEntries: 3, CancellationToken.None);

        Assert.False(size.Complete);
        Assert.Equal(30, size.Bytes);
        Assert.Equal($"{_host.File("db")} holds more than 3 entries, more than are counted: its size is at least the sum shown", size.Problem);
        Assert.Throws<DirectoryNotFoundException>(() => FolderSize.Walk(_host.File("no-db"), 3, CancellationToken.None));
    }

    [Fact]
    public void Neither_a_snapshot_nor_a_data_folder_is_no_source() => Assert.False(Harness("", "").Built);
}

using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using Prometheus;
using XxExporter.Checks;
using XxExporter.Telemetry;

namespace XxExporter.Backups;

/// <summary>
/// The chain database on disk: how old its newest snapshot is (a validator restores the chain from one, so its age is
/// what the chain loses to a lost disk) and how large the data folder is. The snapshot is one folder listing, read at
/// each scrape like a backup target; the size is a walk of every file, so it runs in the background on its own cadence
/// (<see cref="ChainStorageSettings.SizeInterval"/>) and a scrape shows the last sum. Growth is the rules' to compute.
/// </summary>
internal sealed class ChainStorageSource : IScrapeSource
{
    /// <summary>Entries of the data folder walked at most: a chain database is tens of thousands of files.</summary>
    internal const int MaxEntries = 1_000_000;

    private readonly ChainStorageSettings _settings;
    private readonly TimeProvider _clock;
    private readonly BackgroundWork<int, FolderSize?> _sizes;
    private readonly Gauge _snapshotPresent, _snapshotTime, _snapshotSize, _dataSize, _dataFiles, _dataComplete;

    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    internal static readonly SourceRegistration Registration = new("chain_storage",
        "The age of the newest chain database snapshot (--chain.snapshot) and the size of the chain's data folder (--chain.data-folder) (xx_chain_snapshot_*, xx_chain_data_*).",
        context => ChainStorageSettings.Read(context.Settings) is { } settings && (settings.Snapshot.Length > 0 || settings.DataFolder.Length > 0)
            ? [new ChainStorageSource(settings, context.Factory, TimeProvider.System)]
            : [],
        ChainStorageSettings.Table.All);

    public ChainStorageSource(ChainStorageSettings settings, IMetricFactory factory, TimeProvider clock)
    {
        _settings = settings;
        _clock = clock;
        _sizes = new(_ => Task.FromResult(Walk()), clock);
        _snapshotPresent = Families.Gauge(factory, "xx_chain_snapshot_present",
            "1 if --chain.snapshot names at least one snapshot of the chain database, else 0; absent when it cannot be looked at (the log says why).");
        _snapshotTime = Families.Gauge(factory, "xx_chain_snapshot_timestamp_seconds",
            "Modification time of the newest chain database snapshot (an archive, or a folder per snapshot), as Unix seconds.");
        _snapshotSize = Families.Gauge(factory, "xx_chain_snapshot_size_bytes",
            "Size of the newest chain database snapshot, when it is an archive file (a folder's size is not summed).");
        _dataSize = Families.Gauge(factory, "xx_chain_data_size_bytes",
            "The chain data folder's files' sizes summed (as du --apparent-size), walked every --chain.data-size-interval; growth is a rule's to compute (xx:chain_data:growth_bytes_per_day).");
        _dataFiles = Families.Gauge(factory, "xx_chain_data_files", "Files in the chain data folder at its last walk.");
        _dataComplete = Families.Gauge(factory, "xx_chain_data_size_complete",
            "1 if the last walk of the chain data folder counted every entry, 0 if it stopped at its cap or a folder could not be read (the size is then too small; the log says why).");
    }

    public string Name => "chain_storage";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() =>
    {
        if (_settings.Snapshot.Length > 0) ReadSnapshot(readings);
        if (_settings.DataFolder.Length == 0) return;
        if (_sizes.Latest(0, last => _clock.GetUtcNow() - last.At >= _settings.SizeInterval)?.Result is not { } size) return;
        readings.Set(_dataSize, size.Bytes);
        readings.Set(_dataFiles, size.Files);
        readings.Set(_dataComplete, size.Complete);
        if (size.Problem is { } problem) readings.Notice(_settings.DataFolder, problem);
    }, timeout);

    private void ReadSnapshot(Readings readings)
    {
        FileSystemInfo? newest;
        try
        {
            newest = Newest(_settings.Snapshot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            readings.Fail(_settings.Snapshot, ex.Message);
            return;
        }
        readings.Set(_snapshotPresent, newest is not null);
        if (newest is null) return;
        readings.Set(_snapshotTime, new DateTimeOffset(newest.LastWriteTimeUtc).ToUnixTimeSeconds());
        if (newest is FileInfo file) readings.Set(_snapshotSize, file.Length);
    }

    /// <summary>
    /// The newest snapshot: in a folder its newest entry, a file or a folder (dot names left out: unfinished copies);
    /// otherwise as a backup target names its files (a file or a glob).
    /// </summary>
    private static FileSystemInfo? Newest(string path)
    {
        if (path.AsSpan().IndexOfAny('*', '?') >= 0 || !Directory.Exists(path)) return FileMatch.Newest(path);
        FileSystemInfo? newest = null;
        int examined = 0;
        var entries = new FileSystemEnumerable<FileSystemInfo?>(path, (ref FileSystemEntry entry) => entry.IsHidden ? null : entry.ToFileSystemInfo(),
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 });
        foreach (var entry in entries)
        {
            if (++examined > FileMatch.MaxEntries)
                throw new IOException($"{path} holds more than {FileMatch.MaxEntries} entries, more than are looked at: keep the chain's snapshots in a folder of their own");
            if (entry is not null && (newest is null || entry.LastWriteTimeUtc > newest.LastWriteTimeUtc)) newest = entry;
        }
        return newest;
    }

    /// <summary>The data folder's size; null if it does not exist (a host without a chain node).</summary>
    private FolderSize? Walk()
    {
        try
        {
            return FolderSize.Walk(_settings.DataFolder, MaxEntries, CancellationToken.None);
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}

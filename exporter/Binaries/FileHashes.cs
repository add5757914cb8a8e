using System.Collections.Concurrent;
using XxExporter.Files;
using XxExporter.Telemetry;

namespace XxExporter.Binaries;

/// <summary>What a configured binary is on disk now.</summary>
public abstract record InstalledFile
{
    /// <summary>Nothing at the path: the binary is not installed on this host.</summary>
    public sealed record Absent : InstalledFile;

    /// <summary>The file's BLAKE2s, as the wrapper computes it.</summary>
    public sealed record Hashed(byte[] Hash) : InstalledFile;

    /// <summary>The file cannot be hashed; <paramref name="Why"/> is a sentence naming the file.</summary>
    public sealed record Unreadable(string Why) : InstalledFile;
}

/// <summary>
/// The BLAKE2s of files, each computed once per version of the file (its size and modification time): a binary of
/// tens of megabytes is hashed again only after it changes, not at every scrape. Hashing runs in the background and
/// no scrape waits for it (<see cref="BackgroundWork{TVersion, TResult}"/>): a scrape gets the last hash that ended,
/// one hash at a time per file, and a file that keeps changing while it is hashed is hashed once more after, not once
/// per change. Files over <c>maxBytes</c> are refused before any is read.
/// </summary>
public sealed class FileHashes(long maxBytes)
{
    private readonly ConcurrentDictionary<string, BackgroundWork<(long Size, DateTime Modified), InstalledFile>> _hashes = new();

    /// <summary>What the file is, from its last hash; null while the first hash of an existing file runs.</summary>
    public InstalledFile? Latest(string path)
    {
        var info = new FileInfo(path);
        try
        {
            if (!info.Exists) return Directory.Exists(path) ? new InstalledFile.Unreadable($"{path} is a folder, not a file") : new InstalledFile.Absent();
            if (info.Length > maxBytes) return new InstalledFile.Unreadable($"{path} is {info.Length} bytes, over the {maxBytes >> 20} MiB --binaries.max-megabytes allows hashing");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new InstalledFile.Unreadable($"{path} cannot be looked at: {ex.Message}");
        }
        var hashes = _hashes.GetOrAdd(path, _ => new(_ => Task.FromResult(Compute(path)), TimeProvider.System));
        return hashes.Latest((info.Length, info.LastWriteTimeUtc), Failed)?.Result;
    }

    /// <summary>A file that could not be read is tried again at the next scrape: permissions change without touching the file.</summary>
    private static bool Failed(BackgroundWork<(long, DateTime), InstalledFile>.Completed hash) => hash.Result is InstalledFile.Unreadable;

    private InstalledFile Compute(string path)
    {
        try
        {
            using var handle = FileStat.OpenRegular(path);
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            var blake = new Blake2s();
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                total += read;
                // A file growing while it is read (a copy in progress) is not what the size said: not hashed past the cap.
                if (total > maxBytes) return new InstalledFile.Unreadable($"{path} grew past the {maxBytes >> 20} MiB --binaries.max-megabytes allows while it was hashed");
                blake.Append(buffer.AsSpan(0, read));
            }
            return new InstalledFile.Hashed(blake.Finish());
        }
        catch (FileNotFoundException)
        {
            return new InstalledFile.Absent();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new InstalledFile.Unreadable(ex.Message);
        }
    }
}

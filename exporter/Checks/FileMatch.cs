using System.IO.Enumeration;
using XxExporter.Files;

namespace XxExporter.Checks;

/// <summary>
/// The files a configured path names: one file, a folder's files, or a glob's matches in one folder. Folders are read
/// as a stream, entry by entry, and at most <see cref="MaxEntries"/> of a folder's entries are looked at: a folder of
/// millions of files (a WAL archive never pruned) costs a bounded time and almost no memory, and is reported.
/// </summary>
internal static class FileMatch
{
    public const string Rule = "wildcards (* and ?) are allowed in the file name only";

    /// <summary>Entries of one folder looked at, at most (docs/configuration.md): far more than any backup or certificate folder holds.</summary>
    public const int MaxEntries = 100_000;

    private static readonly EnumerationOptions Options = new() { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 };

    public static bool IsValid(string path) => path.Length > 0 && !HasWildcard(Path.GetDirectoryName(path) ?? "");

    /// <summary>
    /// The files <paramref name="pathOrGlob"/> names, one at a time; none if the file or folder does not exist. Throws
    /// <see cref="UnauthorizedAccessException"/> if a folder on the way may not be read (not "no file there"), or
    /// <see cref="IOException"/> if it cannot be read for another reason or holds more than <paramref name="maxEntries"/> entries.
    /// </summary>
    public static IEnumerable<FileInfo> Files(string pathOrGlob, int maxEntries = MaxEntries)
    {
        string name = Path.GetFileName(pathOrGlob);
        if (HasWildcard(name)) return InFolder(Path.GetDirectoryName(pathOrGlob) is { Length: > 0 } folder ? folder : ".", name, maxEntries);
        if (!FileStat.Exists(pathOrGlob)) return [];
        return Directory.Exists(pathOrGlob) ? InFolder(pathOrGlob, "*", maxEntries) : [new FileInfo(pathOrGlob)];
    }

    /// <summary>The most recently modified file <paramref name="pathOrGlob"/> names, streamed; null if none. Throws as <see cref="Files"/>.</summary>
    public static FileInfo? Newest(string pathOrGlob, int maxEntries = MaxEntries) => Files(pathOrGlob, maxEntries).MaxBy(file => file.LastWriteTimeUtc);

    private static IEnumerable<FileInfo> InFolder(string folder, string pattern, int maxEntries)
    {
        if (!FileStat.Exists(folder)) yield break;
        int examined = 0;
        // Every entry is counted, matching or not, before its details are read; past the cap one more is let through to
        // stop on. Dot files are left out: rsync and most dump scripts write their unfinished files under one.
        var entries = new FileSystemEnumerable<FileInfo?>(folder, (ref FileSystemEntry entry) => examined > maxEntries ? null : (FileInfo)entry.ToFileSystemInfo(), Options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => ++examined > maxEntries
                || !entry.IsDirectory && !entry.IsHidden && FileSystemName.MatchesSimpleExpression(pattern, entry.FileName, ignoreCase: false),
        };
        foreach (var file in entries)
        {
            if (file is null)
                throw new IOException($"{folder} holds more than {maxEntries} entries, more than are looked at (docs/configuration.md): prune it, or keep these files in a folder of their own");
            yield return file;
        }
    }

    private static bool HasWildcard(string text) => text.AsSpan().IndexOfAny('*', '?') >= 0;
}

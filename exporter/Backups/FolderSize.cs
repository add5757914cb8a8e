using System.IO.Enumeration;

namespace XxExporter.Backups;

/// <summary>The sum of a folder tree's file sizes, and whether every entry was counted.</summary>
/// <param name="Bytes">The files' sizes summed (as <c>du --apparent-size</c>), symbolic links not followed.</param>
/// <param name="Complete">False if the walk stopped at its cap or a folder could not be read: the sum is then less than the truth.</param>
/// <param name="Problem">Why it is incomplete, a sentence naming the folder; null when complete.</param>
public sealed record FolderSize(long Bytes, long Files, bool Complete, string? Problem)
{
    /// <summary>
    /// Walks <paramref name="folder"/> one folder at a time, reading at most <paramref name="maxEntries"/> entries (files
    /// and folders): a chain database of hundreds of gigabytes is tens of thousands of files, so the cap only stops a
    /// wrong folder (such as /). Throws <see cref="DirectoryNotFoundException"/> if the folder does not exist.
    /// </summary>
    public static FolderSize Walk(string folder, int maxEntries, CancellationToken cancel)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder} does not exist");
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 };
        var pending = new Stack<string>([folder]);
        long bytes = 0, files = 0, entries = 0;
        string? problem = null;
        while (pending.TryPop(out string? current))
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                // Each entry as a file's size, or a folder to walk; a symbolic link is neither (it is not followed).
                var listing = new FileSystemEnumerable<(long? Size, string? Folder)>(current, (ref FileSystemEntry entry) =>
                    (entry.Attributes & FileAttributes.ReparsePoint) != 0 ? (null, null)
                    : entry.IsDirectory ? (null, entry.ToFullPath())
                    : (entry.Length, null), options);
                foreach (var (size, subfolder) in listing)
                {
                    if (++entries > maxEntries)
                        return new(bytes, files, false, $"{folder} holds more than {maxEntries} entries, more than are counted: its size is at least the sum shown");
                    if (subfolder is not null) pending.Push(subfolder);
                    if (size is { } length)
                    {
                        bytes += length;
                        files++;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem ??= $"{current} cannot be read by this user ({ex.Message}): the size of {folder} leaves it out";
            }
        }
        return new(bytes, files, problem is null, problem);
    }
}

using XxExporter.Files;

namespace XxExporter.Checks;

/// <summary>The files a configured path names: one file, a folder's files, or a glob's matches in one folder.</summary>
internal static class FileMatch
{
    public const string Rule = "wildcards (* and ?) are allowed in the file name only";

    // Dot files are left out: rsync and most dump scripts write their unfinished files under one.
    private static readonly EnumerationOptions Options = new()
    {
        MatchType = MatchType.Simple, RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden,
    };

    public static bool IsValid(string path) => path.Length > 0 && !HasWildcard(Path.GetDirectoryName(path) ?? "");

    /// <summary>
    /// The files <paramref name="pathOrGlob"/> names; none if the file or folder does not exist. Throws
    /// <see cref="UnauthorizedAccessException"/> if a folder on the way may not be read (not "no file there"), or
    /// <see cref="IOException"/> if it cannot be read for another reason.
    /// </summary>
    public static IReadOnlyList<FileInfo> Files(string pathOrGlob)
    {
        string name = Path.GetFileName(pathOrGlob);
        if (HasWildcard(name)) return InFolder(Path.GetDirectoryName(pathOrGlob) is { Length: > 0 } folder ? folder : ".", name);
        if (!FileStat.Exists(pathOrGlob)) return [];
        return Directory.Exists(pathOrGlob) ? InFolder(pathOrGlob, "*") : [new FileInfo(pathOrGlob)];
    }

    private static IReadOnlyList<FileInfo> InFolder(string folder, string pattern) =>
        FileStat.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles(pattern, Options).ToList() : [];

    private static bool HasWildcard(string text) => text.AsSpan().IndexOfAny('*', '?') >= 0;
}

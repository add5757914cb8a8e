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
    /// <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> if a folder cannot be read.
    /// </summary>
    public static IReadOnlyList<FileInfo> Files(string pathOrGlob)
    {
        string name = Path.GetFileName(pathOrGlob);
        if (HasWildcard(name)) return InFolder(Path.GetDirectoryName(pathOrGlob) is { Length: > 0 } folder ? folder : ".", name);
        if (Directory.Exists(pathOrGlob)) return InFolder(pathOrGlob, "*");
        var file = new FileInfo(pathOrGlob);
        return file.Exists ? [file] : [];
    }

    private static IReadOnlyList<FileInfo> InFolder(string folder, string pattern)
    {
        var directory = new DirectoryInfo(folder);
        return directory.Exists ? directory.EnumerateFiles(pattern, Options).ToList() : [];
    }

    private static bool HasWildcard(string text) => text.AsSpan().IndexOfAny('*', '?') >= 0;
}

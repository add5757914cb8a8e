namespace XxExporter.Files;

/// <summary>
/// One of the operator's files, parsed again only when it changes: each read opens it (a regular file only, the type
/// checked on the open handle, at most <see cref="SmallFile.MaxBytes"/>), and reads and parses its content only if
/// its version (inode, size, modification time) differs from the one parsed last. A file that keeps its version
/// costs an open and an fstat per read, however slow it is to parse.
/// </summary>
/// <param name="parse">Makes the value from the content and its version; what it returns is kept until the file changes.</param>
public sealed class ParsedFile<T>(string path, Func<byte[], FileVersion, T> parse)
{
    private readonly Lock _gate = new();
    private (FileVersion Version, T Value)? _last;

    public string Path => path;

    /// <summary>
    /// The value of the file's current content. Throws <see cref="FileNotFoundException"/> if nothing is there,
    /// <see cref="UnauthorizedAccessException"/> if it may not be read, <see cref="IOException"/> if it is not a regular
    /// file of at most <see cref="SmallFile.MaxBytes"/>; the last value is kept for when it is back unchanged.
    /// </summary>
    public T Read()
    {
        lock (_gate)
        {
            using var handle = FileStat.OpenRegular(path);
            var version = FileStat.FStat(handle).Version;
            if (_last is { } last && last.Version == version) return last.Value;
            var value = parse(SmallFile.ReadAllBytes(handle, path), version);
            _last = (version, value);
            return value;
        }
    }
}

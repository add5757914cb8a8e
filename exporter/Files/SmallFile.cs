namespace XxExporter.Files;

/// <summary>Reads the small files the exporter checks (the IDF, certificates) safely whatever is at the path.</summary>
public static class SmallFile
{
    /// <summary>Enough for any IDF or certificate chain by orders of magnitude.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>
    /// The whole content of a regular file of at most <see cref="MaxBytes"/>. Throws <see cref="IOException"/> for
    /// anything else (a FIFO, a device, a folder, a huge file) instead of blocking or reading without end.
    /// </summary>
    public static byte[] ReadAllBytes(string path)
    {
        EnsureRegular(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        if (stream.Length > MaxBytes) throw new IOException($"{path} has {stream.Length} bytes, more than the {MaxBytes} expected of it");
        var content = new byte[stream.Length];
        stream.ReadExactly(content);
        return content;
    }

    /// <summary>
    /// Throws <see cref="FileNotFoundException"/> if nothing is at <paramref name="path"/> and <see cref="IOException"/>
    /// if it is not a regular file: opening a FIFO blocks until a writer comes, and a device such as /dev/zero never ends.
    /// </summary>
    public static void EnsureRegular(string path)
    {
        if (FileStat.IsRegularFile(path)) return;
        throw Directory.Exists(path) || File.Exists(path)
            ? new IOException($"{path} is not a regular file")
            : new FileNotFoundException($"{path} does not exist", path);
    }
}

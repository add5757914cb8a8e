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
        using var stream = new FileStream(FileStat.OpenRegular(path), FileAccess.Read, bufferSize: 1);
        if (stream.Length > MaxBytes) throw new IOException($"{path} has {stream.Length} bytes, more than the {MaxBytes} expected of it");
        var content = new byte[stream.Length];
        stream.ReadExactly(content);
        return content;
    }
}

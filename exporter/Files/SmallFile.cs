using Microsoft.Win32.SafeHandles;

namespace XxExporter.Files;

/// <summary>Reads the small files the exporter checks (the IDF, certificates, configs) safely whatever is at the path.</summary>
public static class SmallFile
{
    /// <summary>Enough for any IDF, certificate chain or config by orders of magnitude.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>
    /// The whole content of a regular file of at most <see cref="MaxBytes"/>. Throws <see cref="IOException"/> for
    /// anything else (a FIFO, a device, a folder, a huge file) instead of blocking or reading without end.
    /// </summary>
    public static byte[] ReadAllBytes(string path)
    {
        using var handle = FileStat.OpenRegular(path);
        return ReadAllBytes(handle, path);
    }

    /// <summary>The content of a file opened by <see cref="FileStat.OpenRegular"/>, at most <see cref="MaxBytes"/>.</summary>
    internal static byte[] ReadAllBytes(SafeFileHandle handle, string path)
    {
        long length = RandomAccess.GetLength(handle);
        if (length > MaxBytes) throw new IOException($"{path} has {length} bytes, more than the {MaxBytes} expected of it");
        var content = new byte[length];
        for (int done = 0; done < content.Length;)
        {
            int read = RandomAccess.Read(handle, content.AsSpan(done), done);
            if (read == 0) throw new IOException($"{path} was cut short while being read");
            done += read;
        }
        return content;
    }
}

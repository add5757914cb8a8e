using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace XxExporter.Backups;

/// <summary>
/// The credentials folder's files in a tar archive (a backup made with tar, or what <c>restic dump</c> writes for a
/// folder), as SHA-256 hashes. The archive is read as a stream, entry by entry: nothing is kept but the hashes of the
/// files looked for, and at most <see cref="MaxEntries"/> entries are read, so an archive of a whole host is refused
/// in bounded time instead of read for minutes every check.
/// </summary>
public static class TarCredentials
{
    /// <summary>Far more than an archive of the credentials (or of all of /opt/xxnetwork) holds.</summary>
    public const int MaxEntries = 100_000;

    /// <summary>
    /// The hashes of the entries of <paramref name="archive"/> (plain tar or gzip, told by its first bytes) that are
    /// files of the credentials folder (<paramref name="paths"/>) named in <paramref name="names"/>. Throws
    /// <see cref="InvalidDataException"/> for what is no tar or gzip, or compressed otherwise, and for an archive of
    /// more than <see cref="MaxEntries"/> entries.
    /// </summary>
    public static Dictionary<string, byte[]> Read(Stream archive, CredentialsPaths paths, IReadOnlySet<string> names, CancellationToken cancel)
    {
        using var tar = new TarReader(Decompressed(archive), leaveOpen: true);
        var found = new Dictionary<string, (byte[] Hash, int Match)>(StringComparer.Ordinal);
        int entries = 0;
        try
        {
            while (tar.GetNextEntry() is { } entry)
            {
                cancel.ThrowIfCancellationRequested();
                if (++entries > MaxEntries)
                    throw new InvalidDataException($"it holds more than {MaxEntries} entries, more than are read: archive the credentials folder on its own");
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                // A later entry of the same file (tar -r appends) replaces an earlier one, as tar -x would.
                if (paths.Of(entry.Name) is not { } file || !names.Contains(file.Name)) continue;
                if (found.TryGetValue(file.Name, out var earlier) && earlier.Match > file.Match) continue;
                found[file.Name] = (entry.DataStream is { } data ? SHA256.HashData(data) : SHA256.HashData([]), file.Match);
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"it is no complete tar archive ({ex.Message})", ex);
        }
        return found.ToDictionary(file => file.Key, file => file.Value.Hash, StringComparer.Ordinal);
    }

    /// <summary>The tar stream inside: gzip is unpacked, a plain tar read as it is; other compressions are named and refused.</summary>
    private static Stream Decompressed(Stream archive)
    {
        Span<byte> magic = stackalloc byte[6];
        int read = archive.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        archive.Seek(-read, SeekOrigin.Current);
        magic = magic[..read];
        if (magic.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        string? other = magic.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]) ? "xz"
            : magic.StartsWith("BZh"u8) ? "bzip2"
            : magic.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]) ? "zstd"
            : null;
        return other is null ? archive
            : throw new InvalidDataException($"it is compressed with {other}, which is not read: archive with tar alone or tar -z (gzip)");
    }
}

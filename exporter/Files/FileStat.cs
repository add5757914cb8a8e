using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace XxExporter.Files;

/// <summary>Which file a path or handle names: device and inode, so a rotation can be told from an append.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode);

/// <summary>
/// stat(2) and fstat(2) for what .NET does not expose: inode, link count and file type. Linux only (glibc 2.33+
/// exports both symbols). st_dev and st_ino lead the struct on every Linux ABI; on x86_64 st_nlink (u64) sits at
/// 16 and st_mode (u32) at 24, on the generic layout arm64 uses st_mode (u32) at 16 and st_nlink (u32) at 20.
/// </summary>
internal static unsafe partial class FileStat
{
    private const int StatBufferSize = 256; // larger than struct stat on any Linux ABI

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte* buffer);

    /// <summary>The identity of the file a path names now, or false if nothing is there.</summary>
    public static bool TryStat(string path, out FileIdentity identity)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        if (Stat(path, buffer) != 0) { identity = default; return false; }
        identity = new FileIdentity(*(ulong*)buffer, *(ulong*)(buffer + 8));
        return true;
    }

    /// <summary>Whether a path names a regular file (after symlinks); see <see cref="SmallFile.EnsureRegular"/>.</summary>
    public static bool IsRegularFile(string path)
    {
        const uint TypeMask = 0xF000, Regular = 0x8000;
        byte* buffer = stackalloc byte[StatBufferSize];
        if (Stat(path, buffer) != 0) return false;
        uint mode = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? *(uint*)(buffer + 24) : *(uint*)(buffer + 16);
        return (mode & TypeMask) == Regular;
    }

    /// <summary>The identity and link count of an open file (link count 0: deleted while open).</summary>
    public static (FileIdentity Identity, ulong Links) FStat(SafeFileHandle handle)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (FStat((int)handle.DangerousGetHandle(), buffer) != 0)
                throw new IOException($"fstat failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        ulong links = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? *(ulong*)(buffer + 16) : *(uint*)(buffer + 20);
        return (new FileIdentity(*(ulong*)buffer, *(ulong*)(buffer + 8)), links);
    }
}

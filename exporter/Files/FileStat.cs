using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace XxExporter.Files;

/// <summary>Which file a path or handle names: device and inode, so a rotation can be told from an append.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode);

/// <summary>One version of a file: which file (inode), its size and its modification time; any change of the content changes it.</summary>
public readonly record struct FileVersion(FileIdentity Identity, long Length, DateTime Modified);

/// <summary>What a path names itself, a symbolic link not followed.</summary>
public enum FileKind { None, Regular, Folder, SymbolicLink, Fifo, CharacterDevice, BlockDevice, Socket }

/// <summary>
/// stat(2) and fstat(2) for what .NET does not expose: inode, link count and file type. Linux only (glibc 2.33+
/// exports these symbols). st_dev and st_ino lead the struct on every Linux ABI; on x86_64 st_nlink (u64) sits at
/// 16 and st_mode (u32) at 24, on the generic layout arm64 uses st_mode (u32) at 16 and st_nlink (u32) at 20; both
/// put st_size at 48 and st_mtime (seconds, then nanoseconds) at 88.
/// </summary>
internal static unsafe partial class FileStat
{
    private const int StatBufferSize = 256; // larger than struct stat on any Linux ABI

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte* buffer);

    /// <summary>
    /// What is at the path itself (a symbolic link is <see cref="FileKind.SymbolicLink"/>, not what it points to);
    /// <see cref="FileKind.None"/> if nothing is. Throws like <see cref="Exists"/> when that cannot be known.
    /// </summary>
    public static FileKind KindAt(string path)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        if (LStat(path, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                NoSuchFile or NotADirectory => FileKind.None,
                AccessDenied => throw new UnauthorizedAccessException($"{path}: a folder on its way may not be searched by this user (permission denied)"),
                _ => throw new IOException($"{path} cannot be looked at: {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }
        return Kind(Mode(buffer));
    }

    /// <summary>The kind of file as a sentence's noun phrase ("a FIFO"), for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.None => "nothing",
        FileKind.Regular => "a regular file",
        FileKind.Folder => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        _ => "a socket",
    };

    private static FileKind Kind(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Folder,
        0xA000 => FileKind.SymbolicLink,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        _ => FileKind.Socket,
    };

    private static bool IsX64 => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private static uint Mode(byte* buffer) => IsX64 ? *(uint*)(buffer + 24) : *(uint*)(buffer + 16);

    /// <summary>The identity of the file a path names now, or false if nothing is there.</summary>
    public static bool TryStat(string path, out FileIdentity identity)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        if (Stat(path, buffer) != 0) { identity = default; return false; }
        identity = new FileIdentity(*(ulong*)buffer, *(ulong*)(buffer + 8));
        return true;
    }

    /// <summary>
    /// Whether anything is at the path; false if nothing is. Throws <see cref="UnauthorizedAccessException"/> if a folder
    /// on its way may not be searched (so the answer is unknown), <see cref="IOException"/> for other failures.
    /// </summary>
    public static bool Exists(string path)
    {
        byte* buffer = stackalloc byte[StatBufferSize];
        if (Stat(path, buffer) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            NoSuchFile or NotADirectory => false,
            AccessDenied => throw new UnauthorizedAccessException($"{path}: a folder on its way may not be searched by this user (permission denied)"),
            _ => throw new IOException($"{path} cannot be looked at: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }

    /// <summary>
    /// False only if nothing is at the path: a path in a folder that may not be searched may hold the file, which is a
    /// permission problem to report as such, not a missing file.
    /// </summary>
    public static bool MayExist(string path)
    {
        try
        {
            return Exists(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    // Linux values, the same on x86_64 and arm64.
    private const int ReadOnly = 0, NonBlocking = 0x800, Directory = 0x10000, CloseOnExec = 0x80000;
    private const int NoSuchFile = 2, AccessDenied = 13, NotADirectory = 20;

    /// <summary>
    /// Opens a regular file for reading, whatever is at the path. The open never blocks (O_NONBLOCK: a FIFO would wait
    /// for a writer) and the type is checked on the open handle, so a FIFO or device renamed in after a check of the
    /// path cannot slip through. Throws <see cref="FileNotFoundException"/> if nothing is there,
    /// <see cref="UnauthorizedAccessException"/> if it may not be read, <see cref="IOException"/> if it is not a regular file.
    /// </summary>
    public static SafeFileHandle OpenRegular(string path)
    {
        int fd = Open(path, ReadOnly | NonBlocking | CloseOnExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                NoSuchFile or NotADirectory => new FileNotFoundException($"{path} does not exist", path),
                AccessDenied => new UnauthorizedAccessException($"{path} may not be read by this user (permission denied)"),
                _ => new IOException($"{path} cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!FStat(handle).IsRegular)
        {
            handle.Dispose();
            throw new IOException($"{path} is not a regular file (a FIFO, device or folder would block or never end)");
        }
        return handle;
    }

    /// <summary>Flushes a folder's entries to disk, so a file renamed into it survives a power loss.</summary>
    public static void SyncFolder(string folder)
    {
        int fd = Open(folder, ReadOnly | Directory | CloseOnExec);
        if (fd < 0) throw new IOException($"{folder} cannot be opened to flush it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (FSync(fd) != 0) throw new IOException($"{folder} cannot be flushed to disk: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>The identity, link count (0: deleted while open), type and version (size, modification time) of an open file.</summary>
    public static (FileIdentity Identity, ulong Links, bool IsRegular, FileVersion Version) FStat(SafeFileHandle handle)
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
        ulong links = IsX64 ? *(ulong*)(buffer + 16) : *(uint*)(buffer + 20);
        var identity = new FileIdentity(*(ulong*)buffer, *(ulong*)(buffer + 8));
        var modified = DateTime.UnixEpoch.AddTicks(*(long*)(buffer + 88) * TimeSpan.TicksPerSecond + *(long*)(buffer + 96) / 100);
        return (identity, links, Kind(Mode(buffer)) == FileKind.Regular, new FileVersion(identity, *(long*)(buffer + 48), modified));
    }
}

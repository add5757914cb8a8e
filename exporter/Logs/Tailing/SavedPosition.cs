using XxExporter.Files;

namespace XxExporter.Logs.Tailing;

/// <summary>
/// Where reading stopped in a file: its identity, the offset after the last complete line, and its first
/// bytes (so a file truncated and rewritten past the offset while the exporter was stopped is noticed).
/// </summary>
public sealed record SavedPosition(ulong Device, ulong Inode, long Offset, byte[] Head)
{
    public FileIdentity Identity => new(Device, Inode);
}

namespace XxExporter.Backups;

/// <summary>What kind of copy holds the credentials: how its newest backup is found and read.</summary>
public enum BackupKind
{
    /// <summary>A copy of the folder (rsync, cp -a): its files are the backup.</summary>
    Folder,
    /// <summary>A tar archive, plain or gzip: a file, or the newest file of a folder or glob.</summary>
    Tar,
    /// <summary>A restic repository: its newest snapshot that holds the credentials folder.</summary>
    Restic,
}

/// <summary>Where the credentials' backup is, as <c>--backups.credentials-backup</c> gives it: <c>kind:path</c>.</summary>
/// <param name="Where">A path, glob or (restic) repository, as restic's <c>-r</c> takes it.</param>
public sealed record BackupLocation(BackupKind Kind, string Where)
{
    public static BackupLocation? Parse(string text)
    {
        if (text.Length == 0) return null;
        int colon = text.IndexOf(':');
        string kind = colon > 0 ? text[..colon] : "", where = colon > 0 ? text[(colon + 1)..] : "";
        var parsed = kind switch
        {
            "folder" => BackupKind.Folder,
            "tar" => BackupKind.Tar,
            "restic" => BackupKind.Restic,
            _ => throw new FormatException("must be folder:<path>, tar:<path, folder or glob> or restic:<repository>"),
        };
        if (where.Length == 0) throw new FormatException($"{kind}: names no path");
        if (parsed != BackupKind.Restic && !Path.IsPathFullyQualified(where)) throw new FormatException($"{kind}: {where} is not an absolute path");
        return new BackupLocation(parsed, where);
    }
}

/// <summary>How a credential file stands in the newest backup.</summary>
public enum FileInBackup { Equal, Missing, Differs }

/// <summary>
/// Why the credentials are not known to be in the newest backup: the <c>reason</c> label of
/// <c>xx_credentials_backup_problem</c>. Each reason is exported on every check, 0 when it does not apply.
/// </summary>
public static class BackupProblem
{
    /// <summary>No backup of the credentials is configured (<c>--backups.credentials-backup</c> is empty).</summary>
    public const string NotConfigured = "not_configured";
    /// <summary>A live credential file cannot be read by the exporter's user, so it cannot be compared.</summary>
    public const string LiveUnreadable = "live_unreadable";
    /// <summary>The backup is there but cannot be read (permissions, a damaged archive, restic failing).</summary>
    public const string Unreadable = "unreadable";
    /// <summary>The configured place holds no backup at all: nothing to restore the credentials from.</summary>
    public const string NoBackup = "no_backup";
    /// <summary>Files of the credentials folder the newest backup lacks (the value counts them).</summary>
    public const string MissingFile = "missing_file";
    /// <summary>Files whose copy in the newest backup differs from the live file (the value counts them).</summary>
    public const string Differs = "differs";

    public static readonly IReadOnlyList<string> All = [NotConfigured, LiveUnreadable, Unreadable, NoBackup, MissingFile, Differs];
}

/// <summary>What one backup holds of the credentials folder: each file found, by name, as its SHA-256.</summary>
/// <param name="Taken">When the backup was made (the archive's or copy's modification time, the snapshot's time).</param>
public sealed record BackupContent(DateTimeOffset Taken, IReadOnlyDictionary<string, byte[]> Files);

/// <summary>
/// Where a backup keeps the credentials folder's files: an archive or snapshot names them by a path that ends in the
/// live folder's path, cut anywhere. For <c>/opt/xxnetwork/cred</c>: at the top (<c>tar -C /opt/xxnetwork/cred .</c>),
/// under <c>cred/</c> (<c>tar -C /opt/xxnetwork cred</c>), <c>xxnetwork/cred/</c>, or <c>opt/xxnetwork/cred/</c> (a copy
/// of <c>/</c>, and what <c>restic dump</c> writes). Where several hold a file, the longest wins: it names the folder best.
/// </summary>
public sealed class CredentialsPaths
{
    private readonly Dictionary<string, int> _folders = new(StringComparer.Ordinal);

    public CredentialsPaths(string liveFolder)
    {
        string[] parts = liveFolder.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int skip = 0; skip <= parts.Length; skip++) _folders[string.Join('/', parts[skip..])] = parts.Length - skip;
    }

    /// <summary>
    /// The file name an archive entry is, if it is a file of the credentials folder, and how much of the folder's path
    /// its own path names (more is a better match); null for any other entry.
    /// </summary>
    public (string Name, int Match)? Of(string entryPath)
    {
        string path = entryPath;
        while (path.StartsWith("./", StringComparison.Ordinal) || path.StartsWith('/')) path = path[(path.StartsWith('/') ? 1 : 2)..];
        int slash = path.LastIndexOf('/');
        string folder = slash < 0 ? "" : path[..slash], name = path[(slash + 1)..];
        return name.Length > 0 && _folders.TryGetValue(folder, out int match) ? (name, match) : null;
    }
}

/// <summary>The comparison of the live credentials with the newest backup, file by file.</summary>
public static class CredentialsComparison
{
    /// <summary>Each live file's standing in <paramref name="backup"/>, by file name (ordinal order).</summary>
    public static IReadOnlyList<(string File, FileInBackup State)> Compare(IReadOnlyDictionary<string, byte[]> live, IReadOnlyDictionary<string, byte[]> backup) =>
    [
        .. live.OrderBy(file => file.Key, StringComparer.Ordinal).Select(file => (file.Key,
            !backup.TryGetValue(file.Key, out byte[]? copy) ? FileInBackup.Missing
            : copy.AsSpan().SequenceEqual(file.Value) ? FileInBackup.Equal
            : FileInBackup.Differs)),
    ];
}

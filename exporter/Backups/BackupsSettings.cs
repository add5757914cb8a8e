using XxExporter.Checks;
using XxExporter.Settings;

namespace XxExporter.Backups;

/// <summary>The check that the credentials are in their newest backup (<see cref="CredentialsBackupSource"/>).</summary>
public sealed record CredentialsBackupSettings
{
    /// <summary>The live credentials folder; empty: the check is off.</summary>
    public required string Folder { get; init; }
    /// <summary>Where its backup is; null: none configured, which the check reports.</summary>
    public required BackupLocation? Backup { get; init; }
    public required string ResticPasswordFile { get; init; }
    /// <summary>Only snapshots of this host count; null: any host's.</summary>
    public required string? ResticHost { get; init; }
    public required TimeSpan Interval { get; init; }
    public required TimeSpan Timeout { get; init; }

    public static class Table
    {
        /// <summary>The handbook's credentials folder (docs/xx-node-facts.md, section 1): what xx never reissues.</summary>
        public static readonly Setting<string> Folder = new("backups.credentials-folder", "Backups:CredentialsFolder", "/opt/xxnetwork/cred",
            "The credentials folder (IDFs, keys, certificates: xx never reissues them) whose every file must be in the newest backup of --backups.credentials-backup, byte for byte; a folder that does not exist is a host without credentials; empty: off.",
            Parsers.Text) { Kind = SettingKind.Path };

        /// <summary>
        /// No default: where an operator keeps the copy is theirs to say, and a guessed place would report a missing
        /// backup that is only elsewhere. Until it is set, xx_credentials_backup_problem{reason="not_configured"} says so
        /// (no alert: the age of the copies in --checks.backups' default target cred is watched by XxBackupFailing).
        /// </summary>
        public static readonly Setting<BackupLocation?> Backup = new("backups.credentials-backup", "Backups:CredentialsBackup", "",
            "Where the credentials' backup is, kind:where: folder:<path> (a copy of the folder), tar:<file, folder or glob> (a tar archive, plain or gzip; in a folder or glob the newest file counts), or restic:<repository> (the newest snapshot holding the folder); empty: none, reported as reason not_configured.",
            BackupLocation.Parse);

        public static readonly Setting<string> ResticPasswordFile = new("backups.restic-password-file", "Backups:ResticPasswordFile", "",
            "The restic repository's password file, given to restic as RESTIC_PASSWORD_FILE (the exporter never reads it); empty: restic's own environment decides.",
            Parsers.Text) { Kind = SettingKind.Path };

        /// <summary>Any host's by default, as restic's own <c>latest</c> takes: one repository per host is the simple setup.</summary>
        public static readonly Setting<string?> ResticHost = new("backups.restic-host", "Backups:ResticHost", "",
            "Only restic snapshots of this host name count (for a repository shared by the node and the gateway host); empty: any host's.",
            Parsers.Optional);

        public static readonly Setting<TimeSpan> Interval = new("backups.credentials-interval", "Backups:CredentialsInterval", "15m",
            "How often the credentials are compared with their newest backup (each time the archive is read, or restic runs twice).",
            Parsers.Duration("1m", "24h"));

        public static readonly Setting<TimeSpan> Timeout = new("backups.credentials-timeout", "Backups:CredentialsTimeout", "2m",
            "How long one comparison may take, restic's two runs together or the reading of an archive; past it the backup counts as unreadable.",
            Parsers.Duration("1s", "1h"));

        public static IReadOnlyList<Setting> All { get; } = [Folder, Backup, ResticPasswordFile, ResticHost, Interval, Timeout];
    }

    /// <summary>The settings; null when the check is off.</summary>
    public static CredentialsBackupSettings? Read(SettingValues values) => values.Get(Table.Folder) is { Length: > 0 } folder
        ? new()
        {
            Folder = folder, Backup = values.Get(Table.Backup), ResticPasswordFile = values.Get(Table.ResticPasswordFile),
            ResticHost = values.Get(Table.ResticHost), Interval = values.Get(Table.Interval), Timeout = values.Get(Table.Timeout),
        }
        : null;
}

/// <summary>The chain's database on disk (<see cref="ChainStorageSource"/>): its newest snapshot and its size.</summary>
public sealed record ChainStorageSettings
{
    /// <summary>Where snapshots of the chain database go; empty: none watched.</summary>
    public required string Snapshot { get; init; }
    /// <summary>The chain's data folder, whose size is walked; empty: not walked.</summary>
    public required string DataFolder { get; init; }
    public required TimeSpan SizeInterval { get; init; }

    public static class Table
    {
        public static readonly Setting<string> Snapshot = new("chain.snapshot", "Chain:Snapshot", "",
            "Snapshots of the chain database: an archive file, a glob (the newest match counts), or a folder whose newest entry counts, a file or a folder (one folder per snapshot); empty: none watched.",
            text => text.Length == 0 || FileMatch.IsValid(text) ? text : throw new FormatException(FileMatch.Rule)) { Kind = SettingKind.Path };

        /// <summary>The handbook's unit runs the chain with <c>--base-path /opt/xxnetwork/db</c> (docs/xx-node-facts.md, section 4.5).</summary>
        public static readonly Setting<string> DataFolder = new("chain.data-folder", "Chain:DataFolder", "/opt/xxnetwork/db",
            "The chain's data folder (its --base-path), whose size is summed on its own cadence (--chain.data-size-interval), at most a million entries; a folder that does not exist is a host without a chain node; empty: off.",
            Parsers.Text) { Kind = SettingKind.Path };

        /// <summary>A chain database grows by megabytes an hour, and summing hundreds of gigabytes in many files costs a walk of them all.</summary>
        public static readonly Setting<TimeSpan> SizeInterval = new("chain.data-size-interval", "Chain:DataSizeInterval", "1h",
            "How often the chain's data folder is walked to sum its size.", Parsers.Duration("1m", "24h"));

        public static IReadOnlyList<Setting> All { get; } = [Snapshot, DataFolder, SizeInterval];
    }

    public static ChainStorageSettings Read(SettingValues values) => new()
    {
        Snapshot = values.Get(Table.Snapshot), DataFolder = values.Get(Table.DataFolder), SizeInterval = values.Get(Table.SizeInterval),
    };
}

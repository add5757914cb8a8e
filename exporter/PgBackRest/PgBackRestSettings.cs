using XxExporter.Logs;
using XxExporter.Settings;

namespace XxExporter.PgBackRest;

/// <summary>What the pgBackRest source reads: the stanzas (none: the source is off), how it runs the tool, and how often.</summary>
public sealed record PgBackRestSettings
{
    public required IReadOnlyList<string> Stanzas { get; init; }
    public required string Command { get; init; }
    /// <summary>pgbackrest.conf; null: the tool's own default.</summary>
    public required string? ConfigFile { get; init; }
    /// <summary>Where pgBackRest writes <c>&lt;stanza&gt;-backup.log</c>; null: not read.</summary>
    public required string? LogPath { get; init; }
    public required TimeSpan Interval { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required TimeSpan FullEvery { get; init; }
    public required TimeSpan BackupEvery { get; init; }
    /// <summary>The zone of the log's local times: the host's, as for the xx logs (<c>--logs.timezone</c>).</summary>
    public required TimeZoneInfo TimeZone { get; init; }

    public static class Table
    {
        public static readonly Setting<IReadOnlyList<string>> Stanzas = new("pgbackrest.stanzas", "PgBackRest:Stanzas", "",
            "pgBackRest stanzas to read with pgbackrest info (such as cmix_node,cmix_gateway), comma-separated; empty: the pgbackrest collector is off.",
            StanzaList);

        public static readonly Setting<string> Command = new("pgbackrest.command", "PgBackRest:Command", "pgbackrest",
            "The pgbackrest program, run as the exporter's user, which must be able to read its configuration and repository.", Parsers.Text);

        public static readonly Setting<string?> ConfigFile = new("pgbackrest.config", "PgBackRest:Config", "",
            "pgbackrest.conf given to pgbackrest with --config; empty: pgBackRest's own default (/etc/pgbackrest/pgbackrest.conf).", Parsers.Optional)
        { Kind = SettingKind.Path };

        /// <summary>
        /// A failed backup is in no output of <c>pgbackrest info</c>: only in the run's own log. Empty by default, as
        /// the source is off by default and a container has no pgBackRest log to mount.
        /// </summary>
        public static readonly Setting<string?> LogPath = new("pgbackrest.log-path", "PgBackRest:LogPath", "",
            "pgBackRest's log-path (pgBackRest's default is /var/log/pgbackrest), where the last backup run's result is read from <stanza>-backup.log (its times in the zone of --logs.timezone): the only place a failed backup shows; empty: not read.",
            Parsers.Optional)
        { Kind = SettingKind.Path };

        public static readonly Setting<TimeSpan> Interval = new("pgbackrest.interval", "PgBackRest:Interval", "5m",
            "How often pgbackrest info (and the listing of the WAL archive) is run again, in the background; a scrape reports the last result.",
            Parsers.Duration("1s", "24h"));

        public static readonly Setting<TimeSpan> Timeout = new("pgbackrest.timeout", "PgBackRest:Timeout", "30s",
            "How long one pgbackrest command may run before it is stopped and counted as failed.", Parsers.Duration("1s", "10m"));

        public static readonly Setting<TimeSpan> FullEvery = new("pgbackrest.full-every", "PgBackRest:FullEvery", "168h",
            "How often a full backup is scheduled (exported as xx_pgbackrest_backup_schedule_seconds{type=\"full\"}): XxPgBackRestBackupOverdue fires when the newest full backup is 2 hours older than this.",
            Parsers.Duration("1h", "2160h"));

        public static readonly Setting<TimeSpan> BackupEvery = new("pgbackrest.backup-every", "PgBackRest:BackupEvery", "24h",
            "How often a backup of any type (full, diff or incr) is scheduled (xx_pgbackrest_backup_schedule_seconds{type=\"any\"}): XxPgBackRestBackupOverdue fires when the newest backup is 2 hours older than this.",
            Parsers.Duration("1h", "2160h"));

        public static IReadOnlyList<Setting> All { get; } = [Stanzas, Command, ConfigFile, LogPath, Interval, Timeout, FullEvery, BackupEvery];

        /// <summary>pgBackRest's stanza names: letters, digits, '-', '_' and '.' (they name folders and are labels here).</summary>
        private static IReadOnlyList<string> StanzaList(string text)
        {
            string[] stanzas = Parsers.List(text);
            foreach (string stanza in stanzas)
            {
                if (stanza.Length > 64 || !stanza.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                    throw new FormatException($"\"{stanza}\" is not a stanza name (letters, digits, '-', '_' and '.')");
            }
            return stanzas.Distinct(StringComparer.Ordinal).Count() == stanzas.Length ? stanzas : throw new FormatException("a stanza is given twice");
        }
    }

    public static PgBackRestSettings Read(SettingValues values) => new()
    {
        Stanzas = values.Get(Table.Stanzas), Command = values.Get(Table.Command), ConfigFile = values.Get(Table.ConfigFile),
        LogPath = values.Get(Table.LogPath), Interval = values.Get(Table.Interval), Timeout = values.Get(Table.Timeout),
        FullEvery = values.Get(Table.FullEvery), BackupEvery = values.Get(Table.BackupEvery), TimeZone = values.Get(LogSettings.Table.TimeZone),
    };
}

using XxExporter.PgBackRest;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.PgBackRest;

/// <summary>
/// The readers of pgBackRest's output on what pgBackRest 2.45 (Debian 12) wrote for a PostgreSQL 15 cluster archiving
/// to a local repository (Captures/: a stanza with no backup, a full and an incremental, a differential that found a
/// corrupted page, a stanza that does not exist, the archive's log folders and the segments of one after a segment was deleted, and the backup log
/// ending with a run against the stopped cluster).
/// </summary>
public sealed class PgBackRestInfoTests
{
    private static string Capture(string name) => File.ReadAllText(Repository.PathOf($"tests/XxExporter.Tests/PgBackRest/Captures/{name}"));

    [Fact]
    public void A_full_and_an_incremental_backup()
    {
        var stanza = Assert.Single(PgBackRestInfo.ParseInfo(Capture("info-full-incr.json")));

        Assert.Equal(("demo", 0, "ok", false), (stanza.Name, stanza.StatusCode, stanza.StatusMessage, stanza.BackupRunning));
        Assert.Equal(new RepoStatus(1, 0, "ok"), Assert.Single(stanza.Repositories));
        Assert.Equal(new Archive(1, 1, "15-1", "000000010000000000000004"), stanza.ArchiveOf(1));
        var backups = stanza.BackupsOf(1).ToList();
        Assert.Equal(
        [
            new Backup("20261207-030842F", BackupType.Full, 1, 1, "000000010000000000000002", DateTimeOffset.FromUnixTimeSeconds(1796612928), 22992508, 3056822, false),
            new Backup("20261207-030842F_20261207-030849I", BackupType.Incr, 1, 1, "000000010000000000000004", DateTimeOffset.FromUnixTimeSeconds(1796612930), 23361148, 205371, false),
        ], backups);
    }

    [Fact]
    public void A_stanza_before_its_first_backup_has_no_valid_backups_and_an_empty_archive()
    {
        var stanza = Assert.Single(PgBackRestInfo.ParseInfo(Capture("info-no-backups.json")));

        Assert.Equal((2, "no valid backups"), (stanza.StatusCode, stanza.StatusMessage));
        Assert.Equal("no_valid_backups", PgBackRestInfo.StatusWord(stanza.Repositories[0].StatusCode));
        Assert.Empty(stanza.BackupsOf(1));
        Assert.Null(stanza.ArchiveOf(1)!.Max);
    }

    [Fact]
    public void A_stanza_that_does_not_exist_has_no_database_and_no_archive()
    {
        var stanza = Assert.Single(PgBackRestInfo.ParseInfo(Capture("info-missing-stanza.json")));

        Assert.Equal(("nope", 1, "missing_stanza_path"), (stanza.Name, stanza.Repositories[0].StatusCode, PgBackRestInfo.StatusWord(stanza.Repositories[0].StatusCode)));
        Assert.Null(stanza.ArchiveOf(1));
        Assert.Empty(stanza.BackupsOf(1));
    }

    [Fact]
    public void A_backup_that_found_a_bad_page_checksum_is_flagged_and_its_file_named_by_info_set()
    {
        var stanza = Assert.Single(PgBackRestInfo.ParseInfo(Capture("info-checksum-error.json")));
        var newest = stanza.BackupsOf(1).Last();

        Assert.Equal(("20261207-030842F_20261207-030852D", BackupType.Diff, true), (newest.Label, newest.Type, newest.ChecksumError));
        Assert.Equal(0, stanza.StatusCode);   // info stays ok
        Assert.Equal(["base/5/16384"], PgBackRestInfo.ChecksumErrorFiles(Capture("info-set-checksum-error.json"), newest.Label));
        Assert.Throws<FormatException>(() => PgBackRestInfo.ChecksumErrorFiles(Capture("info-set-checksum-error.json"), "20261207-030842F"));
    }

    private static WalContinuity Continuity(string from, IEnumerable<(string Path, DateTimeOffset Modified)> files)
    {
        var segments = new PgBackRestInfo.WalSegments();
        foreach (var (path, modified) in files) segments.Add(path, modified);
        return segments.ContinuityFrom(from);
    }

    [Fact]
    public void A_segment_deleted_from_the_archive_is_a_gap_after_the_oldest_backup_start()
    {
        Assert.Equal(["0000000100000000"], PgBackRestInfo.LogFoldersFrom(Capture("repo-ls-archive.json"), "000000010000000000000002"));
        var files = PgBackRestInfo.ParseListing(Capture("repo-ls-log-folder-gap.json"));

        var gap = Continuity("000000010000000000000002", files);
        Assert.Equal(new WalContinuity(1, "000000010000000000000007", DateTimeOffset.FromUnixTimeSeconds(1796612934), "0000000000000005"), gap);
        // From after the hole on, the archive is whole.
        Assert.Equal(0, Continuity("000000010000000000000006", files).MissingSegments);
        Assert.Equal(new WalContinuity(1, null, null, "0000000000000002"), Continuity("000000010000000000000002", []));
    }

    [Fact]
    public void Only_the_log_folders_of_every_timeline_from_the_oldest_backup_on_are_listed()
    {
        const string archive = """
            {".":{"type":"path"},"0000000100000003":{"type":"path"},"0000000100000004":{"type":"path"},
             "0000000200000004":{"type":"path"},"0000000200000005":{"type":"path"},"00000002.history":{"type":"file","size":42,"time":1}}
            """;

        Assert.Equal(["0000000100000004", "0000000200000004", "0000000200000005"], PgBackRestInfo.LogFoldersFrom(archive, "0000000100000004000000A0"));
    }

    [Theory]
    // A log's last segment is followed by the next log's first (16 MiB segments: 256 to a log).
    [InlineData(0, "0000000100000000000000FE", "0000000100000000000000FF", "000000010000000100000000")]
    [InlineData(1, "0000000100000000000000FE", "000000010000000100000000")]
    // After a promotion the new timeline goes on from the segment the old one left off at.
    [InlineData(0, "000000010000000000000003", "000000010000000000000004", "000000020000000000000004", "000000020000000000000005")]
    [InlineData(2, "000000010000000000000003", "000000020000000000000006")]
    public void Continuity_follows_positions_across_logs_and_timelines(long missing, params string[] segments)
    {
        var files = segments.Select(name => ($"{name[..16]}/{name}-0123456789abcdef0123456789abcdef01234567.zst", DateTimeOffset.UnixEpoch)).ToList();

        Assert.Equal(missing, Continuity(segments[0], files).MissingSegments);
    }

    [Fact]
    public void The_last_backup_run_of_the_log_failed_with_pgbackrests_error()
    {
        var run = PgBackRestInfo.LastRun(Capture("demo-backup-failed.log"), TimeZoneInfo.Utc);

        Assert.Equal(new CommandRun(new DateTimeOffset(2026, 12, 7, 3, 8, 58, 976, TimeSpan.Zero), false, "[056]: unable to find primary cluster - cannot proceed"), run);
    }

    [Fact]
    public void A_run_under_way_leaves_the_one_before_as_the_last_and_its_times_are_local()
    {
        string log = Capture("demo-backup-failed.log");
        // The log as it stood while the failing run had begun but not yet ended.
        string running = log[..log.IndexOf("ERROR: [056]", StringComparison.Ordinal)];
        var zone = TimeZoneInfo.CreateCustomTimeZone("UTC+2", TimeSpan.FromHours(2), "UTC+2", "UTC+2");

        Assert.Equal(new CommandRun(new DateTimeOffset(2026, 12, 7, 3, 8, 54, 810, TimeSpan.FromHours(2)), true, null), PgBackRestInfo.LastRun(running, zone));
        Assert.Null(PgBackRestInfo.LastRun("", TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("WARN: not json")]
    [InlineData("{}")]
    [InlineData("[{\"name\":\"demo\"}]")]
    public void Output_that_is_not_info_json_is_refused_with_a_reason(string output) =>
        Assert.Throws<FormatException>(() => PgBackRestInfo.ParseInfo(output));
}

using System.Formats.Tar;
using System.IO.Compression;
using XxExporter.Backups;
using XxExporter.Settings;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Backups;

/// <summary>The credentials' backup check as the exporter builds it, against a folder copy and tar archives on disk.</summary>
public sealed class CredentialsBackupSourceTests : IDisposable
{
    private static readonly DateTime Taken = new(2026, 11, 30, 3, 0, 0, DateTimeKind.Utc);
    private readonly TempFolder _host = new();
    private readonly string _cred;

    public CredentialsBackupSourceTests()
    {
        _cred = Directory.CreateDirectory(_host.File("opt/xxnetwork/cred")).FullName;
        File.WriteAllText(Path.Combine(_cred, "cmix-IDF.json"), "{\"hexNodeID\":\"0x01\"}");
        File.WriteAllText(Path.Combine(_cred, "cmix-key.key"), "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n");
        File.WriteAllText(Path.Combine(_cred, "cmix-cert.crt"), "-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n");
    }

    public void Dispose() => _host.Dispose();

    private SourceHarness Harness(string backup, string? folder = null) => new(CredentialsBackupSource.Registration, new()
    {
        [CredentialsBackupSettings.Table.Folder] = folder ?? _cred, [CredentialsBackupSettings.Table.Backup] = backup,
    });

    private static Task<Exposition> Checked(SourceHarness harness) => harness.ScrapeUntil("xx_credentials_backup_problem{reason=\"not_configured\"}");

    private static void AssertProblems(Exposition m, string? reason = null, int value = 1)
    {
        foreach (string each in BackupProblem.All)
            Assert.Equal(each == reason ? value : 0, m[$"xx_credentials_backup_problem{{reason=\"{each}\"}}"]);
    }

    /// <summary>A copy of the live folder, made now; then each file given the time of the backup.</summary>
    private string Copy(string name)
    {
        string copy = Directory.CreateDirectory(_host.File(name)).FullName;
        foreach (string file in Directory.GetFiles(_cred)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        foreach (string file in Directory.GetFiles(copy)) File.SetLastWriteTimeUtc(file, Taken);
        return copy;
    }

    /// <summary>tar czf <paramref name="archive"/> -C opt/xxnetwork cred, as the default backup target's help suggests.</summary>
    private void Archive(string archive, DateTime taken, bool gzip = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        using (var file = File.Create(archive))
        using (var packed = gzip ? new GZipStream(file, CompressionLevel.Fastest) : (Stream)file)
            TarFile.CreateFromDirectory(_cred, packed, includeBaseDirectory: true);
        File.SetLastWriteTimeUtc(archive, taken);
    }

    [Fact]
    public async Task Without_a_backup_configured_the_check_says_so_and_compares_nothing()
    {
        var m = await Checked(Harness(""));

        AssertProblems(m, BackupProblem.NotConfigured);
        Assert.DoesNotContain("xx_credentials_backup_file_equal{", m.Text);
        Assert.False(m.Has("xx_credentials_backup_timestamp_seconds"));
    }

    [Fact]
    public void An_empty_credentials_folder_setting_turns_the_check_off() => Assert.False(Harness("", folder: "").Built);

    [Fact]
    public async Task A_folder_copy_equal_to_the_live_files_is_no_problem()
    {
        string copy = Copy("copy");

        var m = await Checked(Harness($"folder:{copy}"));

        AssertProblems(m);
        foreach (string file in new[] { "cmix-IDF.json", "cmix-key.key", "cmix-cert.crt" })
            Assert.Equal(1, m[$"xx_credentials_backup_file_equal{{file=\"{file}\"}}"]);
        Assert.Equal(new DateTimeOffset(Taken).ToUnixTimeSeconds(), m["xx_credentials_backup_timestamp_seconds"]);
    }

    [Fact]
    public async Task A_file_changed_and_one_added_since_the_copy_are_told_apart_and_named_in_the_log()
    {
        string copy = Copy("copy");
        File.WriteAllText(Path.Combine(_cred, "cmix-cert.crt"), "-----BEGIN CERTIFICATE-----\nrenewed\n-----END CERTIFICATE-----\n");
        File.WriteAllText(Path.Combine(_cred, "gateway-cert.crt"), "-----BEGIN CERTIFICATE-----\ngateway\n-----END CERTIFICATE-----\n");
        var harness = Harness($"folder:{copy}");

        var m = await Checked(harness);

        Assert.Equal(1, m["xx_credentials_backup_problem{reason=\"differs\"}"]);
        Assert.Equal(1, m["xx_credentials_backup_problem{reason=\"missing_file\"}"]);
        Assert.Equal(0, m["xx_credentials_backup_problem{reason=\"unreadable\"}"]);
        Assert.Equal(1, m["xx_credentials_backup_file_equal{file=\"cmix-key.key\"}"]);
        Assert.Equal(0, m["xx_credentials_backup_file_equal{file=\"cmix-cert.crt\"}"]);
        Assert.Equal(0, m["xx_credentials_backup_file_equal{file=\"gateway-cert.crt\"}"]);
        Assert.Contains("the newest backup (folder, of 2026-11-30 03:00:00 UTC) lacks gateway-cert.crt; holds other content for cmix-cert.crt", harness.Logs.All);
        Assert.DoesNotContain("secret", harness.Logs.All + m.Text); // a key's content never leaves
    }

    [Fact]
    public async Task An_empty_or_missing_copy_folder_is_no_backup()
    {
        var m = await Checked(Harness($"folder:{Directory.CreateDirectory(_host.File("empty")).FullName}"));
        AssertProblems(m, BackupProblem.NoBackup);

        m = await Checked(Harness($"folder:{_host.File("not-there")}"));
        AssertProblems(m, BackupProblem.NoBackup);
    }

    [Fact]
    public async Task The_newest_archive_of_a_folder_counts_plain_or_gzip()
    {
        string backups = _host.File("backup/cred");
        Archive(Path.Combine(backups, "2026-11-29.tar"), Taken.AddDays(-1), gzip: false);
        var harness = Harness($"tar:{backups}");
        var m = await Checked(harness);
        AssertProblems(m);
        Assert.Equal(new DateTimeOffset(Taken.AddDays(-1)).ToUnixTimeSeconds(), m["xx_credentials_backup_timestamp_seconds"]);

        // The key rewritten, then a newer archive made of it: the newest is equal; the older one is no longer looked at.
        File.WriteAllText(Path.Combine(_cred, "cmix-key.key"), "rewritten");
        Archive(Path.Combine(backups, "2026-11-30.tgz"), Taken);
        m = await Checked(Harness($"tar:{backups}"));
        AssertProblems(m);
        Assert.Equal(new DateTimeOffset(Taken).ToUnixTimeSeconds(), m["xx_credentials_backup_timestamp_seconds"]);

        // A glob that matches only the older archive: the key differs there.
        m = await Checked(Harness($"tar:{backups}/*.tar"));
        AssertProblems(m, BackupProblem.Differs);
        Assert.Equal(0, m["xx_credentials_backup_file_equal{file=\"cmix-key.key\"}"]);
    }

    [Fact]
    public async Task A_damaged_newest_archive_is_unreadable_with_its_reason_and_none_is_no_backup()
    {
        string backups = _host.File("backup/cred");
        Archive(Path.Combine(backups, "2026-11-29.tgz"), Taken.AddDays(-1));
        File.WriteAllBytes(Path.Combine(backups, "2026-11-30.tgz"), File.ReadAllBytes(Path.Combine(backups, "2026-11-29.tgz"))[..40]); // a full disk
        var harness = Harness($"tar:{backups}");

        var m = await Checked(harness);

        AssertProblems(m, BackupProblem.Unreadable);
        Assert.DoesNotContain("xx_credentials_backup_file_equal{", m.Text);
        Assert.Contains($"its backup (--backups.credentials-backup) cannot be read: {backups}/2026-11-30.tgz: ", harness.Logs.All);

        m = await Checked(Harness($"tar:{_host.File("backup/none-*.tgz")}"));
        AssertProblems(m, BackupProblem.NoBackup);
    }

    [Fact]
    public void The_check_and_its_settings_are_registered_and_documented()
    {
        Assert.Contains(CredentialsBackupSource.Registration, XxExporter.Telemetry.SourceRegistry.All);
        Assert.Equal("/opt/xxnetwork/cred", CredentialsBackupSettings.Table.Folder.Default);
        Assert.Equal("", CredentialsBackupSettings.Table.Backup.Default);
        Assert.Contains(CredentialsBackupSettings.Table.Backup, XxExporter.Hosting.ExporterSettings.Table.All);
        Assert.Equal("invalid --backups.credentials-backup \"zip:/x\": must be folder:<path>, tar:<path, folder or glob> or restic:<repository>",
            Assert.Throws<SettingsException>(() => CredentialsBackupSettings.Table.Backup.Parse("zip:/x")).Message);
    }
}

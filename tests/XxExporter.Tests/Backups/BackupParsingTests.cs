using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using XxExporter.Backups;

namespace XxExporter.Tests.Backups;

/// <summary>The pure parts of the credentials' backup check, on tables: archive paths, restic's snapshot list, the setting, the comparison, tar streams.</summary>
public sealed class BackupParsingTests
{
    private static readonly CredentialsPaths Cred = new("/opt/xxnetwork/cred");

    [Theory]
    [InlineData("cmix-IDF.json", "cmix-IDF.json", 0)]              // tar -C /opt/xxnetwork/cred cmix-IDF.json ...
    [InlineData("./cmix-IDF.json", "cmix-IDF.json", 0)]            // tar -C /opt/xxnetwork/cred .
    [InlineData("cred/cmix-key.key", "cmix-key.key", 1)]          // tar -C /opt/xxnetwork cred
    [InlineData("./cred/cmix-key.key", "cmix-key.key", 1)]
    [InlineData("xxnetwork/cred/cmix-cert.crt", "cmix-cert.crt", 2)]
    [InlineData("opt/xxnetwork/cred/cmix-cert.crt", "cmix-cert.crt", 3)] // tar of /, and restic dump
    [InlineData("/opt/xxnetwork/cred/cmix-cert.crt", "cmix-cert.crt", 3)] // tar -P
    [InlineData("backup/cred/cmix-IDF.json", null, 0)]            // another folder of the same name
    [InlineData("cred/old/cmix-IDF.json", null, 0)]               // a subfolder of the credentials
    [InlineData("opt/xxnetwork/log/cmix.log", null, 0)]
    [InlineData("cred/", null, 0)]                                // the folder's own entry
    public void An_archive_entry_is_a_credential_when_its_folder_ends_the_live_folders_path(string entry, string? name, int match)
    {
        var found = Cred.Of(entry);

        Assert.Equal(name, found?.Name);
        if (name is not null) Assert.Equal(match, found!.Value.Match);
    }

    /// <summary>What restic 0.14 (Debian 12) printed for a repository with two hosts' snapshots (ids and trees cut).</summary>
    private const string Snapshots = """
        [{"time":"2026-12-07T03:08:50.113256297Z","tree":"c11bac0a","paths":["/opt/xxnetwork/cred"],"hostname":"node-1","username":"root","id":"510083789c32793435fdd747313977f4e7bd97dae03ae63c2f75e408bb41dd7c","short_id":"51008378"},
         {"time":"2026-12-08T01:00:00.5+01:00","tree":"d2","paths":["/opt/xxnetwork"],"hostname":"node-1","username":"root","id":"a2","short_id":"a2"},
         {"time":"2026-12-09T00:00:00Z","tree":"d3","paths":["/etc","/opt/xxnetwork/log"],"hostname":"node-1","username":"root","id":"a3","short_id":"a3"},
         {"time":"2026-12-09T06:00:00.000000001Z","tree":"d4","paths":["/"],"hostname":"gateway-1","username":"root","id":"a4","short_id":"a4"}]
        """;

    [Fact]
    public void Restics_snapshot_list_is_read_with_nanosecond_times_and_offsets()
    {
        var snapshots = ResticSnapshots.Parse(Snapshots);

        Assert.Equal(4, snapshots.Count);
        Assert.Equal("510083789c32793435fdd747313977f4e7bd97dae03ae63c2f75e408bb41dd7c", snapshots[0].Id);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 3, 8, 50, TimeSpan.Zero).AddTicks(1132562), snapshots[0].Time);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, 500, TimeSpan.Zero), snapshots[1].Time.ToUniversalTime());
        Assert.Equal(["/etc", "/opt/xxnetwork/log"], snapshots[2].Paths);
        Assert.Equal("gateway-1", snapshots[3].Host);
    }

    [Theory]
    [InlineData(null, "a4")]       // any host: the gateway's snapshot of / is the newest holding the folder
    [InlineData("node-1", "a2")]   // a3 is newer but holds only the logs
    [InlineData("standby", null)]
    public void The_newest_snapshot_holding_the_folder_is_chosen(string? host, string? id) =>
        Assert.Equal(id, ResticSnapshots.Newest(ResticSnapshots.Parse(Snapshots), "/opt/xxnetwork/cred", host)?.Id);

    [Theory]
    [InlineData("/", true)]
    [InlineData("/opt", true)]
    [InlineData("/opt/xxnetwork/", true)]
    [InlineData("/opt/xxnetwork/cred", true)]
    [InlineData("/opt/xxnetwork/cred/cmix-IDF.json", false)] // one file of it is not the folder
    [InlineData("/opt/xxnetwork/credentials", false)]
    [InlineData("/opt/xx", false)]
    public void A_snapshot_path_holds_the_folder_when_it_is_the_folder_or_above_it(string path, bool holds) =>
        Assert.Equal(holds, ResticSnapshots.Holds(path, "/opt/xxnetwork/cred"));

    [Theory]
    [InlineData("{}")]
    [InlineData("[{\"id\":\"a\"}]")]
    [InlineData("[{\"id\":\"a\",\"time\":\"yesterday\"}]")]
    [InlineData("not json")]
    public void What_is_no_snapshot_list_is_refused_as_unreadable(string json) =>
        Assert.Throws<InvalidDataException>(() => ResticSnapshots.Parse(json));

    [Theory]
    [InlineData("folder:/srv/copy/cred", BackupKind.Folder, "/srv/copy/cred")]
    [InlineData("tar:/opt/xxnetwork/backup/cred", BackupKind.Tar, "/opt/xxnetwork/backup/cred")]
    [InlineData("tar:/backup/cred-*.tgz", BackupKind.Tar, "/backup/cred-*.tgz")]
    [InlineData("restic:/srv/restic", BackupKind.Restic, "/srv/restic")]
    [InlineData("restic:sftp:backup@store.invalid:/srv/restic", BackupKind.Restic, "sftp:backup@store.invalid:/srv/restic")]
    public void The_backup_setting_names_a_kind_and_where(string text, BackupKind kind, string where) =>
        Assert.Equal(new BackupLocation(kind, where), BackupLocation.Parse(text));

    [Theory]
    [InlineData("/srv/copy", "must be folder:<path>, tar:<path, folder or glob> or restic:<repository>")]
    [InlineData("zip:/srv/cred.zip", "must be folder:<path>, tar:<path, folder or glob> or restic:<repository>")]
    [InlineData("tar:", "tar: names no path")]
    [InlineData("folder:backup/cred", "folder: backup/cred is not an absolute path")]
    public void A_backup_setting_of_no_kind_or_no_path_is_refused(string text, string problem) =>
        Assert.Equal(problem, Assert.Throws<FormatException>(() => BackupLocation.Parse(text)).Message);

    [Fact]
    public void No_setting_is_no_backup_configured() => Assert.Null(BackupLocation.Parse(""));

    [Fact]
    public void Each_live_file_is_equal_missing_or_different_in_the_backup()
    {
        var live = new Dictionary<string, byte[]> { ["b.key"] = [2], ["a-IDF.json"] = [1], ["c.crt"] = [3] };
        var backup = new Dictionary<string, byte[]> { ["a-IDF.json"] = [1], ["c.crt"] = [4], ["extra.crt"] = [5] };

        Assert.Equal([("a-IDF.json", FileInBackup.Equal), ("b.key", FileInBackup.Missing), ("c.crt", FileInBackup.Differs)],
            CredentialsComparison.Compare(live, backup));
    }

    private static readonly IReadOnlySet<string> Names = new HashSet<string> { "cmix-IDF.json", "cmix-key.key" };

    private static byte[] Tar(params (string Name, string Content)[] entries)
    {
        using var archive = new MemoryStream();
        using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = new PaxTarEntry(name.EndsWith('/') ? TarEntryType.Directory : TarEntryType.RegularFile, name);
                if (!name.EndsWith('/')) entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
                writer.WriteEntry(entry);
            }
        }
        return archive.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return packed.ToArray();
    }

    private static string Hex(string content) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private static Dictionary<string, string> Read(byte[] archive) =>
        TarCredentials.Read(new MemoryStream(archive), Cred, Names, CancellationToken.None).ToDictionary(file => file.Key, file => Convert.ToHexString(file.Value));

    [Fact]
    public void A_plain_and_a_gzip_tar_give_the_credentials_files_and_nothing_else()
    {
        byte[] tar = Tar(("cred/", ""), ("cred/cmix-IDF.json", "idf"), ("cred/cmix-key.key", "key"), ("cred/notes.txt", "not asked for"), ("log/cmix-key.key", "elsewhere"));

        var expected = new Dictionary<string, string> { ["cmix-IDF.json"] = Hex("idf"), ["cmix-key.key"] = Hex("key") };
        Assert.Equal(expected, Read(tar));
        Assert.Equal(expected, Read(Gzip(tar)));
    }

    [Fact]
    public void The_entry_naming_more_of_the_folder_wins_and_a_later_copy_replaces_an_earlier()
    {
        byte[] tar = Tar(("opt/xxnetwork/cred/cmix-IDF.json", "full path"), ("cmix-IDF.json", "top"),
            ("cred/cmix-key.key", "first"), ("cred/cmix-key.key", "appended")); // tar -r

        Assert.Equal(new Dictionary<string, string> { ["cmix-IDF.json"] = Hex("full path"), ["cmix-key.key"] = Hex("appended") }, Read(tar));
    }

    [Theory]
    [InlineData(new byte[] { 0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0, 1, 2 }, "it is compressed with xz, which is not read: archive with tar alone or tar -z (gzip)")]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9', 1, 2 }, "it is compressed with bzip2, which is not read: archive with tar alone or tar -z (gzip)")]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 1, 2 }, "it is compressed with zstd, which is not read: archive with tar alone or tar -z (gzip)")]
    public void Other_compressions_are_named_and_refused(byte[] archive, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidDataException>(() => Read(archive)).Message);

    [Fact]
    public void A_cut_or_damaged_archive_is_refused_as_unreadable()
    {
        byte[] tar = Tar(("cred/cmix-IDF.json", new string('x', 4000)));

        Assert.Throws<InvalidDataException>(() => Read(tar[..1000]));        // cut in the middle of the file's data
        Assert.Throws<InvalidDataException>(() => Read(Gzip(tar)[..60]));    // a gzip stream cut short
        Assert.Throws<InvalidDataException>(() => Read(Encoding.UTF8.GetBytes(new string('x', 1024)))); // no tar header
    }
}

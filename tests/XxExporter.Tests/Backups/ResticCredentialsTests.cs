using System.Runtime.Versioning;
using System.Text.Json;
using XxExporter.Backups;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Backups;

/// <summary>
/// A real restic repository (Debian's restic) in a temporary folder, made and backed up with the commands of
/// docs/backups.md's recipe (<see cref="Recipe"/>), read by the credentials' backup check as the exporter runs it.
/// </summary>
[FullLane]
[UnsupportedOSPlatform("windows")]
public sealed class ResticCredentialsTests : IAsyncLifetime
{
    private readonly TempFolder _host = new();
    private string _cred = "", _repository = "", _passwordFile = "";

    public async Task InitializeAsync()
    {
        _cred = Directory.CreateDirectory(_host.File("opt/xxnetwork/cred")).FullName;
        File.WriteAllText(Path.Combine(_cred, "cmix-IDF.json"), "{\"hexNodeID\":\"0x01\"}");
        File.WriteAllText(Path.Combine(_cred, "cmix-key.key"), "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n");
        // A DER certificate is no text: its bytes must come through restic dump unchanged.
        File.WriteAllBytes(Path.Combine(_cred, "cmix-cert.der"), [0x30, 0x82, 0xFF, 0x00, 0xC3, 0x28]);
        _repository = _host.File("restic");
        _passwordFile = _host.File("etc/xx-restic/password");
        Directory.CreateDirectory(_host.File("etc"));
        var (_, group) = await Repository.RunAsync("id", "-gn");
        // The exporter's group is the test's own (what is checked: the commands run and keep the repository group-readable);
        // replaced first, as the test's folders have "xx-exporter" in their names.
        await Shell(Recipe.Block("restic-init", [("xx-exporter", group.Trim()), .. ResticPaths]));
    }

    /// <summary>The page's repository and password folder, here.</summary>
    private (string Page, string Here)[] ResticPaths =>
        [("/srv/backup/xx-cred", _repository), ("/etc/xx-restic", Path.GetDirectoryName(_passwordFile)!)];

    private static async Task Shell(string commands)
    {
        var (code, output) = await Repository.RunAsync("bash", "-euo", "pipefail", "-c", commands);
        Assert.True(code == 0, $"{commands}: {output}");
    }

    /// <summary>The recipe's daily snapshot: its cron line's command, run now.</summary>
    private Task Snapshot()
    {
        string line = Recipe.Block("restic-cron", [.. ResticPaths, ("/opt/xxnetwork/cred", _cred)]).Split('\n').Single(line => line.Length > 0 && !line.StartsWith('#'));
        // Five time fields and the user, then the command.
        return Shell(line.Split(' ', 7, StringSplitOptions.RemoveEmptyEntries)[6]);
    }

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    private async Task<string> Restic(params string[] arguments)
    {
        var (code, output) = await Repository.RunAsync("restic", ["-r", _repository, "--password-file", _passwordFile, .. arguments]);
        Assert.True(code == 0, $"restic {string.Join(' ', arguments)}: {output}");
        return output;
    }

    private SourceHarness Harness(string? passwordFile = null, string host = "") => new(CredentialsBackupSource.Registration, new()
    {
        [CredentialsBackupSettings.Table.Folder] = _cred, [CredentialsBackupSettings.Table.Backup] = $"restic:{_repository}",
        [CredentialsBackupSettings.Table.ResticPasswordFile] = passwordFile ?? _passwordFile, [CredentialsBackupSettings.Table.ResticHost] = host,
    });

    private static Task<Exposition> Checked(SourceHarness harness) => harness.ScrapeUntil("xx_credentials_backup_problem{reason=\"not_configured\"}");

    private static void AssertProblems(Exposition m, string? reason = null, int value = 1)
    {
        foreach (string each in BackupProblem.All)
            Assert.Equal(each == reason ? value : 0, m[$"xx_credentials_backup_problem{{reason=\"{each}\"}}"]);
    }

    /// <summary>The newest snapshot's time as restic lists it, to the second.</summary>
    private async Task<long> NewestSnapshotTime()
    {
        using var listed = JsonDocument.Parse((await Restic("snapshots", "--json", "--latest", "1")).Split('\n')[0]);
        string time = listed.RootElement.EnumerateArray().Last().GetProperty("time").GetString()!;
        return DateTimeOffset.Parse(time[..19] + "Z").ToUnixTimeSeconds();
    }

    [Fact]
    public async Task A_snapshot_of_the_folder_equal_to_the_live_files_then_changed_then_added_to()
    {
        await Snapshot();
        // restic keeps the repository group-readable, as the recipe's exporter user needs.
        Assert.All(Directory.GetFiles(_repository, "*", SearchOption.AllDirectories),
            file => Assert.True(File.GetUnixFileMode(file).HasFlag(UnixFileMode.GroupRead), file));
        var m = await Checked(Harness());
        AssertProblems(m);
        Assert.Equal(1, m["xx_credentials_backup_file_equal{file=\"cmix-cert.der\"}"]);
        Assert.Equal(await NewestSnapshotTime(), m["xx_credentials_backup_timestamp_seconds"]);

        // The certificate replaced and a gateway IDF added after the snapshot: one differs, one is missing.
        File.WriteAllBytes(Path.Combine(_cred, "cmix-cert.der"), [0x30, 0x82, 0xFF, 0x00, 0xC3, 0x29]);
        File.WriteAllText(Path.Combine(_cred, "gateway-IDF.json"), "{}");
        m = await Checked(Harness());
        Assert.Equal(1, m["xx_credentials_backup_problem{reason=\"differs\"}"]);
        Assert.Equal(1, m["xx_credentials_backup_problem{reason=\"missing_file\"}"]);
        Assert.Equal(0, m["xx_credentials_backup_file_equal{file=\"cmix-cert.der\"}"]);
        Assert.Equal(1, m["xx_credentials_backup_file_equal{file=\"cmix-key.key\"}"]);

        // A snapshot of a folder above the credentials, taken after: the newest holding them, equal again.
        await Restic("backup", Path.GetDirectoryName(_cred)!);
        m = await Checked(Harness());
        AssertProblems(m);
        Assert.Equal(1, m["xx_credentials_backup_file_equal{file=\"gateway-IDF.json\"}"]);
    }

    [Fact]
    public async Task A_wrong_password_is_unreadable_with_restics_own_words_and_no_password_anywhere()
    {
        await Snapshot();
        string password = File.ReadAllText(_passwordFile).Trim();
        string wrong = _host.File("wrong-password");
        File.WriteAllText(wrong, "not " + password);
        var harness = Harness(passwordFile: wrong);

        var m = await Checked(harness);

        AssertProblems(m, BackupProblem.Unreadable);
        Assert.Contains("its backup (--backups.credentials-backup) cannot be read: restic_snapshots: restic exited with code 1: ", harness.Logs.All);
        Assert.Contains("wrong password", harness.Logs.All);
        Assert.DoesNotContain(password, harness.Logs.All + m.Text);
        Assert.Contains("xx_exporter_command_failures_total{command=\"restic_snapshots\",reason=\"exit_code\"} 1", m.Text);
    }

    [Fact]
    public async Task A_repository_without_a_snapshot_of_the_folder_or_of_this_host_is_no_backup()
    {
        var harness = Harness();
        var m = await Checked(harness);
        AssertProblems(m, BackupProblem.NoBackup);
        Assert.Contains("the restic repository holds no snapshot", harness.Logs.All);

        string logs = Directory.CreateDirectory(_host.File("opt/xxnetwork/log")).FullName;
        File.WriteAllText(Path.Combine(logs, "cmix.log"), "INFO 2026/12/07 03:00:00 started\n");
        await Restic("backup", logs);
        await Restic("backup", "--host", "gateway-1", _cred);
        harness = Harness(host: "node-1");
        m = await Checked(harness);
        AssertProblems(m, BackupProblem.NoBackup);
        Assert.Contains($"none of the 2 snapshots in the restic repository of host node-1 holds {_cred} (hosts: ", harness.Logs.All);

        m = await Checked(Harness(host: "gateway-1"));
        AssertProblems(m);
    }
}

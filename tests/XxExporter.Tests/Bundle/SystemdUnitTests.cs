using System.Text.RegularExpressions;
using XxExporter.Backups;
using XxExporter.Settings;
using XxExporter.Hosting;
using XxExporter.Logs;
using XxExporter.Postgres;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// deploy/systemd/: the unit, its user and its settings file, checked with Debian's systemd tools (apt-get install
/// systemd; they work offline, no running systemd is needed) and against the exporter's own flag table.
/// </summary>
public partial class SystemdUnitTests
{
    private static string Deployed(string name) => Repository.PathOf(Path.Combine("deploy", "systemd", name));

    private static readonly string Unit = File.ReadAllText(Deployed("xx-exporter.service"));

    /// <summary>The exporter unit's settings.</summary>
    private static ILookup<string, string> Directives() => DirectivesOf("xx-exporter.service");

    private static string Directive(string key) => Assert.Single(Directives()[key]);

    [Fact]
    public async Task Unit_passes_systemd_analyze_verify_without_a_warning()
    {
        using var folder = new TempFolder();
        string unit = WithBuiltExporter(folder);
        var (code, output) = await Repository.RunAsync("systemd-analyze", "verify", "--man=no", unit);
        Assert.True(code == 0 && output.Length == 0, output);   // unknown keys and bad values are only warnings
    }

    [Fact]
    public async Task Unit_is_hardened_by_systemd_analyze_security()
    {
        using var folder = new TempFolder();
        // Exposure on systemd's 0-100 scale (shown as 0.0-10.0): at most 2.0, "OK"; each protection dropped raises it.
        var (code, output) = await Repository.RunAsync("systemd-analyze", "security", "--offline=yes", "--threshold=20", WithBuiltExporter(folder));
        Assert.True(code == 0, output);
        Assert.Equal("", Directive("CapabilityBoundingSet"));
        Assert.Equal("strict", Directive("ProtectSystem"));
    }

    [Fact]
    public void Unit_waits_for_the_exporters_ready_notification_and_lets_it_see_that_systemd_started_it()
    {
        Assert.Equal("notify", Directive("Type"));   // sent once listening: Hosting/SystemdTests
        // .NET decides it runs under systemd from /proc/<parent>/comm; a hidden PID 1 means no READY=1, ever.
        Assert.DoesNotContain(Directives()["ProtectProc"], value => value is "invisible" or "ptraceable" or "noaccess");
    }

    [Fact]
    public void ExecStart_flags_are_exporter_flags_pointing_at_the_units_state_and_credential()
    {
        var words = Directive("ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/usr/local/bin/xx-exporter", words[0]);
        var flags = CommandLine.Parse(words[1..]).Flags;   // throws on a flag the exporter does not know

        Assert.Equal($"%S/{Directive("StateDirectory")}/positions.json", flags[LogSettings.Table.PositionsFile]);
        string credential = Directive("LoadCredential").Split(':')[0];
        Assert.Equal($"%d/{credential}", flags[PostgresSettings.Table.Node.PasswordFile]);
        Assert.Equal($"%d/{credential}", flags[PostgresSettings.Table.Gateway.PasswordFile]);
    }

    [Fact]
    public void Environment_file_names_only_exporter_settings_and_its_values_are_valid()
    {
        string[] lines = File.ReadAllLines(Deployed("xx-exporter.env"));
        // Commented-out examples too: an operator enables them as written.
        var named = lines.Select(l => Assignment().Match(l)).Where(m => m.Success).ToList();
        Assert.True(named.Count >= 10, $"only {named.Count} settings in the example");
        var variables = ExporterSettings.Table.All.Select(s => s.EnvironmentVariable).OfType<string>().ToHashSet();
        Assert.All(named, m => Assert.Contains(m.Groups["variable"].Value, variables));

        // The active ones, over the defaults, are settings the exporter accepts.
        var environment = SettingValues.EnvironmentByKey(named.Where(m => !m.Groups["commented"].Success)
            .Select(m => KeyValuePair.Create(m.Groups["variable"].Value, m.Groups["value"].Value)));
        ExporterSettings.Read(new SettingValues(new Dictionary<Setting, string>(), environment, new Dictionary<string, string>()));
    }

    [Fact]
    public async Task Sysusers_file_creates_the_units_user_and_group_without_a_login()
    {
        using var root = new TempFolder();
        Directory.CreateDirectory(root.File("etc"));
        var (code, output) = await Repository.RunAsync("systemd-sysusers", $"--root={root.Path}", Deployed("xx-exporter.sysusers.conf"));
        Assert.True(code == 0, output);

        var user = File.ReadAllLines(root.File("etc/passwd")).Select(l => l.Split(':')).Single(f => f[0] == Directive("User"));
        Assert.Equal("/usr/sbin/nologin", user[6]);
        Assert.True(int.Parse(user[2]) is > 0 and < 1000, $"uid {user[2]} is not a system user's");
        var group = File.ReadAllLines(root.File("etc/group")).Select(l => l.Split(':')).Single(f => f[0] == Directive("Group"));
        Assert.Equal(user[3], group[2]);
    }

    // ---- the restore drill: deploy/restore-drill/xx-restore-drill, its service and timer (docs/backups.md) ----

    private static readonly string DrillScript = Repository.PathOf("deploy/restore-drill/xx-restore-drill");

    /// <summary>A unit's settings, continuation lines joined; a key set twice keeps both values.</summary>
    private static ILookup<string, string> DirectivesOf(string name) =>
        File.ReadAllText(Deployed(name)).Replace("\\\n", " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or '['))
            .Select(l => l.Split('=', 2)).ToLookup(p => p[0], p => p[1]);

    /// <summary>The drill's units, named as shipped, the service's ExecStart the script in this checkout (verify insists that it exists).</summary>
    private static string[] DrillUnits(TempFolder folder)
    {
        string service = folder.File("xx-restore-drill.service"), timer = folder.File("xx-restore-drill.timer");
        File.WriteAllText(service, File.ReadAllText(Deployed("xx-restore-drill.service")).Replace("ExecStart=/usr/local/bin/xx-restore-drill", $"ExecStart={DrillScript}"));
        File.Copy(Deployed("xx-restore-drill.timer"), timer);
        return [service, timer];
    }

    [Fact]
    public async Task Drill_units_pass_systemd_analyze_verify_without_a_warning()
    {
        using var folder = new TempFolder();
        var (code, output) = await Repository.RunAsync("systemd-analyze", ["verify", "--man=no", .. DrillUnits(folder)]);
        Assert.True(code == 0 && output.Length == 0, output);
        Assert.Equal("/usr/local/bin/xx-restore-drill", Assert.Single(DirectivesOf("xx-restore-drill.service")["ExecStart"]));
    }

    [Fact]
    public async Task Drill_service_is_hardened_and_cannot_write_the_live_data_directory()
    {
        using var folder = new TempFolder();
        var (code, output) = await Repository.RunAsync("systemd-analyze", "security", "--offline=yes", "--threshold=20", DrillUnits(folder)[0]);
        Assert.True(code == 0, output);
        var drill = DirectivesOf("xx-restore-drill.service");
        // Everything read-only but its state directory, its private /var/tmp and pgBackRest's log and spool folders.
        Assert.Equal("strict", Assert.Single(drill["ProtectSystem"]));
        Assert.Equal("yes", Assert.Single(drill["PrivateTmp"]));
        Assert.DoesNotContain(drill["ReadWritePaths"].SelectMany(paths => paths.Split(' ')), path => path.Contains("/var/lib/postgresql"));
        Assert.Equal("postgres", Assert.Single(drill["User"]));   // PostgreSQL's server refuses root
    }

    [Fact]
    public void Drill_writes_its_result_where_the_exporter_reads_it_by_default()
    {
        var drill = DirectivesOf("xx-restore-drill.service");
        string written = $"/var/lib/{Assert.Single(drill["StateDirectory"])}/result";
        Assert.Equal(written, RestoreDrillSource.Table.ResultFile.Default);
        Assert.Contains($"result_file=${{XX_DRILL_RESULT_FILE:-{written}}}", File.ReadAllText(DrillScript));
        // The exporter's user reads it: the folder is open to others (the script writes the file 0644).
        Assert.Equal("0755", Assert.Single(drill["StateDirectoryMode"]));
    }

    [Fact]
    public void Drill_timer_runs_it_well_within_the_age_the_alert_allows()
    {
        var timer = DirectivesOf("xx-restore-drill.timer");
        Assert.Equal("weekly", Assert.Single(timer["OnCalendar"]));
        var latest = TimeSpan.FromDays(7) + Hours(Assert.Single(timer["RandomizedDelaySec"])) + Hours(Assert.Single(DirectivesOf("xx-restore-drill.service")["TimeoutStartSec"]));
        string rules = File.ReadAllText(Repository.PathOf("prometheus/rules/xx-alerts.yml"));
        var days = Regex.Match(rules[rules.IndexOf("alert: XxRestoreDrillFailing", StringComparison.Ordinal)..], @"time\(\) - xx_restore_drill_last_run_timestamp_seconds > (\d+) \* 86400");
        Assert.True(days.Success, "XxRestoreDrillFailing's age threshold not found");
        Assert.True(latest < TimeSpan.FromDays(int.Parse(days.Groups[1].Value)), $"a drill may end {latest} after the last: the alert would fire between runs");
        Assert.Equal("true", Assert.Single(timer["Persistent"]));   // a run missed while the host was off is made up at boot
    }

    private static TimeSpan Hours(string systemdTime) =>
        systemdTime.EndsWith('h') ? TimeSpan.FromHours(int.Parse(systemdTime[..^1])) : throw new FormatException($"{systemdTime}: write it in hours");

    [Fact]
    public void Drill_environment_file_sets_only_what_the_script_reads()
    {
        var named = File.ReadAllLines(Deployed("xx-restore-drill.env")).Select(l => DrillAssignment().Match(l)).Where(m => m.Success).ToList();
        Assert.True(named.Count >= 5, $"only {named.Count} settings in the example");
        string script = File.ReadAllText(DrillScript);
        Assert.All(named, m => Assert.Contains("${" + m.Groups["variable"].Value + ":-", script));
        // The active backup list is one the script takes (its own pattern, in its header).
        Assert.All(named.Where(m => !m.Groups["commented"].Success && m.Groups["variable"].Value == "XX_DRILL_BACKUPS"),
            m => Assert.Matches(@"^([A-Za-z0-9_]+=(pgbackrest|dump):[^,]+)(,[A-Za-z0-9_]+=(pgbackrest|dump):[^,]+)*$", m.Groups["value"].Value));
    }

    [Fact]
    public async Task Drill_script_is_shellcheck_clean()
    {
        var (code, output) = await Repository.RunAsync("shellcheck", DrillScript);
        Assert.True(code == 0, output);
    }

    [GeneratedRegex(@"^(?<commented>#)?(?<variable>XX_DRILL_\w+)=(?<value>.*)$")]
    private static partial Regex DrillAssignment();

    // ---- xx-prometheus-agent.service: push from every host (docs/operations.md "Fleets") ----------------------

    private static readonly string AgentUnit = File.ReadAllText(Deployed("xx-prometheus-agent.service"));

    [Fact]
    public async Task Agent_unit_passes_systemd_analyze_verify_and_security()
    {
        var (code, output) = await Repository.RunAsync("systemd-analyze", "verify", "--man=no", Deployed("xx-prometheus-agent.service"));
        Assert.True(code == 0 && output.Length == 0, output);
        (code, output) = await Repository.RunAsync("systemd-analyze", "security", "--offline=yes", "--threshold=20", Deployed("xx-prometheus-agent.service"));
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Agent_unit_runs_the_shipped_host_config_in_agent_mode_with_the_hosts_labels()
    {
        var execStart = Regex.Match(AgentUnit.Replace("\\\n", " "), @"(?m)^ExecStart=(.*)$").Groups[1].Value
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/usr/bin/prometheus", execStart[0]);
        Assert.Contains("--enable-feature=agent,expand-external-labels", execStart);
        Assert.Contains("--config.file=/etc/prometheus/host-agent.yml", execStart);
        Assert.Contains(execStart, f => f.StartsWith("--storage.agent.retention.max-time=", StringComparison.Ordinal));
        // The agent scrapes itself on the port it listens on (host-agent.yml, job prometheus-agent).
        string config = File.ReadAllText(Repository.PathOf("prometheus/examples/host-agent.yml"));
        string listen = Assert.Single(execStart, f => f.StartsWith("--web.listen-address=", StringComparison.Ordinal)).Split('=')[1];
        Assert.Contains($"- targets: ['{listen}']", config);
        // Every label the config takes from the environment is set in the example settings file, and no other.
        var used = Regex.Matches(config, @"\$\{(\w+)\}").Select(m => m.Groups[1].Value).Distinct().Order();
        var set = File.ReadAllLines(Deployed("xx-prometheus-agent.env")).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('=')[0]).Order();
        Assert.Equal(used, set);
        // The flags parse: promtool reads the config the unit names, with the password file it names in place.
        using var folder = new TempFolder();
        string copy = folder.File("host-agent.yml");
        File.WriteAllText(folder.File("central.password"), "test");
        File.WriteAllText(folder.File("central-ca.crt"), "");
        File.WriteAllText(copy, config.Replace("/etc/prometheus/", folder.Path + "/"));
        var (code, output) = await Repository.RunAsync("promtool", "check", "config", "--agent", copy);
        Assert.True(code == 0, output);
    }

    /// <summary>
    /// A copy of the unit, named as shipped, whose ExecStart is the exporter built beside the tests: verify
    /// insists that the program exists.
    /// </summary>
    private static string WithBuiltExporter(TempFolder folder)
    {
        string built = BuiltExporter.Path;
        Assert.True(File.Exists(built), built);
        string copy = folder.File("xx-exporter.service");
        File.WriteAllText(copy, Unit.Replace("ExecStart=/usr/local/bin/xx-exporter ", $"ExecStart={built} "));
        return copy;
    }

    [GeneratedRegex(@"^(?<commented>#)?(?<variable>" + Setting.EnvironmentPrefix + @"\w+)=(?<value>.*)$")]
    private static partial Regex Assignment();
}

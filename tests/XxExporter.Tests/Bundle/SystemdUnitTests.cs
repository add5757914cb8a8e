using System.Text.RegularExpressions;
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

    /// <summary>The unit's settings, continuation lines joined; a key set twice keeps both values.</summary>
    private static ILookup<string, string> Directives() =>
        Unit.Replace("\\\n", " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or '['))
            .Select(l => l.Split('=', 2)).ToLookup(p => p[0], p => p[1]);

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

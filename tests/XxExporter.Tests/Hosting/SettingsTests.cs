using XxExporter.Telemetry;
using XxExporter.Chain;
using XxExporter.Hosting;
using XxExporter.Logs;
using XxExporter.Settings;
using XxExporter.Web;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

public class SettingsTests
{
    private static ExporterSettings Load(params string[] args) => ExporterSettings.Load(CommandLine.Parse(args));

    [Fact]
    public void Defaults_match_the_mainnet_layout()
    {
        var settings = Load();
        Assert.Equal(":19420", settings.ListenAddress.ToString());
        Assert.Equal("/metrics", settings.TelemetryPath);
        Assert.Equal(
            ["/opt/xxnetwork/log/cmix.log", "/opt/xxnetwork/log/gateway.log", "/opt/xxnetwork/log/cmix-wrapper.log", "/opt/xxnetwork/log/gateway-wrapper.log"],
            settings.Logs.Files.Select(f => f.Path));
        Assert.False(settings.Logs.FromStart);
        Assert.Equal(1 << 20, settings.Logs.MaxLineBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.Logs.PollInterval);
        Assert.Equal(TimeZoneInfo.Local, settings.Logs.TimeZone);
        Assert.Null(settings.Logs.PositionsFile);
        Assert.False(settings.Once);
    }

    [Fact]
    public void Flags_override_the_folder_and_single_files()
    {
        var settings = Load("--logs.dir=/var/log/xx", "--logs.gateway.path", "/elsewhere/gw.log", "--logs.enabled", "cmix, gateway",
            "--web.listen-address", "127.0.0.1:9999", "--logs.from-start", "--logs.timezone", "Europe/Berlin", "--once");
        Assert.Equal([new LogFile(LogKind.Cmix, "/var/log/xx/cmix.log"), new LogFile(LogKind.Gateway, "/elsewhere/gw.log")], settings.Logs.Files);
        Assert.Equal("127.0.0.1:9999", settings.ListenAddress.ToString());
        Assert.True(settings.Logs.FromStart);
        Assert.Equal("Europe/Berlin", settings.Logs.TimeZone.Id);
        Assert.True(settings.Once);
    }

    [Fact]
    public void A_settings_file_sets_keys_and_flags_win_over_it()
    {
        using var folder = new TempFolder();
        string file = folder.File("settings.json");
        File.WriteAllText(file, """{ "Logs": { "Dir": "/from/json", "MaxLineBytes": 4096 }, "Web": { "ListenAddress": "[::1]:8080" } }""");
        var settings = Load("--config.file", file, "--logs.max-line-bytes", "8192");
        Assert.Equal("/from/json/cmix.log", settings.Logs.Files[0].Path);
        Assert.Equal(8192, settings.Logs.MaxLineBytes);
        Assert.Equal("[::1]:8080", settings.ListenAddress.ToString());
    }

    [Theory]
    [InlineData("invalid --web.listen-address \"abc\": must be host:port or :port", "--web.listen-address", "abc")]
    [InlineData("invalid --web.listen-address \":70000\": port must be a number from 0 to 65535", "--web.listen-address", ":70000")]
    [InlineData("invalid --web.listen-address \"example.com:80\": host must be an IP address, localhost, or empty for all interfaces", "--web.listen-address", "example.com:80")]
    [InlineData("invalid --web.telemetry-path \"metrics\": must start with /", "--web.telemetry-path", "metrics")]
    [InlineData("invalid --log.level \"loud\": must be debug, info, warn or error", "--log.level", "loud")]
    [InlineData("invalid --logs.enabled \"cmix,node\": node is not one of cmix, gateway, cmix_wrapper or gateway_wrapper", "--logs.enabled", "cmix,node")]
    [InlineData("invalid --logs.timezone \"Mars/Olympus\": is not a time zone known to this host (try an IANA name such as Europe/Berlin or UTC)", "--logs.timezone", "Mars/Olympus")]
    [InlineData("invalid --logs.max-line-bytes \"12\": must be a whole number from 1024 to 67108864", "--logs.max-line-bytes", "12")]
    [InlineData("invalid --logs.poll-interval \"fast\": must be a duration such as 250ms, 1s or 1m30s", "--logs.poll-interval", "fast")]
    [InlineData("invalid --logs.poll-interval \"1m\": must be from 10ms to 10s", "--logs.poll-interval", "1m")]
    [InlineData("invalid --postgres.timeout \"Infinitys\": must be a duration such as 250ms, 1s or 1m30s", "--postgres.timeout", "Infinitys")]
    [InlineData("invalid --chain.timeout \"99999999999999999999h\": is longer than any time span", "--chain.timeout", "99999999999999999999h")]
    [InlineData("invalid --logs.positions-file \"/no/such/folder/p.json\": is in a folder that does not exist", "--logs.positions-file", "/no/such/folder/p.json")]
    [InlineData("unknown flag --web.listen-adress (did you mean --web.listen-address? see --help)", "--web.listen-adress", "1")]
    [InlineData("unknown flag --no-logs.dir (did you mean --logs.dir? see --help)", "--no-logs.dir")]
    [InlineData("invalid --collector.dns \"off\": must be true or false", "--collector.dns=off")]
    [InlineData("--logs.dir needs a value", "--logs.dir")]
    [InlineData("invalid --once \"yes\": must be true or false", "--once=yes")]
    [InlineData("unexpected argument \"metrics\" (flags look like --name=value; see --help)", "metrics")]
    [InlineData("settings file /no/such.json does not exist", "--config.file", "/no/such.json")]
    [InlineData("passwords are not taken on the command line (it shows in ps): use --postgres.gateway.password-file or the environment (see --help)",
        "--postgres.gateway.password=hunter2")]
    [InlineData("invalid --postgres.node.sslmode \"tls\": must be disable, allow, prefer, require, verify-ca or verify-full",
        "--postgres.node.host", "db", "--postgres.node.sslmode", "tls")]
    [InlineData("invalid --postgres.gateway.port \"0\": must be a whole number from 1 to 65535", "--postgres.gateway.host", "db", "--postgres.gateway.port", "0")]
    [InlineData("invalid --postgres.timeout \"10m\": must be from 100ms to 1m", "--postgres.timeout", "10m")]
    [InlineData("invalid --postgres.max-connections \"0\": must be a whole number from 1 to 20", "--postgres.max-connections", "0")]
    [InlineData("invalid --postgres.gateway.password-file \"/no/such/secret\": does not exist",
        "--postgres.gateway.host", "db", "--postgres.gateway.password-file", "/no/such/secret")]
    [InlineData("invalid --postgres.node.sslrootcert \"/no/such/root.crt\": does not exist",
        "--postgres.node.host", "db", "--postgres.node.sslmode", "verify-full", "--postgres.node.sslrootcert", "/no/such/root.crt")]
    [InlineData("invalid --postgres.gateway.sslrootcert \"/etc/hostname\": is only used with --postgres.gateway.sslmode verify-ca or verify-full",
        "--postgres.gateway.host", "db", "--postgres.gateway.sslmode", "require", "--postgres.gateway.sslrootcert", "/etc/hostname")]
    [InlineData("invalid --checks.backups \"x=/var/*/x.dump\": x: wildcards (* and ?) are allowed in the file name only", "--checks.backups", "x=/var/*/x.dump")]
    [InlineData("invalid --checks.backups \"cmix_node\": \"cmix_node\" is not name=value", "--checks.backups", "cmix_node")]
    [InlineData("invalid --checks.certificates \"/c?/*.crt\": wildcards (* and ?) are allowed in the file name only", "--checks.certificates", "/c?/*.crt")]
    [InlineData("invalid --checks.probes \"p=127.0.0.1:0\": p: port 0 is not from 1 to 65535", "--checks.probes", "p=127.0.0.1:0")]
    [InlineData("invalid --checks.probes \"p=:80\": p: \":80\" is not host:port", "--checks.probes", "p=:80")]
    [InlineData("invalid --checks.probes \"node=127.0.0.1:1,node=127.0.0.1:2\": node is given twice", "--checks.probes", "node=127.0.0.1:1,node=127.0.0.1:2")]
    [InlineData("invalid --checks.probe-timeout \"0s\": must be from 10ms to 1m", "--checks.probe-timeout", "0s")]
    [InlineData("invalid --checks.dns-names \"scheduling.mainnet.cmix.rip:11420\": \"scheduling.mainnet.cmix.rip:11420\" is not a host name", "--checks.dns-names", "scheduling.mainnet.cmix.rip:11420")]
    [InlineData("invalid --checks.dns-names \"a..b\": \"a..b\" is not a host name", "--checks.dns-names", "a..b")]
    [InlineData("invalid --checks.dns-names \"localhost,LOCALHOST\": a name is given twice", "--checks.dns-names", "localhost,LOCALHOST")]
    [InlineData("invalid --checks.dns-timeout \"2m\": must be from 10ms to 1m", "--checks.dns-timeout", "2m")]
    [InlineData("invalid --chain.rpc-url \"ftp://x\": ftp://x is not a ws://, wss://, http:// or https:// URL", "--chain.rpc-url", "ftp://x")]
    public void Invalid_settings_give_one_clear_line(string expected, params string[] args)
    {
        var error = Assert.Throws<SettingsException>(() => Load(args));
        Assert.Equal(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("{ \"Logs\": ", "is not valid JSON at line 1, column 11")]
    [InlineData("{\n  \"Web\": {\n    \"ListenAddress\": \":1\" \"TelemetryPath\": \"/m\"\n  }\n}", "is not valid JSON at line 3, column 27")]
    [InlineData("[]", "must hold one JSON object")]
    [InlineData("{ \"Web\": { \"ListenAdress\": \":1\" } }", "has the unknown key Web:ListenAdress (did you mean Web:ListenAddress?)")]
    [InlineData("{ \"Wbe\": { } }", "has the unknown key Wbe (did you mean Web?)")]
    [InlineData("{ \"Log\": { \"Dir\": \"/x\" } }", "has the unknown key Log:Dir (did you mean Logs:Dir?)")]
    [InlineData("{ \"Web\": \":1\" }", "has a string for Web, which must be an object of settings (such as Web:ListenAddress)")]
    [InlineData("{ \"Logs\": { \"Dir\": [\"/x\"] } }", "has an array for Logs:Dir, which takes a string, a number or true/false")]
    [InlineData("{ \"Logs\": { \"Dir\": \"/x\", \"dir\": \"/y\" } }", "gives Logs:dir twice")]
    public void A_settings_file_that_is_not_json_of_known_keys_is_one_clear_line_naming_the_file(string json, string problem)
    {
        using var folder = new TempFolder();
        string file = folder.File("settings.json");
        File.WriteAllText(file, json);
        var error = Assert.Throws<SettingsException>(() => Load("--config.file", file));
        Assert.Equal($"settings file {file} {problem}", error.Message);
    }

    [Fact]
    public void A_settings_file_may_have_comments_trailing_commas_and_a_byte_order_mark()
    {
        using var folder = new TempFolder();
        string file = folder.File("settings.json");
        File.WriteAllText(file, "\uFEFF{ // the node host\n \"logs\": { \"dir\": \"/var/log/xx\", }, }", new System.Text.UTF8Encoding(true));
        Assert.Equal("/var/log/xx/cmix.log", Load("--config.file", file).Logs.Files[0].Path);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/status.json")]
    [InlineData("/-/healthy")]
    [InlineData("/-/ready")]
    public void The_telemetry_path_cannot_be_a_page_the_exporter_serves_itself(string path)
    {
        Assert.Equal(Endpoints.ReservedPaths, ["/", "/status.json", "/-/healthy", "/-/ready"]);
        var error = Assert.Throws<SettingsException>(() => Load("--web.telemetry-path", path));
        Assert.Equal($"invalid --web.telemetry-path \"{path}\": is one of the exporter's own pages: /, /status.json, /-/healthy, /-/ready", error.Message);
    }

    [Fact]
    public async Task Invalid_settings_stop_the_exporter_with_exit_code_2_and_one_line()
    {
        var (code, output) = await Repository.RunAsync(BuiltExporter.Path, "--web.telemetry-path=/-/ready");
        Assert.Equal(2, code);
        Assert.Equal("xx-exporter: invalid --web.telemetry-path \"/-/ready\": is one of the exporter's own pages: /, /status.json, /-/healthy, /-/ready\n", output);
    }

    [Fact]
    public void Environment_variables_sit_between_the_file_and_the_flags()
    {
        Environment.SetEnvironmentVariable("XX_EXPORTER_LOGS__DIR", "/from/env");
        Environment.SetEnvironmentVariable("XX_EXPORTER_WEB__TELEMETRYPATH", "/env-metrics");
        try
        {
            var settings = Load("--web.telemetry-path", "/flag-metrics");
            Assert.Equal("/from/env/cmix.log", settings.Logs.Files[0].Path);
            Assert.Equal("/flag-metrics", settings.TelemetryPath);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XX_EXPORTER_LOGS__DIR", null);
            Environment.SetEnvironmentVariable("XX_EXPORTER_WEB__TELEMETRYPATH", null);
        }
    }

    [Fact]
    public void Postgres_is_off_until_a_host_is_given_and_the_password_comes_from_a_file_or_the_environment()
    {
        Assert.Empty(Load().Postgres.Targets);
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("secret"), "from-file\n");
        Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__NODE__PASSWORD", "from-env");
        try
        {
            var targets = Load("--postgres.node.host", "127.0.0.1", "--postgres.gateway.host", "/var/run/postgresql",
                "--postgres.gateway.password-file", folder.File("secret")).Postgres.Targets;
            Assert.Equal(["cmix_node", "cmix_gateway"], targets.Select(t => t.Database));
            Assert.Equal("from-env", targets[0].Password);
            Assert.Equal("from-file", targets[1].Password);
            Assert.True(targets[1].IsGateway);
            Assert.Equal("cmix@127.0.0.1:5432/cmix_node", targets[0].ToString());
            Assert.DoesNotContain("from-env", targets[0].ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XX_EXPORTER_POSTGRES__NODE__PASSWORD", null);
        }
    }

    [Fact]
    public void A_switch_is_turned_off_with_no_or_false_and_the_last_flag_wins()
    {
        Assert.False(Load("--no-logs.from-start").Logs.FromStart);
        Assert.True(Load("--no-logs.from-start", "--logs.from-start").Logs.FromStart);
        var dns = SourceRegistry.All.Single(source => source.Name == "dns").Switch;
        Assert.Equal("collector.dns", dns.Flag);
        Assert.True(Load().Values.Get(dns));
        Assert.False(Load("--no-collector.dns").Values.Get(dns));
        Assert.False(Load("--collector.dns=false").Values.Get(dns));
    }

    private static readonly Dictionary<Setting, string> NoFlags = [];
    private static readonly Dictionary<string, string> NoKeys = [];

    /// <summary>An invalid value names where it was given: the flag, the environment variable, or the key and its file.</summary>
    [Fact]
    public void An_invalid_value_names_the_variable_or_the_file_key_that_gave_it()
    {
        var environment = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["CHAIN:TIMEOUT"] = "fast" };
        var error = Assert.Throws<SettingsException>(() => ExporterSettings.Read(new SettingValues(NoFlags, environment, NoKeys)));
        Assert.Equal("invalid XX_EXPORTER_CHAIN__TIMEOUT \"fast\": must be a duration such as 250ms, 1s or 1m30s", error.Message);

        using var folder = new TempFolder();
        string file = folder.File("settings.json");
        File.WriteAllText(file, """{ "Chain": { "Timeout": "fast" } }""");
        error = Assert.Throws<SettingsException>(() => Load("--config.file", file));
        Assert.Equal($"invalid Chain:Timeout \"fast\" in settings file {file}: must be a duration such as 250ms, 1s or 1m30s", error.Message);
        File.WriteAllText(file, """{ "Postgres": { "Node": { "Host": "db", "SslRootCert": "/etc/hostname" } } }""");
        error = Assert.Throws<SettingsException>(() => Load("--config.file", file));
        Assert.Equal($"invalid Postgres:Node:SslRootCert \"/etc/hostname\" in settings file {file}: is only used with --postgres.node.sslmode verify-ca or verify-full", error.Message);

        // The flag wins, and is named.
        error = Assert.Throws<SettingsException>(() => ExporterSettings.Read(new SettingValues(
            new Dictionary<Setting, string> { [ChainSettings.Table.Timeout] = "slow" }, environment, NoKeys)));
        Assert.Equal("invalid --chain.timeout \"slow\": must be a duration such as 250ms, 1s or 1m30s", error.Message);
    }

    [Theory]
    [InlineData("XX_EXPORTER_LOGS__DIRR", "XX_EXPORTER_LOGS__DIR")]
    [InlineData("XX_EXPORTER_LOGS_DIR", "XX_EXPORTER_LOGS__DIR")]
    [InlineData("xx_exporter_chain__rpc_url", "XX_EXPORTER_CHAIN__RPCURL")]
    [InlineData("XX_EXPORTER_COLLECTOR__DNS", "XX_EXPORTER_COLLECTORS__DNS")]
    public void An_unknown_environment_variable_names_the_nearest_setting(string variable, string nearest)
    {
        var environment = SettingValues.EnvironmentByKey([KeyValuePair.Create(variable, "x"), KeyValuePair.Create("XX_EXPORTER_LOGS__DIR", "/var/log/xx")]);
        var error = Assert.Throws<SettingsException>(() => SettingValues.RefuseUnknown(environment, ExporterSettings.Table.All));
        Assert.Equal($"unknown environment variable {variable.ToUpperInvariant()} (did you mean {nearest}?)", error.Message);
    }

    [Fact]
    public async Task An_unknown_environment_variable_stops_the_exporter_with_exit_code_2_and_one_line()
    {
        var start = new System.Diagnostics.ProcessStartInfo(BuiltExporter.Path)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["XX_EXPORTER_LOGS__DIRR"] = "/var/log/xx" },
        };
        start.ArgumentList.Add("--once");
        using var process = Repository.Start(start);
        string output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.Equal("xx-exporter: unknown environment variable XX_EXPORTER_LOGS__DIRR (did you mean XX_EXPORTER_LOGS__DIR?)\n", output);
    }

    [Fact]
    public void Usage_lists_every_flag()
    {
        string usage = CommandLine.Usage();
        Assert.All(ExporterSettings.Table.All, setting => Assert.Contains(setting.Flag is null ? setting.EnvironmentVariable! : $"--{setting.Flag}", usage));
    }
}

using System.Text.RegularExpressions;
using XxExporter.Checks;
using XxExporter.Settings;
using XxExporter.Hosting;
using XxExporter.Logs;
using XxExporter.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Tests.Bundle;

/// <summary>docker-compose.yml and the exporter's Dockerfile, checked without a Docker engine (there is none here).</summary>
public partial class ComposeTests
{
    [Theory]
    [InlineData]                                                   // docker compose up on a node or gateway host
    [InlineData("--env-file", "demo/demo.env", "--profile", "demo")]  // the demo on a simulated node
    [InlineData("--profile", "logs")]                              // central logs: Loki and Alloy (docs/operations.md "Central logs")
    [InlineData("--profile", "drill")]                             // the weekly restore drill of the dumps (docs/backups.md)
    [InlineData("--profile", "push")]                              // push from this host: a Prometheus agent (docs/operations.md "Fleets")
    public async Task Compose_file_is_valid(params string[] options)
    {
        var (code, output) = await Repository.RunAsync("docker-compose", [.. options, "-f", "docker-compose.yml", "config", "-q"]);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task The_demo_runs_the_simulator_and_points_the_exporter_at_it_instead_of_the_host()
    {
        var (code, demo) = await Repository.RunAsync("docker-compose", "--env-file", "demo/demo.env", "-f", "docker-compose.yml", "config");
        Assert.True(code == 0, demo);
        Assert.Contains("xx-simulator:", demo);
        Assert.Contains("demo-postgres:", demo);
        Assert.Contains("XX_EXPORTER_CHAIN__RPCURL: ws://xx-simulator:9944", demo);
        Assert.Contains("XX_EXPORTER_POSTGRES__GATEWAY__HOST: demo-postgres", demo);
        Assert.DoesNotContain("host.docker.internal:", demo.Split("extra_hosts:")[0]);   // nothing of the host is watched

        var (_, host) = await Repository.RunAsync("docker-compose", "-f", "docker-compose.yml", "config");
        Assert.Contains("XX_EXPORTER_CHAIN__RPCURL: ws://host.docker.internal:9944", host);

        // The demo's services run only in its profile; the stack itself in every profile.
        var stream = new YamlStream();
        using (var reader = new StreamReader(Repository.PathOf("docker-compose.yml"))) stream.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        var profiles = services.Children.ToDictionary(s => s.Key.ToString(),
            s => ((YamlMappingNode)s.Value).Children.TryGetValue(new YamlScalarNode("profiles"), out var p) ? string.Join(',', (YamlSequenceNode)p) : "");
        Assert.Equal("demo", profiles["xx-simulator"]);
        Assert.Equal("demo", profiles["demo-postgres"]);
        Assert.All(new[] { "xx-exporter", "prometheus", "alertmanager", "grafana" }, name => Assert.Equal("", profiles[name]));
    }

    [Fact]
    public async Task The_logs_profile_ships_the_exporters_log_folder_read_only_with_positions_in_a_volume()
    {
        var (code, rendered) = await Repository.RunAsync("docker-compose", "--profile", "logs", "-f", "docker-compose.yml", "config");
        Assert.True(code == 0, rendered);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        var services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
        List<string> Volumes(string service) => ((YamlSequenceNode)((YamlMappingNode)services[service])["volumes"]).Select(v => v.ToString()).ToList();

        // The same host folder as the exporter's, read-only, where the config looks for it.
        string logs = Volumes("xx-exporter").Single(v => v.Contains(":/xx/log:"));
        Assert.EndsWith(":/xx/log:ro", logs);
        Assert.Contains(logs, Volumes("alloy"));
        var alloy = (YamlMappingNode)services["alloy"];
        Assert.Equal("/xx/log", ((YamlMappingNode)alloy["environment"])["XX_ALLOY_LOG_DIR"].ToString());
        Assert.Contains("--storage.path=/var/lib/alloy/data", ((YamlSequenceNode)alloy["command"]).Select(c => c.ToString()));
        Assert.Contains(Volumes("alloy"), v => v.StartsWith("alloy-data:/var/lib/alloy/data", StringComparison.Ordinal));
        Assert.Contains(Volumes("alloy"), v => v.EndsWith("/alloy:/etc/alloy:ro", StringComparison.Ordinal));
        Assert.Contains(Volumes("loki"), v => v.EndsWith("/loki:/etc/loki:ro", StringComparison.Ordinal));
        Assert.Contains(Volumes("loki"), v => v.StartsWith("loki-data:/loki", StringComparison.Ordinal));

        // Without the profile neither runs (this docker-compose renders every profile's services: read the file).
        Assert.All(new[] { "loki", "alloy" }, name =>
            Assert.Matches($@"(?m)^  {name}:\n    profiles: \[logs\]$", File.ReadAllText(Repository.PathOf("docker-compose.yml"))));
        string loki = File.ReadAllText(Repository.PathOf("loki/loki.yml"));
        Assert.Matches(@"(?m)^  retention_period: \d+d$", loki);
        Assert.Matches(@"(?m)^  retention_enabled: true$", loki);
    }

    [Fact]
    public async Task The_drill_profile_runs_the_shipped_script_on_the_dumps_and_the_exporter_reads_its_result()
    {
        var (code, rendered) = await Repository.RunAsync("docker-compose", "--profile", "drill", "-f", "docker-compose.yml", "config");
        Assert.True(code == 0, rendered);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        var services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
        List<string> Volumes(string service) => ((YamlSequenceNode)((YamlMappingNode)services[service])["volumes"]).Select(v => v.ToString()).ToList();
        string Environment(string service, string name) => ((YamlMappingNode)((YamlMappingNode)services[service])["environment"])[name].ToString();

        Assert.Contains($"{Repository.PathOf("deploy/restore-drill/xx-restore-drill")}:/usr/local/bin/xx-restore-drill:ro", Volumes("restore-drill"));
        Assert.Contains("gosu postgres /usr/local/bin/xx-restore-drill", string.Join(' ', (YamlSequenceNode)((YamlMappingNode)services["restore-drill"])["entrypoint"]));
        // Dumps only: the image has no pgBackRest.
        Assert.All(Environment("restore-drill", "XX_DRILL_BACKUPS").Split(','), backup => Assert.Contains("=dump:/xx/backup/", backup));
        Assert.Contains(Volumes("restore-drill"), v => v.EndsWith(":/xx/backup:ro", StringComparison.Ordinal));

        // The drill writes into a volume the exporter mounts read-only, where its setting points.
        string result = Environment("restore-drill", "XX_DRILL_RESULT_FILE"), folder = Path.GetDirectoryName(result)!;
        Assert.Equal(result, Environment("xx-exporter", XxExporter.Backups.RestoreDrillSource.Table.ResultFile.EnvironmentVariable!));
        string volume = Volumes("restore-drill").Single(v => v.EndsWith($":{folder}:rw", StringComparison.Ordinal) || v.EndsWith($":{folder}", StringComparison.Ordinal)).Split(':')[0];
        Assert.Contains($"{volume}:{folder}:ro", Volumes("xx-exporter"));
        Assert.Matches(@"(?m)^  restore-drill:\n    profiles: \[drill\]$", File.ReadAllText(Repository.PathOf("docker-compose.yml")));
    }

    [Fact]
    public async Task The_exporter_takes_the_settings_compose_gives_it_on_a_node_host()
    {
        using var state = new TempFolder();
        var settings = await ExporterSettingsFromCompose(state.Path);
        Assert.Equal("/xx/log", Path.GetDirectoryName(settings.Logs.Files[0].Path));
        Assert.Equal(Path.Combine(state.Path, "positions.json"), settings.Logs.PositionsFile);
        Assert.Equal(["ws://host.docker.internal:9944/", "ws://host.docker.internal:63007/"], settings.Chain.Endpoints.Select(u => u.ToString()));
        Assert.Equal("/xx/cred/cmix-IDF.json", settings.Chain.IdfPath);
        Assert.Empty(settings.Postgres.Targets);                                                    // until .env names a host
        Assert.Equal([new BackupTarget("cred", "/xx/backup/cred", "/xx/cred")], settings.Checks.Backups);
        Assert.Equal(["node", "chain_p2p"], settings.Checks.Probes.Select(p => p.Name));           // a node host's
        Assert.All(settings.Checks.Probes, p => Assert.Equal("host.docker.internal", p.Host));
        Assert.Equal(["/xx/cred/*.crt"], settings.Checks.CertificatePatterns);
        // The status page reads the stack's Alertmanager, the heartbeat left out.
        Assert.Equal("http://alertmanager:9093/", settings.Status.Alertmanager?.ToString());
        Assert.Equal("alertname!=\"XxWatchdog\"", string.Join(",", settings.Status.Matchers));
    }

    [Fact]
    public async Task The_exporter_takes_the_settings_compose_gives_it_in_the_demo()
    {
        using var state = new TempFolder();
        var settings = await ExporterSettingsFromCompose(state.Path, "--env-file", "demo/demo.env");
        Assert.Equal(["ws://xx-simulator:9944/"], settings.Chain.Endpoints.Select(u => u.ToString()));
        Assert.Equal(["cmix_gateway", "cmix_node"], settings.Postgres.Targets.Select(t => t.Database).Order());
        Assert.All(settings.Postgres.Targets, t => Assert.Equal(("demo-postgres", File.ReadAllText(Repository.PathOf("demo/postgres-password")).Trim()), (t.Host, t.Password)));
        Assert.Equal(["chain", "cmix_gateway", "cmix_node"], settings.Checks.Backups.Select(b => b.Name).Order());   // the simulator writes all three
        Assert.Equal(["chain_rpc", "postgres"], settings.Checks.Probes.Select(p => p.Name));
    }

    /// <summary>
    /// The exporter's settings from its command and environment in the rendered compose file (defaults, then
    /// the environment, then the flags, as the exporter layers them), with the password secret read from its source
    /// and the state volume's folder at <paramref name="stateFolder"/> (the settings check that it exists).
    /// </summary>
    private static async Task<ExporterSettings> ExporterSettingsFromCompose(string stateFolder, params string[] options)
    {
        var (code, rendered) = await Repository.RunAsync("docker-compose", [.. options, "-f", "docker-compose.yml", "config"]);
        Assert.True(code == 0, rendered);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var exporter = (YamlMappingNode)((YamlMappingNode)root["services"])["xx-exporter"];
        string secret = Path.GetFullPath(((YamlMappingNode)((YamlMappingNode)root["secrets"])["postgres-password"])["file"].ToString(), Repository.Root);
        var environment = SettingValues.EnvironmentByKey(((YamlMappingNode)exporter["environment"]).Children
            .Select(e => KeyValuePair.Create(e.Key.ToString(), e.Value.ToString().Replace("/run/secrets/postgres-password", secret))));
        Assert.Contains($"exporter-state:{StateFolder}", ((YamlSequenceNode)exporter["volumes"]).Select(v => v.ToString()).First(v => v.StartsWith("exporter-state:")));
        var request = CommandLine.Parse(((YamlSequenceNode)exporter["command"]).Select(n => n.ToString().Replace(StateFolder, stateFolder)).ToList());
        return ExporterSettings.Read(new SettingValues(request.Flags, environment, new Dictionary<string, string>()));
    }

    /// <summary>
    /// Every path setting the exporter uses in its container (given by compose, or its default) names a file or folder
    /// that compose mounts: a path setting left at its host default finds nothing in the container, and says nothing.
    /// </summary>
    [Theory]
    [InlineData]
    [InlineData("--env-file", "demo/demo.env")]
    public async Task Every_path_setting_in_the_container_is_under_a_mount(params string[] options)
    {
        var (code, rendered) = await Repository.RunAsync("docker-compose", [.. options, "-f", "docker-compose.yml", "config"]);
        Assert.True(code == 0, rendered);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        var exporter = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"])["xx-exporter"];
        var mounts = ((YamlSequenceNode)exporter["volumes"]).Select(volume => volume.ToString().Split(':')[1])
            .Concat(((YamlSequenceNode)exporter["secrets"]).Select(secret => $"/run/secrets/{((YamlMappingNode)secret)["source"]}")).ToList();
        var environment = SettingValues.EnvironmentByKey(((YamlMappingNode)exporter["environment"]).Children
            .Select(e => KeyValuePair.Create(e.Key.ToString(), e.Value.ToString())));
        var values = new SettingValues(CommandLine.Parse(((YamlSequenceNode)exporter["command"]).Select(n => n.ToString()).ToList()).Flags,
            environment, new Dictionary<string, string>());

        var unmounted = new List<string>();
        foreach (var setting in ExporterSettings.Table.All.Where(s => s.Kind != SettingKind.Value))
        {
            string text = values.Text(setting);
            var paths = setting.Kind switch
            {
                SettingKind.NamedPaths => Parsers.List(text).Select(item => item[(item.IndexOf('=') + 1)..]),
                SettingKind.Paths => Parsers.List(text),
                _ => [text],
            };
            unmounted.AddRange(paths.Where(path => path.Length > 0 && !mounts.Any(mount => path == mount || path.StartsWith(mount + "/", StringComparison.Ordinal)))
                .Select(path => $"{setting.Name} is {path} in the container, where nothing is mounted (docker-compose.yml: mount it and set {setting.EnvironmentVariable ?? setting.Name})"));
        }
        Assert.True(unmounted.Count == 0, string.Join('\n', unmounted));
        Assert.Contains(values.Text(LogSettings.Table.Dir), mounts);   // the test sees the settings compose gives
    }

    [Theory]
    [InlineData(".env.example")]
    [InlineData("demo/demo.env")]
    public void Every_variable_of_an_env_file_is_used_by_the_compose_file(string envFile)
    {
        string compose = File.ReadAllText(Repository.PathOf("docker-compose.yml"));
        var variables = File.ReadAllLines(Repository.PathOf(envFile))
            .Where(line => line.Length > 0 && line[0] != '#').Select(line => line.Split('=')[0]).ToList();
        Assert.NotEmpty(variables);
        Assert.All(variables.Where(v => v != "COMPOSE_PROFILES"), v => Assert.Matches(@"\$\{" + v + ":?-", compose));
    }

    [Fact]
    public void Images_are_pinned_and_the_host_folders_are_read_only()
    {
        string compose = File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml"));
        var images = ImageLine().Matches(compose).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(images);
        Assert.All(images, image => Assert.Matches(@":v?\d+\.\d+(\.\d+)?(-[a-z]+)?$", image)); // an exact version, never "latest"
        foreach (string folder in new[] { "/xx/log", "/xx/cred", "/xx/backup" }) Assert.Contains($"{folder}:ro", compose);
    }

    [Fact]
    public async Task The_push_profile_runs_the_agent_on_the_host_network_with_the_hosts_labels_and_prometheus_release()
    {
        var (code, rendered) = await Repository.RunAsync("docker-compose", "--profile", "push", "-f", "docker-compose.yml", "config");
        Assert.True(code == 0, rendered);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        var services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
        var agent = (YamlMappingNode)services["prometheus-agent"];
        Assert.Equal(((YamlMappingNode)services["prometheus"])["image"].ToString(), agent["image"].ToString());
        Assert.Equal("host", agent["network_mode"].ToString());   // the exporter's and node_exporter's loopback ports
        var command = ((YamlSequenceNode)agent["command"]).Select(c => c.ToString()).ToList();
        // Agent mode is a flag of its own from 3.0 on, a feature flag (with the environment in external labels) before.
        bool major3 = Regex.IsMatch(agent["image"].ToString(), @":v3\.");
        Assert.Contains(major3 ? "--agent" : "--enable-feature=agent,expand-external-labels", command);
        Assert.Contains("--config.file=/etc/prometheus/host-agent.yml", command);
        // The variables host-agent.yml reads are all set, to the labels this host's logs carry (.env).
        string config = File.ReadAllText(Repository.PathOf("prometheus/examples/host-agent.yml"));
        var environment = (YamlMappingNode)agent["environment"];
        Assert.Equal(Regex.Matches(config, @"\$\{(\w+)\}").Select(m => m.Groups[1].Value).Order(), environment.Children.Keys.Select(k => k.ToString()).Order());
        Assert.Equal("xx-exporter:19420", environment["XX_INSTANCE"].ToString());
        Assert.Matches(@"(?m)^  prometheus-agent:\n    profiles: \[push\]$", File.ReadAllText(Repository.PathOf("docker-compose.yml")));
    }

    [Fact]
    public void The_exporter_container_has_the_memory_limit_of_the_systemd_unit()
    {
        string compose = File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml"));
        string unit = File.ReadAllText(Repository.PathOf("deploy/systemd/xx-exporter.service"));
        string limit = Regex.Match(compose, @"(?m)^    mem_limit: (\d+)m$").Groups[1].Value;
        Assert.NotEmpty(limit);
        Assert.Matches($@"(?m)^MemoryMax={limit}M$", unit);
    }

    [Fact]
    public void The_exporter_image_runs_as_a_non_root_user_with_a_health_check()
    {
        string dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "exporter", "Dockerfile"));
        Assert.Equal(2, dockerfile.Split('\n').Count(l => l.StartsWith("FROM ")));   // multi-stage: the SDK stays out
        string user = Regex.Match(dockerfile, @"(?m)^USER ([1-9]\d*:[1-9]\d*)$").Groups[1].Value;
        Assert.NotEmpty(user);
        Assert.Contains("HEALTHCHECK", dockerfile);

        // The read positions' folder (a named volume in compose) belongs to that user, or nothing could be saved.
        string compose = File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml"));
        string positions = Regex.Match(compose, @"--logs\.positions-file=(\S+)").Groups[1].Value;
        string folder = Path.GetDirectoryName(positions)!;
        Assert.Contains($"exporter-state:{folder}", compose);
        Assert.Contains($"mkdir -p {folder} && chown {user} {folder}", dockerfile);
    }

    /// <summary>Where the exporter container mounts its state volume.</summary>
    private const string StateFolder = "/var/lib/xx-exporter";

    [GeneratedRegex(@"(?m)^\s+image:\s*(\S+)\s*$")]
    private static partial Regex ImageLine();
}

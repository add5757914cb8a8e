using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using XxExporter.Tests.Generated;
using XxExporter.Tests.Postgres;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Node;
using XxSimulator.Rpc;

namespace XxExporter.Tests.Golden;

/// <summary>
/// A host with every source the exporter reads, each fixed so that one scrape reads the same every time: the golden
/// log files, a backup folder and a certificate with set times, the simulated node's IDF and a copy of its credentials
/// folder, a chain data folder and its snapshots, a PostgreSQL primary (the gateway database) with a hot standby (the
/// node database, for the standby-only series), the simulated chain frozen at one moment, a TCP listener to probe
/// (directly and as the node a gateway config names), and two names to resolve (localhost and one under the reserved
/// .invalid). The exporter is started from flags and scraped once, after its logs
/// were read.
/// </summary>
public sealed class AllSourcesHost : IAsyncLifetime
{
    /// <summary>When the simulated chain's era 1000 starts; the scrape sees it 20 h into that day-long era, when the next election is known.</summary>
    private static readonly DateTimeOffset ChainStarted = new(2023, 7, 26, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan EraLength = TimeSpan.FromDays(1), ChainAge = TimeSpan.FromHours(20);

    private readonly TempFolder _host = new();
    private GatewayDatabase? _database;
    private PostgresServer? _standby;
    private JsonRpcHost? _chain;
    private TcpListener? _nodePort;
    private WebApplication? _exporter;

    /// <summary>The exposition text of the one scrape.</summary>
    public string Scrape { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string logs = Directory.CreateDirectory(_host.File("log")).FullName;
        foreach (string log in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden", "logs")))
            File.Copy(log, Path.Combine(logs, Path.GetFileName(log)));
        // A node that stopped on an error and was not restarted: its error file stays (docs/xx-node-facts.md 2.3).
        CmixErrorFile.Write(logs, new DateTimeOffset(2023, 7, 26, 14, 10, 5, TimeSpan.Zero), 9876543,
            "Round 9876543 failed: Graph PrecompShare of phase PrecompShare has timed out");
        string backups = _host.File("backup");
        WriteBackup(backups, "cmix_node/cmix_node-20230724.sql.gz", new DateTime(2023, 7, 24, 3, 0, 0, DateTimeKind.Utc));
        WriteBackup(backups, "cmix_node/cmix_node-20230725.sql.gz", new DateTime(2023, 7, 25, 3, 0, 0, DateTimeKind.Utc));
        WriteBackup(backups, "cmix_gateway/cmix_gateway-20230725.sql.gz", new DateTime(2023, 7, 25, 3, 30, 0, DateTimeKind.Utc));
        Directory.CreateDirectory(Path.Combine(backups, "chain")); // a target without a backup yet
        string cred = Directory.CreateDirectory(_host.File("cred")).FullName;
        File.WriteAllText(Path.Combine(cred, "cmix-IDF.json"), NodeIdentity.IdfJson());
        // A rotated gateway's credentials: the active certificate and its key, and the retired certificate of another key.
        using (var gatewayKey = FixedKey(1))
        using (var retiredKey = FixedKey(2))
        {
            WriteCertificate(Path.Combine(cred, "gateway-cert.crt"), gatewayKey, new DateTimeOffset(2023, 7, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2033, 7, 1, 0, 0, 0, TimeSpan.Zero));
            WriteCertificate(Path.Combine(cred, "old.gateway-cert.crt"), retiredKey, new DateTimeOffset(2022, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero));
            File.WriteAllText(Path.Combine(cred, "gateway-key.key"), gatewayKey.ExportPkcs8PrivateKeyPem());
        }
        foreach (string file in Directory.GetFiles(cred)) File.SetLastWriteTimeUtc(file, new DateTime(2023, 7, 1, 12, 0, 0, DateTimeKind.Utc));
        WriteBackup(backups, "cred/cred-20230702.tgz", new DateTime(2023, 7, 2, 3, 0, 0, DateTimeKind.Utc));
        // A copy of the credentials folder, equal to it, which the credentials' backup check compares file by file.
        string credCopy = Directory.CreateDirectory(Path.Combine(backups, "cred-copy")).FullName;
        foreach (string file in Directory.GetFiles(cred))
        {
            string copy = Path.Combine(credCopy, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetLastWriteTimeUtc(copy, new DateTime(2023, 7, 2, 3, 0, 0, DateTimeKind.Utc));
        }
        // A chain database of three files and two weekly snapshots of it.
        WriteBackup(_host.File("db"), "chains/xxnetwork/db/full/000001.sst", new DateTime(2023, 7, 26, 12, 0, 0, DateTimeKind.Utc));
        WriteBackup(_host.File("db"), "chains/xxnetwork/db/full/MANIFEST-000002", new DateTime(2023, 7, 26, 12, 0, 0, DateTimeKind.Utc));
        WriteBackup(_host.File("db"), "chains/xxnetwork/keystore/6b657973", new DateTime(2023, 7, 1, 12, 0, 0, DateTimeKind.Utc));
        WriteBackup(backups, "chain-snapshots/chain-20230716.tar.gz", new DateTime(2023, 7, 16, 4, 0, 0, DateTimeKind.Utc));
        WriteBackup(backups, "chain-snapshots/chain-20230723.tar.gz", new DateTime(2023, 7, 23, 4, 0, 0, DateTimeKind.Utc));
        // The last restore drill (deploy/restore-drill/xx-restore-drill): the gateway's set restored, the node's dump did not.
        string drill = _host.File("restore-drill-result");
        File.WriteAllText(drill, """
            cmix_gateway.result=ok
            cmix_gateway.finished=1690340400
            cmix_gateway.duration_seconds=312.5
            cmix_gateway.kind=pgbackrest
            cmix_gateway.label=20230725-033000F
            cmix_gateway.backup_time=1690256100
            cmix_gateway.reason=
            cmix_node.result=failed
            cmix_node.finished=1690340460
            cmix_node.duration_seconds=2.25
            cmix_node.kind=dump
            cmix_node.label=cmix_node-20230725.dump
            cmix_node.backup_time=
            cmix_node.reason=reading the dump cmix_node-20230725.dump failed: pg_restore: error: could not read from input file: end of file

            """);

        _database = new GatewayDatabase();
        _standby = new PostgresServer(_database.Server);
        string password = _host.File("postgres-password");
        File.WriteAllText(password, GatewayDatabase.ExporterPassword);
        string[] database(string name, int port) =>
        [
            $"--postgres.{name}.host", "127.0.0.1", $"--postgres.{name}.port", port.ToString(),
            $"--postgres.{name}.user", GatewayDatabase.ExporterRole, $"--postgres.{name}.password-file", password,
            $"--postgres.{name}.sslmode", "disable",
        ];

        string install = _host.File("opt");
        SimulatedBinaries.Install(install); // the chain names a newer server than the one installed
        var chain = new SimulatedChain(Scenario.Troubled, EraLength, ChainStarted, NodeIdentity.Stash, NodeIdentity.CmixId, new SimulatedBinaries("server"));
        // A validator node holding its session keys (docs/operations.md, "Moving a validator between sites").
        var frozen = chain.At(ChainStarted + ChainAge) with
        {
            Self = new NodeSelf("Authority", new HashSet<string>([chain.StashSessionKeys]), RefusesUnsafe: false), PeerId = NodeIdentity.PeerId("golden"),
        };
        _chain = new JsonRpcHost((method, parameters) => SubstrateRpc.Answer(frozen, method, parameters));
        await _chain.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

        _nodePort = new TcpListener(IPAddress.Loopback, 0);
        _nodePort.Start(); // the backlog completes the probe's handshake; nothing needs to accept it
        // The gateway host's view of its node: the gateway's config naming the same listener by name.
        string gatewayConfig = _host.File("gateway.yaml");
        File.WriteAllText(gatewayConfig, $"port: 22840\ncmixAddress: \"localhost:{((IPEndPoint)_nodePort.LocalEndpoint).Port}\"\n");

        string pgbackrest = await ReplayedPgBackRest();

        Uri exporter;
        (_exporter, exporter) = await ExporterTesting.StartAsync([
            "--web.listen-address", "127.0.0.1:0", "--log.level", "warn",
            "--logs.dir", logs, "--logs.from-start", "--logs.timezone", "UTC", "--logs.max-line-bytes", "2048",
            .. database("node", _standby.Port), .. database("gateway", _database.Server.Port), "--postgres.timeout", "30s",
            "--chain.rpc-url", $"ws://{_chain.EndPoint}", "--chain.idf-path", Path.Combine(cred, "cmix-IDF.json"), "--chain.timeout", "30s",
            "--checks.backups", $"cmix_node={backups}/cmix_node,cmix_gateway={backups}/cmix_gateway,chain={backups}/chain,cred={backups}/cred",
            "--checks.backup-sources", $"cred={cred}",
            "--restore-drill.result-file", drill,
            "--checks.certificates", $"{Path.Combine(cred, "*.crt")},{Path.Combine(cred, "*.pem")}", // the second matches nothing
            "--binaries.paths", $"server={install}/bin/xxnetwork-cmix,wrapper={install}/cmix-wrapper.py,fatbin={install}/lib/libpow.fatbin,gateway={install}/bin/not-on-this-host",
            "--checks.probes", $"node={_nodePort.LocalEndpoint}", "--checks.probe-timeout", "5s",
            "--checks.gateway-config", gatewayConfig, "--checks.dns-names", "localhost,scheduling.golden.invalid",
            "--backups.credentials-folder", cred, "--backups.credentials-backup", $"folder:{credCopy}",
            "--chain.snapshot", $"{backups}/chain-snapshots", "--chain.data-folder", _host.File("db"),
            "--pgbackrest.stanzas", "demo", "--pgbackrest.command", pgbackrest, "--pgbackrest.log-path", Path.GetDirectoryName(pgbackrest)!,
        ]);
        using var http = new HttpClient { BaseAddress = exporter, Timeout = TimeSpan.FromSeconds(60) };
        await WaitUntilReady(http);
        Scrape = await ScrapeWithBackgroundResults(http);
    }

    /// <summary>Names, file hashes and the gateway's config are worked out in the background: a scrape once each has been reported.</summary>
    private static async Task<string> ScrapeWithBackgroundResults(HttpClient http)
    {
        string[] background =
        [
            "xx_binary_hash_matches_chain{binary=\"fatbin\",source=\"file\"}", "xx_binary_hash_matches_chain{binary=\"server\",source=\"file\"}",
            "xx_binary_hash_matches_chain{binary=\"wrapper\",source=\"file\"}", "xx_dns_resolution_success{name=\"localhost\"}",
            "xx_dns_resolution_success{name=\"scheduling.golden.invalid\"}", "xx_gateway_node_probe_success",
            "xx_credentials_backup_problem{reason=\"differs\"}", "xx_chain_data_size_bytes",
            "xx_pgbackrest_backups{stanza=\"demo\",repo=\"1\"}",
        ];
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            string scrape = await http.GetStringAsync("/metrics");
            var metrics = Exposition.Parse(scrape);
            if (background.All(metrics.Has) || DateTime.UtcNow > limit) return scrape;
            await Task.Delay(50);
        }
    }

    /// <summary>Until /-/ready, every log follower has not yet read its file.</summary>
    private static async Task WaitUntilReady(HttpClient http)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await http.GetAsync("/-/ready")).IsSuccessStatusCode)
        {
            if (DateTime.UtcNow > limit) throw new TimeoutException("the exporter was not ready within 30 s");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// pgBackRest 2.45's own output (PgBackRest/Captures: a full, an incremental and a differential that found a bad page
    /// checksum; the archive listing with a deleted segment; the backup log ending in a failed run), replayed by a
    /// script in its place so that one scrape reads the same every time (PgBackRestSourceTests runs the real one).
    /// </summary>
    private async Task<string> ReplayedPgBackRest()
    {
        string captures = Repository.PathOf("tests/XxExporter.Tests/PgBackRest/Captures");
        string folder = Directory.CreateDirectory(_host.File("pgbackrest")).FullName;
        File.Copy(Path.Combine(captures, "demo-backup-failed.log"), Path.Combine(folder, "demo-backup.log"));
        string script = Path.Combine(folder, "pgbackrest");
        File.WriteAllText(script, $"""
            #!/bin/sh
            for argument; do
              case "$argument" in
                --set=*) exec cat '{captures}/info-set-checksum-error.json' ;;
                archive/*/*/*) exec cat '{captures}/repo-ls-log-folder-gap.json' ;;
                archive/*) exec cat '{captures}/repo-ls-archive.json' ;;
              esac
            done
            exec cat '{captures}/info-checksum-error.json'

            """);
        var (code, output) = await Repository.RunAsync("chmod", "700", script);
        return code == 0 ? script : throw new InvalidOperationException(output);
    }

    private static void WriteBackup(string backups, string name, DateTime taken)
    {
        string path = Path.Combine(backups, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"simulated dump {Path.GetFileName(name)}\n");
        File.SetLastWriteTimeUtc(path, taken);
    }

    /// <summary>A self-signed certificate with set times, so its timestamps (and, with a fixed key, its fingerprint) are the same on every run.</summary>
    private static void WriteCertificate(string path, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var certificate = new CertificateRequest("CN=gateway.golden", key, HashAlgorithmName.SHA256).CreateSelfSigned(notBefore, notAfter);
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>A P-256 key whose private scalar is <paramref name="seed"/>: the same public key on every run.</summary>
    private static ECDsa FixedKey(byte seed)
    {
        var d = new byte[32];
        d[^1] = seed;
        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
    }

    public async Task DisposeAsync() => await Teardown.AllAsync(
        () => _exporter?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => _chain?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => { _nodePort?.Stop(); _standby?.Dispose(); _database?.Dispose(); _host.Dispose(); return ValueTask.CompletedTask; });
}

/// <summary>
/// One golden /metrics for every source (as node_exporter's end-to-end test): a family, series or help text that
/// changes or vanishes shows as a diff against all-sources.prom. Regenerate it after an intended change with
/// <see cref="GeneratedFile.Command"/> (see Golden/README.md) and review the diff.
/// </summary>
[FullLane]
public sealed partial class AllSourcesGoldenTests(AllSourcesHost host) : IClassFixture<AllSourcesHost>
{
    public const string GoldenFile = "tests/XxExporter.Tests/Golden/all-sources.prom";

    [Fact, Trait(GeneratedFile.Trait, GeneratedFile.Category)]
    public async Task Golden_metrics_of_every_source_are_unchanged()
    {
        string actual = Normalise(host.Scrape);
        string golden = Repository.PathOf(GoldenFile);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(golden, actual);
            // The metric reference is made from this file: written with it, whichever of the two tests runs first.
            await GeneratedFile.AssertCurrent(ReferenceDocs.MetricsFile, ReferenceDocs.Metrics(MetricFamilies.Parse(actual)));
            return;
        }
        string expected = await File.ReadAllTextAsync(golden);
        Assert.True(expected == actual, $"""
            /metrics differs from {GoldenFile}. If the change is intended, regenerate it with
            {GeneratedFile.Command}
            and review the diff:
            {TextDiff.Unified(expected, actual, GoldenFile, "/metrics (normalised)")}
            """);
    }

    [Fact]
    public async Task Promtool_finds_nothing_to_lint_in_the_scrape_or_the_golden_file()
    {
        await Promtool.AssertLintClean(host.Scrape);
        await Promtool.AssertLintClean(await File.ReadAllTextAsync(Repository.PathOf(GoldenFile)));
    }

    /// <summary>
    /// Families whose values differ between runs of the same fixture: the test process, timings, and what a real
    /// PostgreSQL server counts on its own (sizes, activity, statistics, its start, WAL archiving, the standby's lag).
    /// Everything else - log counts, backup times and sizes, certificate dates, the chain - is fixed by the fixture.
    /// </summary>
    private static readonly HashSet<string> VaryingValues =
    [
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds",
        "xx_exporter_collector_duration_seconds", "xx_probe_duration_seconds", "xx_gateway_node_probe_duration_seconds",
        "xx_dns_resolution_duration_seconds",
        // Time since the exporter first saw a binary behind (xx_binary_hash_matches_chain carries the fact), and the chain
        // requests, whose count depends on which reads shared one in flight.
        "xx_binary_behind_chain_seconds", "xx_chain_rpc_requests_total",
        "xx_postgres_database_size_bytes", "xx_postgres_table_size_bytes", "xx_postgres_connections",
        "xx_postgres_transactions_committed_total", "xx_postgres_transactions_rolled_back_total", "xx_postgres_temp_bytes_total",
        "xx_postgres_blocks_read_total", "xx_postgres_blocks_hit_total", "xx_postgres_oldest_transaction_age_seconds",
        "xx_postgres_start_time_seconds", "xx_postgres_table_live_rows", "xx_postgres_table_dead_rows",
        "xx_postgres_table_last_autovacuum_timestamp_seconds", "xx_postgres_table_last_autoanalyze_timestamp_seconds",
        "xx_postgres_wal_archived_total", "xx_postgres_wal_last_archived_timestamp_seconds", "xx_postgres_replay_lag_seconds",
    ];

    /// <summary>Labels that name the software's version (the exporter's, .NET's, the PostgreSQL server's), not the fixture.</summary>
    private static readonly Dictionary<string, string[]> VersionLabels = new()
    {
        ["xx_exporter_build_info"] = ["version", "runtime"],
        ["xx_postgres_server_info"] = ["version"],
    };

    /// <summary>
    /// The scrape as it reads on every run: families sorted by name and each one's series by their labels (sources read
    /// concurrently add series in any order; a histogram's buckets keep theirs), varying values as NaN (which keeps the
    /// file valid exposition text), version labels as "&lt;version&gt;". HELP, TYPE and every label set stay.
    /// </summary>
    public static string Normalise(string exposition)
    {
        var families = new List<(string Name, List<string> Lines)>();
        var samples = new Dictionary<string, List<string>>();
        foreach (string line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                families.Add((line.Split(' ')[2], [line]));
                samples[families[^1].Name] = [];
            }
            else if (line.StartsWith('#')) families[^1].Lines.Add(line);
            else samples[families[^1].Name].Add(Mask(families[^1].Name, line));
        }
        return string.Concat(families.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f =>
            string.Concat(f.Lines.Concat(samples[f.Name].OrderBy(s => Bucket().Replace(s[..s.LastIndexOf(' ')], ""), StringComparer.Ordinal))
                .Select(line => line + "\n"))));
    }

    private static string Mask(string family, string sample)
    {
        sample = TestFolder.Replace(sample, "<folder>"); // a label naming a path of the fixture (a certificate pattern)
        foreach (string label in VersionLabels.GetValueOrDefault(family, []))
            sample = Regex.Replace(sample, "([{,]" + label + "=)\"[^\"]*\"", "$1\"<version>\"");
        return VaryingValues.Contains(family) ? sample[..sample.LastIndexOf(' ')] + " NaN" : sample;
    }

    [GeneratedRegex("""[{,]le="[^"]*"[,}]?""")]
    private static partial Regex Bucket();

    /// <summary>A folder of this test run (<see cref="TempFolder"/>).</summary>
    private static readonly Regex TestFolder = new(Regex.Escape(TestRun.Root) + "/[0-9a-f]{12}");
}

using Microsoft.AspNetCore.Builder;
using XxExporter.Tests.Support;
using XxSimulator.Chain;
using XxSimulator.Node;

namespace XxExporter.Tests.Simulator;

/// <summary>
/// The real exporter against the simulated node on 127.0.0.1 (live logs, chain JSON-RPC over WebSocket, the stash
/// found from the IDF), in short eras: what a demo shows, and what the alert rules would see.
/// </summary>
public sealed class SimulatedNodeTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempFolder _folder = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private SimulatedNode? _node;
    private WebApplication? _exporter;

    [Fact]
    public async Task A_healthy_node_earns_points_in_every_era_and_completes_every_round()
    {
        await StartAsync(Scenario.Healthy, eraSeconds: 4);
        var first = await ScrapeUntil(m => m.Has("xx_validator_active"));
        var later = await ScrapeUntil(m => Era(m) > Era(first) && Rounds(m) > Rounds(first) + 5);

        Assert.Equal(1, later["xx_chain_up"]);
        Assert.Equal(1, later["xx_validator_active"]);
        Assert.Equal(1, later["xx_validator_intends_to_validate"]);
        Assert.Equal(0, later["xx_validator_last_era_missed"]);
        Assert.Equal(0, later["xx_validator_missed_eras"]);
        Assert.True(later["xx_validator_last_era_points"] > 0);
        Assert.Equal(1, later["xx_validator_cmix_id_matches"]);
        Assert.Equal(10, later["xx_staking_active_set_size"]);
        Assert.True(later["xx_chain_peers"] >= 5);
        Assert.Equal(0, later["xx_chain_syncing"]);
        Assert.Equal(207, later["xx_chain_runtime_spec_version"]);
        Assert.Equal(1, later[$"xx_chain_node_info{{chain=\"xx network\",version=\"0.2.7-xx-simulator\",peer_id=\"{_node!.PeerId}\"}}"]);
        Assert.True(later["xx_chain_block_height{status=\"best\"}"] > first["xx_chain_block_height{status=\"best\"}"]);
        Assert.Equal(2, later["xx_chain_block_height{status=\"best\"}"] - later["xx_chain_block_height{status=\"finalized\"}"]);
        Assert.Equal(0, Failures(later));
        Assert.Equal(0, later["xx_cmix_crashes_total"]);
        Assert.True(later["xx_gateway_rounds_received_total"] > 0);
        // Rewards claimed as each era ends; the node is the authority holding the stash's keys.
        Assert.Equal(0, later["xx_validator_unpaid_eras"]);
        Assert.Equal(84, later["xx_staking_history_depth_eras"]);
        Assert.Equal(1, later["xx_chain_node_role{role=\"authority\"}"]);
        Assert.Equal(1, later[$"xx_validator_session_keys_on_node{{stash=\"{NodeIdentity.StashAddress}\"}}"]);
    }

    [Fact]
    public async Task A_troubled_node_has_missed_the_last_era_loses_the_next_election_and_fails_rounds()
    {
        await StartAsync(Scenario.Troubled, eraSeconds: 8);
        var start = await ScrapeUntil(m => m.Has("xx_validator_last_era_missed"));
        Assert.True(Era(start) == SimulatedChain.FirstEra, $"the exporter first read the staking state in era {Era(start)}: too slow to see the start");
        Assert.Equal(1, start["xx_validator_last_era_missed"]);
        Assert.Equal(1, start["xx_validator_active"]);
        // Unclaimed for the 80 eras before the start: the oldest, era 920, 4 eras from expiring (3 once era 1001 is planned).
        Assert.Equal(920, start["xx_validator_unpaid_oldest_era"]);
        Assert.InRange(start["xx_validator_unpaid_oldest_era_eras_left"], 3, 4);
        Assert.True(start["xx_validator_unpaid_rewards_xx"] > 0);

        var lost = await ScrapeUntil(m => m.Has("xx_validator_elected_next_era"));
        Assert.Equal(SimulatedChain.FirstEra, Era(lost));
        Assert.Equal(0, lost["xx_validator_elected_next_era"]);
        Assert.Equal(1, lost["xx_validator_active"]);
        Assert.Equal(1, lost["xx_validator_intends_to_validate"]);

        var waiting = await ScrapeUntil(m => Era(m) > SimulatedChain.FirstEra);
        Assert.Equal(SimulatedChain.FirstEra + 1, Era(waiting));
        Assert.Equal(0, waiting["xx_validator_active"]);
        Assert.Equal(0, waiting["xx_validator_last_era_missed"]);
        // At most ~53 rounds fit the 8 s era, and those before the exporter started are not in its counts.
        Assert.True(Failures(waiting) + Rounds(waiting) >= 20, $"{Failures(waiting) + Rounds(waiting)} rounds in the first era");
        Assert.True(Failures(waiting) / (Failures(waiting) + Rounds(waiting)) > 0.05,
            $"{Failures(waiting)} failed and {Rounds(waiting)} completed rounds: not a troubled node");

        // While its validator waits the cMix node gets no rounds (a round in flight at the era's turn aside).
        await Task.Delay(TimeSpan.FromSeconds(1));
        var quiet = await ScrapeUntil(_ => true);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var stillQuiet = await ScrapeUntil(_ => true);
        Assert.Equal(SimulatedChain.FirstEra + 1, Era(stillQuiet));
        Assert.Equal(Failures(quiet) + Rounds(quiet), Failures(stillQuiet) + Rounds(stillQuiet));

        var back = await ScrapeUntil(m => Era(m) == SimulatedChain.FirstEra + 2 && Rounds(m) > Rounds(stillQuiet));
        Assert.Equal(1, back["xx_validator_active"]);
    }

    [Fact]
    public async Task A_healthy_node_waiting_for_an_era_loses_the_election_before_it_gets_no_rounds_and_is_elected_again()
    {
        await StartAsync(Scenario.Healthy, eraSeconds: 8, simulator: ["--waiting-era", "1"]);
        var lost = await ScrapeUntil(m => m.Has("xx_validator_elected_next_era"));
        Assert.True(Era(lost) == SimulatedChain.FirstEra, $"the exporter first read the next election in era {Era(lost)}: too slow to see the start");
        Assert.Equal(0, lost["xx_validator_elected_next_era"]);
        Assert.Equal(1, lost["xx_validator_active"]);

        // Waiting: still a candidate (not chilled), not in the era's exposures, and not a missed era.
        var waiting = await ScrapeUntil(m => Era(m) > SimulatedChain.FirstEra);
        Assert.Equal(SimulatedChain.FirstEra + 1, Era(waiting));
        Assert.Equal(0, waiting["xx_validator_active"]);
        Assert.Equal(1, waiting["xx_validator_intends_to_validate"]);
        Assert.Equal(0, waiting["xx_validator_last_era_missed"]);
        Assert.Equal(0, waiting["xx_validator_disabled"]);

        // Its cMix node gets no rounds (a round in flight at the era's turn aside).
        await Task.Delay(TimeSpan.FromSeconds(1));
        var quiet = await ScrapeUntil(_ => true);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var stillQuiet = await ScrapeUntil(_ => true);
        Assert.Equal(SimulatedChain.FirstEra + 1, Era(stillQuiet));
        Assert.Equal(0, stillQuiet["xx_validator_active"]);
        Assert.Equal(Failures(quiet) + Rounds(quiet), Failures(stillQuiet) + Rounds(stillQuiet));

        var elected = await ScrapeUntil(m => Era(m) > SimulatedChain.FirstEra + 1 || m.Has("xx_validator_elected_next_era"));
        Assert.Equal(SimulatedChain.FirstEra + 1, Era(elected));
        Assert.Equal(1, elected["xx_validator_elected_next_era"]);
        Assert.Equal(0, elected["xx_validator_active"]);

        var back = await ScrapeUntil(m => Era(m) == SimulatedChain.FirstEra + 2 && Rounds(m) > Rounds(stillQuiet));
        Assert.Equal(1, back["xx_validator_active"]);
        Assert.Equal(0, back["xx_validator_last_era_missed"]);
        Assert.Equal(0, back["xx_validator_missed_eras"]);
    }

    [Fact]
    public async Task A_long_era_lasts_its_own_length_and_the_eras_after_it_the_era_length()
    {
        await StartAsync(Scenario.Healthy, eraSeconds: 3, simulator: ["--long-era", "1:9"]);
        uint longEra = SimulatedChain.FirstEra + 1;
        Assert.Equal(TimeSpan.FromSeconds(3), _node!.EraStartsAt(longEra) - _node.EraStartsAt(SimulatedChain.FirstEra));
        Assert.Equal(TimeSpan.FromSeconds(9), _node.EraStartsAt(longEra + 1) - _node.EraStartsAt(longEra));
        Assert.Equal(TimeSpan.FromSeconds(3), _node.EraStartsAt(longEra + 2) - _node.EraStartsAt(longEra + 1));
        Assert.Equal(_node.EraStartsAt(longEra) + TimeSpan.FromSeconds(6), _node.NextElectionKnownAt(longEra));

        // Halfway through the long era, when an era of the usual length would have ended: still the long era, its
        // start as the chain tells it, the next election not yet known.
        await ScrapeUntil(m => Era(m) == longEra);
        var halfway = _node.EraStartsAt(longEra) + TimeSpan.FromSeconds(4.5) - DateTimeOffset.UtcNow;
        if (halfway > TimeSpan.Zero) await Task.Delay(halfway);
        var during = await ScrapeUntil(_ => true);
        Assert.Equal(longEra, Era(during));
        Assert.Equal(_node.EraStartsAt(longEra).ToUnixTimeMilliseconds() / 1000.0, during["xx_staking_active_era_start_timestamp_seconds"], 3);
        Assert.False(during.Has("xx_validator_elected_next_era"));

        var next = await ScrapeUntil(m => Era(m) == longEra + 1);
        Assert.Equal(_node.EraStartsAt(longEra + 1).ToUnixTimeMilliseconds() / 1000.0, next["xx_staking_active_era_start_timestamp_seconds"], 3);
    }

    [Fact]
    public async Task A_node_started_late_in_an_era_has_its_election_known_and_a_stalled_chain_stays_at_its_last_block()
    {
        // Started 5.5 s into a 6 s era: past the election (at 4 s), the era after it half a second away.
        await StartAsync(Scenario.Troubled, eraSeconds: 6, simulator: ["--chain-started-before", "5.5", "--chain-stall-after", "2"]);
        var start = await ScrapeUntil(m => m.Has("xx_validator_elected_next_era"));
        Assert.Equal(SimulatedChain.FirstEra, Era(start));
        Assert.Equal(0, start["xx_validator_elected_next_era"]);
        Assert.Equal(_node!.EraStartsAt(SimulatedChain.FirstEra) + TimeSpan.FromSeconds(4), _node.NextElectionKnownAt(SimulatedChain.FirstEra));
        Assert.InRange(_node.EraStartsAt(SimulatedChain.FirstEra + 1) - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(-30), TimeSpan.FromSeconds(0.5));

        await ScrapeUntil(m => Era(m) == SimulatedChain.FirstEra + 1);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.NotNull(_node.ChainStalledAt);
        var stalled = await ScrapeUntil(_ => true);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var later = await ScrapeUntil(_ => true);
        Assert.Equal(stalled["xx_chain_block_height{status=\"best\"}"], later["xx_chain_block_height{status=\"best\"}"]);
        Assert.Equal(SimulatedChain.FirstEra + 1, Era(later));
    }

    [Fact]
    public async Task A_long_run_rotates_its_logs_and_the_exporter_follows_them()
    {
        await StartAsync(Scenario.Healthy, eraSeconds: 60, maxLogFileBytes: 40_000);
        var rotated = await ScrapeUntil(m => m["xx_log_rotations_total{log=\"cmix\"}"] >= 2);
        var later = await ScrapeUntil(m => Rounds(m) > Rounds(rotated) + 5);

        Assert.True(File.Exists(Path.Combine(_folder.Path, "log", "cmix.log.1")));
        Assert.True(new FileInfo(Path.Combine(_folder.Path, "log", "cmix.log")).Length < 40_000 + 64 * 1024);
        Assert.Equal(0, later["xx_log_truncations_total{log=\"cmix\"}"]);
        Assert.Equal(0, Failures(later));
        // No line lost or cut in half across a rotation (half a line would be an orphan without its record).
        Assert.Equal(0, later.Series.Where(s => s.StartsWith("xx_log_skipped_total{log=\"cmix\"")).Sum(s => later[s]));
    }

    [Fact]
    public async Task A_node_down_after_a_while_keeps_its_error_file_and_completes_no_more_rounds()
    {
        // Down 3 s after its rounds began: a round or more before it even on a loaded machine.
        await StartAsync(Scenario.Healthy, eraSeconds: 60, simulator: ["--cmix-down-after", "3"]);
        var down = await ScrapeUntil(m => m.Has("xx_cmix_error_file_present") && m["xx_cmix_error_file_present"] == 1);
        Assert.True(Rounds(down) > 0); // rounds ran before it went down
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // ten round intervals: a restarted node would have removed the file and run rounds
        var later = await ScrapeUntil(_ => true);
        Assert.Equal(1, later["xx_cmix_error_file_present"]);
        Assert.Equal(1, later["xx_cmix_error_file_decoded"]);
        Assert.Equal(Rounds(down), Rounds(later));
        Assert.True(File.Exists(Path.Combine(_folder.Path, "log", "cmix-err.log")));
    }

    [Fact]
    public async Task A_gateway_isolated_after_a_while_logs_its_nodes_rounds_but_no_more_gossip()
    {
        // Isolated 3 s after the simulator's rounds began: long enough for a round or more before it on a loaded
        // machine (a process held up for a second would otherwise reach the point before its first round).
        await StartAsync(Scenario.Healthy, eraSeconds: 60, simulator: ["--gateway-isolated-after", "3"]);
        var gossiping = await ScrapeUntil(m => m["xx_gateway_gossip_rounds_total"] > 0);
        await Task.Delay(TimeSpan.FromSeconds(3 + 1.5)); // past the point, and a round in flight there done
        var isolated = await ScrapeUntil(_ => true);
        var later = await ScrapeUntil(m => m["xx_gateway_local_rounds_total"] > isolated["xx_gateway_local_rounds_total"] + 5);
        Assert.Equal(isolated["xx_gateway_gossip_rounds_total"], later["xx_gateway_gossip_rounds_total"]);
        Assert.True(gossiping["xx_gateway_gossip_rounds_total"] > 0);

        // In the log: after the last gossip line only the node's own rounds.
        var lines = File.ReadAllLines(Path.Combine(_folder.Path, "log", "gateway.log"));
        int lastGossip = Array.FindLastIndex(lines, l => l.Contains("Gossip received for round"));
        Assert.True(lastGossip >= 0);
        Assert.True(lines.Skip(lastGossip + 1).Count(l => l.Contains("Local round data for round")) > 5);
    }

    [Fact]
    public async Task A_wrapper_that_waits_stops_the_rounds_one_that_lost_its_chain_and_a_failing_renewal_are_counted()
    {
        // Each 3 s after the rounds began, on three nodes' worth of logs in one: the wrapper waiting ends the rounds,
        // the failed chain polls and renewals go on each round.
        await StartAsync(Scenario.Healthy, eraSeconds: 60, simulator: ["--wrapper-waiting-after", "3", "--wrapper-chain-lost-after", "3", "--gateway-renewal-failing-after", "3"]);
        var running = await ScrapeUntil(m => Rounds(m) > 0 && m["xx_wrapper_waiting_for_consensus{service=\"cmix\"}"] == 0);
        var waiting = await ScrapeUntil(m => m["xx_wrapper_waiting_for_consensus{service=\"cmix\"}"] == 1);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // ten round intervals
        var later = await ScrapeUntil(m => m["xx_gateway_certificate_renewal_failures_total"] >= 2);
        Assert.True(Rounds(running) > 0);
        Assert.Equal(Rounds(waiting), Rounds(later));
        Assert.Equal(1, later["xx_wrapper_waiting_for_consensus{service=\"cmix\"}"]);
        Assert.True(later["xx_wrapper_errors_total{service=\"cmix\",kind=\"chain_connection\"}"] >= 2);
        Assert.Equal(0, later["xx_gateway_certificate_errors_total"]);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "log", "cmix-err.log")));
    }

    [Fact]
    public async Task A_wrapper_restarting_logs_each_start_and_its_cmix_process_is_gone_with_no_more_rounds()
    {
        // Restarting 3 s after the rounds began; the exporter finds the stand-in processes by the installed paths.
        string install = Path.Combine(_folder.Path, "opt");
        await StartAsync(Scenario.Healthy, eraSeconds: 60, simulator: ["--install", install, "--wrapper-restarting-after", "3"],
            exporter: ["--binaries.paths", string.Join(",", SimulatedBinaries.All.Select(b => $"{b.Name}={install}/{b.File}"))]);
        const string cmixProcesses = "xx_service_processes{service=\"cmix\"}", starts = "xx_wrapper_starts_total{service=\"cmix\"}";
        var running = await ScrapeUntil(m => Rounds(m) > 0 && m.Has(cmixProcesses) && m[cmixProcesses] == 1);
        Assert.Equal(0, running[starts]);
        var restarting = await ScrapeUntil(m => m[starts] >= 1);
        var later = await ScrapeUntil(m => m[starts] >= restarting[starts] + 5);
        Assert.Equal(0, later[cmixProcesses]);
        Assert.Equal(1, later["xx_service_processes{service=\"gateway\"}"]);
        Assert.Equal(Rounds(restarting), Rounds(later));
        // It exits before its waits: nothing holds back the process's absence.
        Assert.Equal(0, later["xx_wrapper_waiting_for_consensus{service=\"cmix\"}"]);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "log", "cmix-err.log")));
    }

    [Fact]
    public async Task A_node_authoring_no_blocks_a_changed_payee_and_a_network_stall_show_on_chain()
    {
        await StartAsync(Scenario.Healthy, eraSeconds: 60, simulator: ["--blocks-authored", "none", "--payee-change-after", "3", "--network-stall-after", "3"]);
        var before = await ScrapeUntil(m => Payee(m) == "staked");
        Assert.Equal(0, before["xx_validator_session_blocks_authored"]);
        await ScrapeUntil(m => Payee(m) == "account");
        // Stalled: the era's reward points grow by exactly the block points of the blocks imported since, and the logs show no round.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var stalled = await ScrapeUntil(_ => true);
        var later = await ScrapeUntil(m => m["xx_chain_block_height{status=\"best\"}"] >= stalled["xx_chain_block_height{status=\"best\"}"] + 2);
        double blockPoints = later["xx_chain_cmix_points{event=\"block\"}"];
        Assert.Equal(blockPoints * (later["xx_chain_block_height{status=\"best\"}"] - stalled["xx_chain_block_height{status=\"best\"}"]),
            later["xx_staking_active_era_points{kind=\"reward\"}"] - stalled["xx_staking_active_era_points{kind=\"reward\"}"]);
        Assert.Equal(Rounds(stalled), Rounds(later));
        Assert.Equal(0, later["xx_validator_session_blocks_authored"]);
    }

    /// <summary>The destination of the one xx_validator_payee_info series (null: none, or more than one).</summary>
    private static string? Payee(Exposition m) =>
        m.Series.Where(s => s.StartsWith("xx_validator_payee_info{", StringComparison.Ordinal)).ToList() is [var series]
            ? System.Text.RegularExpressions.Regex.Match(series, "destination=\"([a-z]+)\"").Groups[1].Value : null;

    [Fact]
    public async Task The_gateway_config_names_the_given_node_address()
    {
        int closed = Loopback.FreePort();
        string config = Path.Combine(_folder.Path, "config");
        await StartAsync(Scenario.Healthy, eraSeconds: 60, simulator: ["--config", config, "--gateway-node-address", $"localhost:{closed}"],
            exporter: ["--checks.gateway-config", Path.Combine(config, "gateway.yaml")]);
        Assert.Contains($"cmixAddress: \"localhost:{closed}\"", File.ReadAllText(Path.Combine(config, "gateway.yaml")));
        var m = await ScrapeUntil(m => m.Has("xx_gateway_node_probe_result{result=\"refused\"}"));
        Assert.Equal(1, m["xx_gateway_node_probe_result{result=\"refused\"}"]);
    }

    [Fact]
    public async Task A_binary_left_behind_differs_from_the_chains_hash_and_the_others_match()
    {
        string install = Path.Combine(_folder.Path, "opt");
        await StartAsync(Scenario.Healthy, eraSeconds: 60, simulator: ["--install", install, "--binary-behind", "libpow"],
            exporter: ["--binaries.paths", string.Join(",", SimulatedBinaries.All.Select(b => $"{b.Name}={install}/{b.File}"))]);
        var m = await ScrapeUntil(m => m.Has("xx_binary_hash_matches_chain{binary=\"libpow\",source=\"file\"}"));
        foreach (var (name, _, _) in SimulatedBinaries.All)
        {
            Assert.Equal(1, m[$"xx_binary_installed{{binary=\"{name}\"}}"]);
            Assert.Equal(name == "libpow" ? 0 : 1, m[$"xx_binary_hash_matches_chain{{binary=\"{name}\",source=\"file\"}}"]);
        }
    }

    /// <summary>
    /// The node from its command line (<paramref name="simulator"/> added to the options every test uses), and the
    /// exporter reading its logs and chain (<paramref name="exporter"/> added).
    /// </summary>
    private async Task StartAsync(Scenario scenario, int eraSeconds, long maxLogFileBytes = 64 << 20, string[]? simulator = null, string[]? exporter = null)
    {
        string logs = Path.Combine(_folder.Path, "log"), cred = Path.Combine(_folder.Path, "cred");
        _node = await SimulatedNode.StartAsync(NodeCommandLine.Parse([
            "--logs", logs, "--cred", cred, "--listen", "127.0.0.1:0", "--scenario", scenario.ToString().ToLowerInvariant(),
            "--era-seconds", eraSeconds.ToString(), "--round-seconds", "0.15", .. simulator ?? []]) with { MaxLogFileBytes = maxLogFileBytes });
        (_exporter, _http.BaseAddress) = await ExporterTesting.StartAsync(["--web.listen-address", "127.0.0.1:0", "--logs.dir", logs,
            "--logs.poll-interval", "100ms", "--chain.rpc-url", _node.RpcUrl, "--chain.idf-path", Path.Combine(cred, "cmix-IDF.json"),
            "--checks.backups", "", "--checks.certificates", "", "--checks.probes", "", "--log.level", "warn", .. exporter ?? []]);
    }

    /// <summary>Scrapes /metrics until <paramref name="done"/> holds; fails with the last scrape after the deadline.</summary>
    private async Task<Exposition> ScrapeUntil(Func<Exposition, bool> done)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var metrics = Exposition.Parse(await _http.GetStringAsync("metrics"));
            if (metrics.Has("xx_chain_up") && metrics["xx_chain_up"] == 1 && done(metrics)) return metrics;
            if (waited.Elapsed > Deadline) Assert.Fail($"not reached within {Deadline.TotalSeconds} s; last scrape:\n{metrics.Text}");
            await Task.Delay(100);
        }
    }

    private static uint Era(Exposition m) => m.Has("xx_staking_active_era") ? (uint)m["xx_staking_active_era"] : 0;

    private static double Rounds(Exposition m) => m["xx_cmix_rounds_completed_total"];

    private static double Failures(Exposition m) => m.Series.Where(s => s.StartsWith("xx_cmix_round_failures_total{")).Sum(s => m[s]);

    public async ValueTask DisposeAsync() => await Teardown.AllAsync(
        () => _exporter?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => _node?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => { _http.Dispose(); _folder.Dispose(); return ValueTask.CompletedTask; });
}

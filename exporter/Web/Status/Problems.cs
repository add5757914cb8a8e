using XxExporter.Logs;

namespace XxExporter.Web.Status;

/// <summary>The alert rule's <c>severity</c> label (prometheus/rules/xx-alerts.yml): red, amber or blue on the page.</summary>
public enum Severity { Critical, Warning, Info }

/// <summary>The part of the page a problem belongs to; its row there is the finding's subject.</summary>
public enum Card { Validator, Cmix, Gateway, Chain, Databases, Backups, Certificates, Logs, Reachability, Collectors }

/// <summary>
/// A number of the alert's expression: <paramref name="Template"/> is the expression's text around it with
/// <c>{}</c> where it stands (<c>5m</c>, <c>26 * 3600</c> and <c>0.05</c> are numbers there; durations in seconds).
/// </summary>
public sealed record Pin(string Template, double Value);

/// <summary>One thing found wrong: the row it concerns (null: the card as a whole) and the sentence a person reads.</summary>
public sealed record Finding(string? Subject, string Sentence);

/// <summary>
/// One alert rule as the exporter judges it over its own samples: the rule's name (its runbook is
/// docs/runbooks/&lt;Alert&gt;.md), its severity label, the numbers of its expression (<see cref="Pins"/>, handed to
/// <see cref="Find"/> in order), text its expression must hold (<see cref="Holds"/>: the conditions the code
/// follows), the families whose past <see cref="Find"/> looks at, and the finder. StatusProblemsTests compares every
/// pin, hold, severity and runbook with the rule.
/// </summary>
public sealed record ProblemRule(string Alert, Severity Severity, Card Card, Pin[] Pins, string[] Holds, string[] Remembers,
    Func<Judge, double[], IEnumerable<Finding>> Find)
{
    public const string RunbookBase = "https://github.com/xx-exporter/xx-exporter/blob/main/docs/runbooks/";

    public string Runbook => $"{RunbookBase}{Alert}.md";
}

/// <summary>An alert the exporter cannot judge alone, and why: the page lists these so their absence says nothing.</summary>
public sealed record NotJudged(string Alert, string Why);

/// <summary>
/// The problem table: every alert of prometheus/rules/xx-alerts.yml the exporter can judge over its own samples
/// (now, and the last hours in <see cref="SampleWindow"/>), one entry each; the others in <see cref="NotJudgedHere"/>.
/// The page shows a problem as soon as its condition holds; Prometheus fires the alert once it has held for the
/// rule's <c>for:</c>. To add a problem, add one entry here (README.md "Host checks and the status page").
/// </summary>
public static class Problems
{
    private static readonly string[] WrapperUpdateKinds = ["update_failed", "signature", "command_failed"];
    private static readonly string[] UnusableGatewayConfig = ["unreadable", "invalid", "no_address"];
    private static readonly string[] LogsExpectedToSpeak = ["cmix", "gateway"];   // the wrapper logs are quiet by nature
    // The four logs' collectors (LogFilesSource's log_files is not one: it only counts files).
    private static readonly string LogCollectors = $"log_({string.Join('|', LogKinds.All.Select(kind => kind.Label()))})";
    private static bool IsLogCollector(string collector) => LogKinds.All.Any(kind => collector == $"log_{kind.Label()}");

    public static readonly IReadOnlyList<ProblemRule> All =
    [
        // ---- The validator on chain ----
        new("XxValidatorMissedEra", Severity.Critical, Card.Validator, [], ["xx_validator_missed_eras and xx_validator_last_era_missed == 1"], [],
            (j, _) => j.Value("xx_validator_last_era_missed") == 1 && j.Value("xx_validator_missed_eras") is { } missed
                ? [new(null, $"The validator was elected in the last era but earned no era points, so no reward for it ({missed:0} missed in the exporter's window).")] : []),
        new("XxValidatorNotElectedNextEra", Severity.Warning, Card.Validator, [], ["xx_validator_elected_next_era == 0 and xx_validator_active == 1"], [],
            (j, _) => j.Value("xx_validator_elected_next_era") == 0 && j.Value("xx_validator_active") == 1
                ? [new(null, "The validator is active now but was not elected for the next era: from then on it earns nothing.")] : []),
        new("XxValidatorSlashQueued", Severity.Critical, Card.Validator, [new("xx_validator_unapplied_slashes > {}", 0)], [], [],
            (j, n) => j.Value("xx_validator_unapplied_slashes") is { } queued && queued > n[0]
                ? [new(null, $"{queued:0} slash(es) of {j.Value("xx_validator_unapplied_slash_xx") ?? 0:#,0.##} xx are queued against the validator, applied in era {j.Value("xx_validator_unapplied_slash_apply_era"):0}"
                    + (j.Value("xx_validator_unapplied_slash_apply_timestamp_seconds") is { } due && due > j.Now ? $" (in about {Judge.Span(due - j.Now)}): governance can still cancel them before then." : "."))] : []),
        new("XxValidatorSlashed", Severity.Critical, Card.Validator, [new("xx_validator_last_slash_era >= (xx_staking_active_era - {})", 1)], [], [],
            (j, n) => j.Value("xx_validator_last_slash_era") is { } era && j.Value("xx_staking_active_era") is { } active && era >= active - n[0]
                ? [new(null, $"The validator was slashed in era {era:0} ({j.Value("xx_validator_slashed_xx") ?? 0:#,0.##} xx over {j.Value("xx_validator_slashed_eras") ?? 0:0} era(s) of the last {j.Value("xx_validator_slashed_eras_window") ?? 0:0}).")] : []),
        new("XxValidatorDisabled", Severity.Critical, Card.Validator, [], ["xx_validator_disabled == 1 or xx_validator_offending == 1"], [],
            (j, _) => j.Value("xx_validator_disabled") == 1 || j.Value("xx_validator_offending") == 1
                ? [new(null, "The validator is disabled or marked offending in the active set after an offence: it authors and votes nothing until the next era.")] : []),
        new("XxValidatorOfflineRisk", Severity.Critical, Card.Validator, [new("xx_staking_session_progress_ratio > {}", 0.85)],
            ["xx_validator_heartbeat_received == 0", "and on(instance, job) xx_validator_session_blocks_authored == 0", "and on(instance, job) xx_validator_active == 1"], [],
            (j, n) => j.Value("xx_validator_heartbeat_received") == 0 && j.Value("xx_validator_session_blocks_authored") == 0 && j.Value("xx_validator_active") == 1
                    && j.Value("xx_staking_session_progress_ratio") is { } progress && progress > n[0]
                ? [new(null, $"The session is {progress * 100:0}% done and the validator has sent no heartbeat and authored no block: at its end it is reported offline.")] : []),
        new("XxValidatorRewardsExpiringSoon", Severity.Warning, Card.Validator,
            [new("xx_validator_unpaid_oldest_era_eras_left <= {}", 7), new(" > {}", 2)], [], [],
            (j, n) => j.Value("xx_validator_unpaid_oldest_era_eras_left") is { } left && left <= n[0] && left > n[1]
                ? [new(null, $"The oldest unpaid era ({j.Value("xx_validator_unpaid_oldest_era"):0}) can be claimed for {left:0} more era(s): "
                    + $"{j.Value("xx_validator_unpaid_eras") ?? 0:0} era(s) holding {j.Value("xx_validator_unpaid_rewards_xx") ?? 0:#,0.##} xx wait for payout_stakers.")] : []),
        new("XxValidatorRewardsExpiring", Severity.Critical, Card.Validator, [new("xx_validator_unpaid_oldest_era_eras_left <= {}", 2)], [], [],
            (j, n) => j.Value("xx_validator_unpaid_oldest_era_eras_left") is { } left && left <= n[0]
                ? [new(null, $"The rewards of unpaid era {j.Value("xx_validator_unpaid_oldest_era"):0} expire in {left:0} era(s) (0: this is the last one): "
                    + "send payout_stakers for it now, or the validator's and its nominators' rewards are gone.")] : []),
        // The rule also stays quiet while another monitored authority node of the stash holds the keys; this page sees
        // only its own node, so it judges that node alone.
        new("XxValidatorSessionKeysMissing", Severity.Critical, Card.Validator, [],
            ["xx_validator_session_keys_on_node == 0", "and on(instance, job) (xx_chain_node_role{role=\"authority\"} == 1)",
                "and on(instance, job) (xx_validator_active == 1 or xx_validator_elected_next_era == 1)"], [],
            (j, _) => j.Value("xx_validator_session_keys_on_node") == 0 && j.Value("xx_chain_node_role", ("role", "authority")) == 1
                    && (j.Value("xx_validator_active") == 1 || j.Value("xx_validator_elected_next_era") == 1)
                ? [new(null, "This authority node's keystore lacks the stash's next session keys (author_hasSessionKeys): unless another node of the stash holds them, "
                    + "the validator authors, votes and sends heartbeats with none from the next session on.")] : []),
        new("XxValidatorChilled", Severity.Critical, Card.Validator, [], ["xx_validator_intends_to_validate == 0"], [],
            (j, _) => j.Value("xx_validator_intends_to_validate") == 0
                ? [new(null, "The validator is chilled: it is left out of every election until staking.validate is sent again.")] : []),
        new("XxValidatorNoEraPoints", Severity.Critical, Card.Validator,
            [new("xx_validator_era_points offset {})", 7200), new("xx_validator_era_points offset 2h) <= {}", 0), new("changes(xx_staking_active_era[{}])", 7200)],
            ["and xx_validator_active == 1", "and changes(xx_staking_active_era[2h]) == 0"], ["xx_validator_era_points", "xx_staking_active_era"],
            (j, n) => j.Value("xx_validator_active") == 1 && j.One("xx_validator_era_points") is { } points && j.Ago(points, n[0]) is { } before
                && points.Value - before <= n[1] && j.One("xx_staking_active_era") is { } era && j.Ago(era, n[2]) == era.Value && j.Min(era, n[2]) == era.Value
                ? [new(null, $"The active validator has earned no era points in the last {Judge.Span(n[0])}: it neither completes cMix rounds nor authors blocks.")] : []),
        new("XxValidatorEraPointsLow", Severity.Warning, Card.Validator,
            [new("xx_validator_era_points / xx_validator_era_points_active_set_median < {}", 0.5), new("and xx_validator_era_points_active_set_median >= {}", 1000)],
            ["and xx_validator_active == 1"], [],
            (j, n) => j.Value("xx_validator_active") == 1 && j.Value("xx_validator_era_points_active_set_median") is { } median && median >= n[1]
                && j.Value("xx_validator_era_points") / median < n[0]
                ? [new(null, $"The validator has {j.Value("xx_validator_era_points") / median:P0} of the active set's median era points this era (under {n[0]:P0}), and its reward share shrinks with them.")] : []),
        new("XxValidatorEnteringActiveSet", Severity.Info, Card.Validator, [], ["xx_validator_elected_next_era == 1 and xx_validator_active == 0"], [],
            (j, _) => j.Value("xx_validator_elected_next_era") == 1 && j.Value("xx_validator_active") == 0
                ? [new(null, "The validator is waiting and was elected for the next era: cMix, the gateway and the chain node must be up to date when it starts.")] : []),
        new("XxValidatorCmixIdMismatch", Severity.Critical, Card.Validator, [], ["xx_validator_cmix_id_matches == 0"], [],
            (j, _) => j.Value("xx_validator_cmix_id_matches") == 0
                ? [new(null, "The cMix ID bonded on chain is not this node's cmix-IDF.json: the wrapper will not start cMix for it.")] : []),

        // ---- The cMix node ----
        new("XxCmixNoRoundCompleted", Severity.Critical, Card.Cmix,
            [new("time() - xx_cmix_last_round_completed_timestamp_seconds > {}", 1800), new("time() - process_start_time_seconds > {}", 1800),
                new("unless on(instance, job) (time() - xx_staking_active_era_start_timestamp_seconds < {}", 1800)],
            ["and on(instance, job) (xx_validator_active == 1)", "and on(instance, job) (xx_log_file_present{log=\"cmix\"} == 1)"], [],
            (j, n) => j.Value("xx_cmix_last_round_completed_timestamp_seconds") is { } last && j.Now - last > n[0] && j.Value("xx_validator_active") == 1
                && j.Value("xx_log_file_present", ("log", "cmix")) == 1 && j.Watched > n[1] && !(j.Now - j.Value("xx_staking_active_era_start_timestamp_seconds") < n[2])
                ? [new(null, last > 0 ? $"The active validator's cMix node has completed no round for {Judge.Span(j.Now - last)}: it earns no cMix points."
                    : "The active validator's cMix node has completed no round since the exporter started: it earns no cMix points.")] : []),
        new("XxCmixRoundFailureRatioHigh", Severity.Warning, Card.Cmix,
            [new("increase(xx_cmix_round_failures_total[{}])) + increase(xx_cmix_rounds_completed_total[6h])) >=", 21600),
                new("increase(xx_cmix_round_failures_total[{}])) + increase(xx_cmix_rounds_completed_total[1h]))", 3600),
                new("increase(xx_cmix_rounds_completed_total[6h])) ) > {}", 0.05), new("increase(xx_cmix_rounds_completed_total[1h])) ) > {}", 0.05),
                new("increase(xx_cmix_rounds_completed_total[6h])) >= {}", 20)],
            [], ["xx_cmix_rounds_completed_total", "xx_cmix_round_failures_total"],
            (j, n) => j.Rounds(n[0]) is var (completed, failed) && completed + failed >= n[4] && failed / (completed + failed) > n[2]
                && j.Rounds(n[1]) is var (lastHourCompleted, lastHourFailed) && lastHourFailed / (lastHourCompleted + lastHourFailed) > n[3]
                ? [new(null, $"{failed / (completed + failed):P1} of the {completed + failed:0} cMix rounds of the last {Judge.Span(j.Covered(n[0]))} failed (over {n[3]:P0} in the last hour too): above {n[2]:P0} the failure deductions cancel the points of the completed rounds.")] : []),
        new("XxCrashLoop", Severity.Critical, Card.Cmix, [new("_total[{}])", 900), new("[15m]) >= {}", 5)], [],
            ["xx_wrapper_restarts_total", "xx_cmix_crashes_total", "xx_gateway_crashes_total"],
            (j, n) => j.All("xx_wrapper_restarts_total").Select(s => (Service: s.Label("service"), Times: j.Increase(s, n[0]), What: "was restarted by its wrapper"))
                .Concat(j.All("xx_cmix_crashes_total").Select(s => (Service: "cmix", Times: j.Increase(s, n[0]), What: "crashed")))
                .Concat(j.All("xx_gateway_crashes_total").Select(s => (Service: "gateway", Times: j.Increase(s, n[0]), What: "crashed")))
                .Where(c => c.Times >= n[1])
                .Select(c => new Finding(null, $"The {c.Service} process {c.What} {c.Times:0} times in the last {Judge.Span(j.Covered(n[0]))}: it is crash-looping ({n[1]:0} in {Judge.Span(n[0])} is a loop)."))),
        new("XxCmixNotOnline", Severity.Critical, Card.Cmix, [new("{kind=\"not_online\"}[{}]", 300), new("[5m]) > {}", 0)], [], ["xx_cmix_scheduling_errors_total"],
            (j, n) => j.All("xx_cmix_scheduling_errors_total").Where(s => s.Label("kind") == "not_online" && j.Increase(s, n[0]) > n[1])
                .Select(s => new Finding(null, $"cMix logged \"Your node is not online\" {j.Increase(s, n[0]):0} times in the last {Judge.Span(j.Covered(n[0]))}: scheduling cannot reach its public port, so it gets no rounds."))),
        new("XxCmixDatabaseErrors", Severity.Critical, Card.Cmix, [new("xx_cmix_database_errors_total[{}]", 900), new("[15m]) > {}", 0)], [], ["xx_cmix_database_errors_total"],
            (j, n) => j.All("xx_cmix_database_errors_total").Where(s => j.Increase(s, n[0]) > n[1])
                .Select(s => new Finding(null, $"cMix logged {j.Increase(s, n[0]):0} database error(s) of kind {s.Label("kind")} in the last {Judge.Span(j.Covered(n[0]))}; each one stops the node."))),
        new("XxWrapperUpdateFailed", Severity.Warning, Card.Cmix, [new("command_failed\"}[{}]", 3600), new("[1h]) > {}", 0)],
            [$"xx_wrapper_errors_total{{kind=~\"{string.Join('|', WrapperUpdateKinds)}\"}}"], ["xx_wrapper_errors_total"],
            (j, n) => j.All("xx_wrapper_errors_total").Where(s => WrapperUpdateKinds.Contains(s.Label("kind")) && j.Increase(s, n[0]) > n[1])
                .Select(s => new Finding(null, $"The {s.Label("service")} wrapper logged {j.Increase(s, n[0]):0} {s.Label("kind")} error(s) in the last {Judge.Span(j.Covered(n[0]))}: the binary may be out of date."))),

        new("XxCmixStoppedOnError", Severity.Critical, Card.Cmix, [new("time() - xx_cmix_error_file_modified_timestamp_seconds > {}", 60)], [], [],
            (j, n) => j.Value("xx_cmix_error_file_modified_timestamp_seconds") is { } written && j.Now - written > n[0]
                ? [new(null, $"cmix-err.log was written {Judge.Span(j.Now - written)} ago and is still there: the cMix node stopped on that error and its restart did not clear it (the error is below).")] : []),
        new("XxBinaryBehindChain", Severity.Warning, Card.Cmix, [], ["min without (source) (xx_binary_hash_matches_chain) == 0",
                "unless on(instance, job) (max by (instance, job) (xx_wrapper_waiting_for_consensus) == 1)"], [],
            (j, _) => j.All("xx_wrapper_waiting_for_consensus").Any(s => s.Value == 1) ? [] : j.All("xx_binary_hash_matches_chain").Where(s => s.Value == 0)
                .GroupBy(s => s.Label("binary"))
                .Select(g => new Finding(null, $"The installed {g.Key} differs from its XXCmix.CmixHashes entry on chain ({string.Join(", ", g.Select(s => s.Label("source")))}): the wrapper's update has not applied."))),

        // ---- The gateway ----
        new("XxGatewayNoPeerGossip", Severity.Warning, Card.Gateway,
            [new("increase(xx_gateway_local_rounds_total[{}]) > 0)", 1800), new("increase(xx_gateway_gossip_rounds_total[{}]) == 0)", 600),
                new("time() - process_start_time_seconds > {}", 600), new("min_over_time(xx_validator_active[{}])", 1800)], [],
            ["xx_gateway_local_rounds_total", "xx_gateway_gossip_rounds_total", "xx_validator_active"],
            (j, n) => j.WasOutOfActiveSet(n[3]) || !(j.Watched > n[2]) ? []
                : j.All("xx_gateway_local_rounds_total").Where(s => j.Increase(s, n[0]) > 0).Take(1)
                    .Where(_ => j.All("xx_gateway_gossip_rounds_total").All(g => j.Increase(g, n[1]) == 0))
                    .Select(s => new Finding(null, $"The gateway logged {j.Increase(s, n[0]):0} rounds of its own node in the last {Judge.Span(j.Covered(n[0]))} but no peer gossip in the last {Judge.Span(j.Covered(n[1]))}: it hears no other gateway."))),
        new("XxGatewayIsolated", Severity.Critical, Card.Gateway,
            [new("time() - xx_gateway_last_gossip_timestamp_seconds > {}", 7200), new("increase(xx_gateway_local_rounds_total[{}]) > 0)", 1800),
                new("time() - process_start_time_seconds > {}", 7200), new("min_over_time(xx_validator_active[{}])", 1800)], [],
            ["xx_gateway_local_rounds_total", "xx_validator_active"],
            (j, n) => j.WasOutOfActiveSet(n[3]) || !(j.Watched > n[2]) || j.Value("xx_gateway_last_gossip_timestamp_seconds") is not { } last || !(j.Now - last > n[0])
                || !j.All("xx_gateway_local_rounds_total").Any(s => j.Increase(s, n[1]) > 0) ? []
                : [new(null, last > 0 ? $"No peer gateway has gossiped to this gateway for {Judge.Span(j.Now - last)} while its own node's rounds still arrive: its clients miss the network's messages."
                    : $"No peer gateway has gossiped to this gateway since the exporter started, {Judge.Span(j.Watched ?? 0)} ago, while its own node's rounds still arrive: its clients miss the network's messages.")]),
        new("XxGatewayNotStoringRounds", Severity.Critical, Card.Gateway,
            [new("time() - xx_gateway_last_stored_round_timestamp_seconds > {}", 900), new("min_over_time(xx_validator_active[{}])", 1800)], [], ["xx_validator_active"],
            (j, n) => j.WasOutOfActiveSet(n[1]) ? [] : j.All("xx_gateway_last_stored_round_timestamp_seconds").Where(s => j.Now - s.Value > n[0])
                .Select(s => new Finding(null, $"The newest round in {s.Label("database")}.client_rounds is {Judge.Span(j.Now - s.Value)} old: the gateway stores no rounds, so clients cannot pick up their messages."))),
        new("XxGatewayNoRoundsReceived", Severity.Warning, Card.Gateway,
            [new("time() - xx_gateway_last_round_received_timestamp_seconds > {}", 900), new("time() - process_start_time_seconds > {}", 900),
                new("min_over_time(xx_validator_active[{}])", 1800)],
            ["and on(instance, job) (xx_log_file_present{log=\"gateway\"} == 1)"], ["xx_validator_active"],
            (j, n) => j.Value("xx_gateway_last_round_received_timestamp_seconds") is { } last && j.Now - last > n[0]
                && j.Value("xx_log_file_present", ("log", "gateway")) == 1 && j.Watched > n[1] && !j.WasOutOfActiveSet(n[2])
                ? [new(null, last > 0 ? $"gateway.log has shown no \"Round N received\" for {Judge.Span(j.Now - last)}." : "gateway.log has shown no \"Round N received\" since the exporter started.")] : []),
        new("XxGatewayDatabaseSlow", Severity.Warning, Card.Gateway, [new("xx_gateway_slow_queries_total[{}]", 900), new("[15m]) > {}", 5)], [], ["xx_gateway_slow_queries_total"],
            (j, n) => j.All("xx_gateway_slow_queries_total").Where(s => j.Increase(s, n[0]) > n[1])
                .Select(s => new Finding(null, $"The gateway logged {j.Increase(s, n[0]):0} database queries over 1 s in the last {Judge.Span(j.Covered(n[0]))}; at 10 s a query times out and the gateway crashes."))),
        new("XxGatewayDatabaseErrors", Severity.Critical, Card.Gateway, [new("xx_gateway_database_errors_total[{}]", 900), new("[15m]) > {}", 0)], [], ["xx_gateway_database_errors_total"],
            (j, n) => j.All("xx_gateway_database_errors_total").Where(s => j.Increase(s, n[0]) > n[1])
                .Select(s => new Finding(null, $"The gateway logged {j.Increase(s, n[0]):0} database error(s) of kind {s.Label("kind")} in the last {Judge.Span(j.Covered(n[0]))}."))),
        new("XxGatewayHttpsCertificateExpired", Severity.Warning, Card.Gateway, [new("xx_gateway_certificate_errors_total[{}]", 3600), new("[1h]) >= {}", 2)], [],
            ["xx_gateway_certificate_errors_total"],
            (j, n) => j.All("xx_gateway_certificate_errors_total").Where(s => j.Increase(s, n[0]) >= n[1])
                .Select(s => new Finding(null, $"The gateway reported its HTTPS certificate expired {j.Increase(s, n[0]):0} times in the last {Judge.Span(j.Covered(n[0]))}: renewal is not working."))),

        // ---- The chain node ----
        new("XxChainDown", Severity.Critical, Card.Chain, [], ["xx_chain_up == 0"], [],
            (j, _) => j.Value("xx_chain_up") == 0 ? [new(null, "The chain node does not answer the exporter's JSON-RPC calls (--chain.rpc-url).")] : []),
        new("XxChainMajorSyncing", Severity.Warning, Card.Chain, [], ["xx_chain_syncing == 1"], [],
            (j, _) => j.Value("xx_chain_syncing") == 1 ? [new(null, "The chain node is major-syncing: until it is synced it cannot author blocks.")] : []),
        new("XxChainBehind", Severity.Warning, Card.Chain,
            [new("xx_chain_block_height{status=\"target\"} - ignoring(status) xx_chain_block_height{status=\"best\"} > {}", 20)],
            ["unless on(instance, job) (xx_chain_syncing == 1)"], [],
            (j, n) => j.Value("xx_chain_syncing") != 1 && j.Value("xx_chain_block_height", ("status", "target")) - j.Value("xx_chain_block_height", ("status", "best")) is { } behind && behind > n[0]
                ? [new(null, $"The chain node is {behind:0} blocks behind the best block its peers know.")] : []),
        new("XxChainBlockProductionStalled", Severity.Critical, Card.Chain, [new("delta(xx_chain_block_height{status=\"best\"}[{}]", 180), new("[3m]) <= {}", 0)], [],
            ["xx_chain_block_height"],
            (j, n) => j.All("xx_chain_block_height").Where(s => s.Label("status") == "best" && s.Value - j.Ago(s, n[0]) <= n[1])
                .Select(s => new Finding(null, $"The chain node's best block (#{s.Value:0}) has not advanced in {Judge.Span(n[0])}."))),
        new("XxChainFinalityLagging", Severity.Warning, Card.Chain,
            [new("xx_chain_block_height{status=\"best\"} - ignoring(status) xx_chain_block_height{status=\"finalized\"} > {}", 20)],
            ["unless on(instance, job) (xx_chain_syncing == 1)"], [],
            (j, n) => j.Value("xx_chain_syncing") != 1 && j.Value("xx_chain_block_height", ("status", "best")) - j.Value("xx_chain_block_height", ("status", "finalized")) is { } lag && lag > n[0]
                ? [new(null, $"Finality lags {lag:0} blocks behind the best block (normally 2-3).")] : []),
        new("XxChainFinalityStalled", Severity.Warning, Card.Chain, [new("delta(xx_chain_block_height{status=\"finalized\"}[{}]", 600), new("[10m]) <= {}", 0)], [],
            ["xx_chain_block_height"],
            (j, n) => j.All("xx_chain_block_height").Where(s => s.Label("status") == "finalized" && s.Value - j.Ago(s, n[0]) <= n[1])
                .Select(s => new Finding(null, $"The finalized block (#{s.Value:0}) has not advanced in {Judge.Span(n[0])}."))),
        new("XxChainPeersLow", Severity.Warning, Card.Chain, [new("xx_chain_peers < {}", 3)], [], [],
            (j, n) => j.Value("xx_chain_peers") is { } peers && peers < n[0] ? [new(null, $"The chain node has only {peers:0} peer(s).")] : []),

        // ---- PostgreSQL ----
        new("XxPostgresDown", Severity.Critical, Card.Databases, [], ["xx_postgres_up == 0"], [],
            (j, _) => j.All("xx_postgres_up").Where(s => s.Value == 0)
                .Select(s => new Finding(s.Label("database"), $"The database {s.Label("database")} cannot be queried (down, refusing the login, or not answering in time)."))),
        new("XxPostgresDeadRowsHigh", Severity.Warning, Card.Databases,
            [new("xx_postgres_table_dead_rows / clamp_min(xx_postgres_table_live_rows, 1) > {}", 0.5), new("and xx_postgres_table_dead_rows > {}", 100000)], [], [],
            (j, n) => j.All("xx_postgres_table_dead_rows").Where(d => d.Value > n[1]
                    && d.Value / Math.Max(j.Value("xx_postgres_table_live_rows", ("database", d.Label("database")), ("table", d.Label("table"))) ?? 0, 1) > n[0])
                .Select(d => new Finding(d.Label("database"), $"Table {d.Label("table")} of {d.Label("database")} has {d.Value:#,0} dead rows, over {n[0]:P0} of its live ones: vacuum is not keeping up."))),
        new("XxPostgresWalArchiveFailing", Severity.Warning, Card.Databases, [new("increase(xx_postgres_wal_archive_failed_total[{}]", 900), new("[15m]) > {}", 0)],
            ["and xx_postgres_wal_last_archive_failure_timestamp_seconds > xx_postgres_wal_last_archived_timestamp_seconds"], ["xx_postgres_wal_archive_failed_total"],
            (j, n) => j.All("xx_postgres_wal_archive_failed_total").Where(s => j.Increase(s, n[0]) > n[1]
                    && j.Value("xx_postgres_wal_last_archive_failure_timestamp_seconds", ("database", s.Label("database"))) > j.Value("xx_postgres_wal_last_archived_timestamp_seconds", ("database", s.Label("database"))))
                .Select(s => new Finding(s.Label("database"), $"The server of {s.Label("database")} failed to archive WAL {j.Increase(s, n[0]):0} times in the last {Judge.Span(j.Covered(n[0]))} and archived nothing since."))),
        new("XxPostgresWalArchiveStale", Severity.Warning, Card.Databases,
            [new("time() - xx_postgres_wal_last_archived_timestamp_seconds > {}", 26 * 3600), new("and xx_postgres_wal_last_archived_timestamp_seconds > {}", 0)], [], [],
            (j, n) => j.All("xx_postgres_wal_last_archived_timestamp_seconds").Where(s => s.Value > n[1] && j.Now - s.Value > n[0])
                .Select(s => new Finding(s.Label("database"), $"The server of {s.Label("database")} last archived a WAL segment {Judge.Span(j.Now - s.Value)} ago (over {Judge.Span(n[0])})."))),

        // ---- Host checks ----
        new("XxBackupStale", Severity.Critical, Card.Backups, [new("time() - xx_backup_last_success_timestamp_seconds > {}", 26 * 3600)], [], [],
            (j, n) => j.All("xx_backup_last_success_timestamp_seconds").Where(s => j.Now - s.Value > n[0])
                .Select(s => new Finding(s.Label("target"), $"The newest backup of {s.Label("target")} is {Judge.Span(j.Now - s.Value)} old (over {Judge.Span(n[0])})."))),
        new("XxBackupMissing", Severity.Critical, Card.Backups, [], ["xx_backup_present == 0"], [],
            (j, _) => j.All("xx_backup_present").Where(s => s.Value == 0)
                .Select(s => new Finding(s.Label("target"), $"The backup target {s.Label("target")} has no backup file at all (--checks.backups)."))),
        new("XxBackupTooSmall", Severity.Critical, Card.Backups, [], ["xx_backup_too_small == 1"], [],
            (j, _) => j.All("xx_backup_too_small").Where(s => s.Value == 1)
                .Select(s => new Finding(s.Label("target"), $"The newest backup of {s.Label("target")} is {j.Value("xx_backup_size_bytes", ("target", s.Label("target"))) ?? 0:#,0} bytes, under --checks.backup-min-bytes: the backup failed."))),
        new("XxCertificateExpiringSoon", Severity.Warning, Card.Certificates, [new("- time() < {}", 14 * 86400), new("- time() >= {}", 3 * 86400)], [], [],
            (j, n) => j.All("xx_tls_certificate_expiry_timestamp_seconds").Where(s => s.Value - j.Now < n[0] && s.Value - j.Now >= n[1])
                .Select(s => new Finding(s.Label("file"), $"The certificate {s.Label("file")} expires in {Judge.Span(s.Value - j.Now)}."))),
        new("XxCertificateExpiringVerySoon", Severity.Critical, Card.Certificates, [new("- time() < {}", 3 * 86400), new("- time() >= {}", 0)], [], [],
            (j, n) => j.All("xx_tls_certificate_expiry_timestamp_seconds").Where(s => s.Value - j.Now < n[0] && s.Value - j.Now >= n[1])
                .Select(s => new Finding(s.Label("file"), $"The certificate {s.Label("file")} expires in {Judge.Span(s.Value - j.Now)}."))),
        new("XxCertificateExpired", Severity.Critical, Card.Certificates, [new("time() - xx_tls_certificate_expiry_timestamp_seconds > {}", 0)], [], [],
            (j, n) => j.All("xx_tls_certificate_expiry_timestamp_seconds").Where(s => j.Now - s.Value > n[0])
                .Select(s => new Finding(s.Label("file"), $"The certificate {s.Label("file")} expired {Judge.Span(j.Now - s.Value)} ago."))),
        new("XxGatewayNodeNameNotResolving", Severity.Critical, Card.Reachability, [], ["xx_gateway_node_probe_result{result=\"name_not_resolved\"} == 1"], [],
            (j, _) => j.Value("xx_gateway_node_probe_result", ("result", "name_not_resolved")) == 1
                ? [new(null, "The node's name in the gateway's config (cmixAddress) does not resolve: the gateway cannot find its node (a dynamic DNS name no longer updated?).")] : []),
        new("XxGatewayCannotReachNode", Severity.Critical, Card.Reachability, [new("min_over_time(xx_validator_active[{}])", 1800)],
            ["(xx_gateway_node_probe_success == 0)", "unless on(instance, job) (xx_gateway_node_probe_result{result=\"name_not_resolved\"} == 1)"], ["xx_validator_active"],
            (j, n) => j.WasOutOfActiveSet(n[0]) || j.Value("xx_gateway_node_probe_success") != 0 || j.Value("xx_gateway_node_probe_result", ("result", "name_not_resolved")) == 1 ? []
                : [new(null, $"The gateway's node (cmixAddress in its config) does not accept a connection: {j.All("xx_gateway_node_probe_result").Where(s => s.Value == 1).Select(s => s.Label("result")).FirstOrDefault() ?? "failed"}.")]),
        new("XxGatewayConfigUnusable", Severity.Warning, Card.Reachability, [],
            [$"xx_gateway_config_status{{status=~\"{string.Join('|', UnusableGatewayConfig)}\"}} == 1", "xx_gateway_config_status{status=\"missing\"} == 1",
                "and on(instance, job) (xx_log_file_present{log=\"gateway\"} == 1)"], [],
            (j, _) => j.All("xx_gateway_config_status").Where(s => s.Value == 1 && (UnusableGatewayConfig.Contains(s.Label("status"))
                    || s.Label("status") == "missing" && j.Value("xx_log_file_present", ("log", "gateway")) == 1))
                .Select(s => new Finding(null, $"The gateway's config (--checks.gateway-config) is {s.Label("status").Replace('_', ' ')}: the node's address cannot be checked; the exporter's log says why."))),
        new("XxDnsNameNotResolving", Severity.Warning, Card.Reachability, [], ["xx_dns_resolution_success == 0"], [],
            (j, _) => j.All("xx_dns_resolution_success").Where(s => s.Value == 0)
                .Select(s => new Finding(s.Label("name"), $"{s.Label("name")} does not resolve on this host ({j.All("xx_dns_resolution_result").Where(r => r.Label("name") == s.Label("name") && r.Value == 1).Select(r => r.Label("result")).FirstOrDefault() ?? "failed"}): a cMix that restarts now cannot reach it (--checks.dns-names)."))),
        new("XxPortUnreachable", Severity.Warning, Card.Reachability, [], ["xx_probe_success == 0"], [],
            (j, _) => j.All("xx_probe_success").Where(s => s.Value == 0)
                .Select(s => new Finding(s.Label("target"), $"{s.Label("target")} does not accept connections (--checks.probes)."))),
        new("XxLogSilent", Severity.Warning, Card.Logs,
            [new("time() - xx_log_last_record_timestamp_seconds{log=~\"cmix|gateway\"} > {}", 900), new("time() - process_start_time_seconds > {}", 900),
                new("min_over_time(xx_validator_active[{}])", 1800)],
            [$"xx_log_last_record_timestamp_seconds{{log=~\"{string.Join('|', LogsExpectedToSpeak)}\"}}", "and on(instance, job, log) (xx_log_file_present == 1)"],
            ["xx_validator_active"],
            (j, n) => j.WasOutOfActiveSet(n[2]) || !(j.Watched > n[1]) ? [] : j.All("xx_log_last_record_timestamp_seconds")
                .Where(s => LogsExpectedToSpeak.Contains(s.Label("log")) && j.Now - s.Value > n[0] && j.Value("xx_log_file_present", ("log", s.Label("log"))) == 1)
                .Select(s => new Finding(s.Label("log"), s.Value > 0 ? $"{s.Label("log")}.log has had no new record for {Judge.Span(j.Now - s.Value)}."
                    : $"{s.Label("log")}.log has had no new record since the exporter started, {Judge.Span(j.Watched ?? 0)} ago."))),
        new("XxLogFilesNotFound", Severity.Warning, Card.Logs, [], ["xx_log_files_found == 0"], [],
            (j, _) => j.Value("xx_log_files_found") == 0
                ? [new(LogFilesRow, "None of the enabled log files exists: check --logs.dir. No log alert can fire until they appear.")] : []),

        new("XxLogUnreadable", Severity.Critical, Card.Logs, [], [$"xx_exporter_collector_success{{collector=~\"{LogCollectors}\"}} == 0"], [],
            (j, _) => j.All("xx_exporter_collector_success").Where(s => s.Value == 0 && IsLogCollector(s.Label("collector")))
                .Select(s => new Finding(s.Label("collector")[4..], $"The exporter cannot read or follow the {s.Label("collector")[4..]} log (collector {s.Label("collector")} failing): no alert on that log can fire; the exporter's log says why."))),

        // ---- The exporter itself ----
        new("XxCollectorFailing", Severity.Warning, Card.Collectors, [],
            [$"(xx_exporter_collector_success{{collector!~\"chain|postgres_.*|staking|{LogCollectors}\"}} == 0)",
                "xx_exporter_collector_success{collector=\"staking\"} == 0 and on(instance, job) xx_node_info and on(instance, job) (xx_chain_up == 1)"], [],
            (j, _) => j.All("xx_exporter_collector_success").Where(s => s.Value == 0 && (s.Label("collector") is not ("chain" or "staking") && !s.Label("collector").StartsWith("postgres_", StringComparison.Ordinal) && !IsLogCollector(s.Label("collector"))
                    || s.Label("collector") == "staking" && j.All("xx_node_info").Any() && j.Value("xx_chain_up") == 1))
                .Select(s => new Finding(s.Label("collector"), $"The {s.Label("collector")} collector is failing: its series (and the alerts on them) are missing or stale; the exporter's log says why."))),
    ];

    /// <summary>The row of the Logs card that stands for all of them, when none was found.</summary>
    public const string LogFilesRow = "log files";

    public static readonly IReadOnlyList<NotJudged> NotJudgedHere =
    [
        new("XxExporterDown", "Prometheus's own scrape: this page shows the exporter runs, not that Prometheus reaches it"),
        new("XxPostgresDatabaseGrowing", "a linear fit of the database size over 6 hours, which only Prometheus keeps"),
        new("XxNodeIdentityOnTwoHosts", "needs every host's series; one Prometheus scraping every site sees them"),
        new("XxNodeActiveAtTwoSites", "needs every host's series; one Prometheus scraping every site sees them"),
        new("XxHostFilesystemFillingUp", "node_exporter's series, which Prometheus scrapes"),
        new("XxHostFilesystemAlmostFull", "node_exporter's series, which Prometheus scrapes"),
        new("XxHostFilesystemReadOnly", "node_exporter's series, which Prometheus scrapes"),
        new("XxHostMemoryPressure", "node_exporter's series, which Prometheus scrapes"),
        new("XxHostClockNotSynchronised", "node_exporter's series, which Prometheus scrapes"),
        new("XxHostClockOffsetHigh", "node_exporter's series, which Prometheus scrapes"),
        new("XxHostCpuStealHigh", "node_exporter's series, which Prometheus scrapes"),
        // The monitoring stack watching itself and fleets (README.md "Watching the watchers", "Fleets").
        new("XxWatchdog", "the heartbeat of Prometheus and Alertmanager themselves, always firing"),
        new("XxMonitoringTargetDown", "Prometheus's scrapes of itself, Alertmanager and Grafana, which the exporter does not see"),
        new("XxAlertNotificationsFailing", "Alertmanager's own counter of lost notifications"),
        new("XxRuleEvaluationsFailing", "Prometheus's own counter of failed rule evaluations"),
        new("XxMonitoringConfigReloadFailed", "the configuration reloads of Prometheus and Alertmanager"),
        new("XxFleetNoRoundsCompleted", "needs every host of the fleet and the per-host alerts' state, which only Prometheus has"),
        new("XxFleetGatewaysStalled", "needs every host of the fleet and the per-host alerts' state, which only Prometheus has"),
        new("XxChainRuntimeUpgraded", "a change of the spec version over an hour, which only Prometheus keeps (the chain card shows the version)"),
        new("XxValidatorCommissionChanged", "a change of the commission within the hour, which only Prometheus keeps"),
        new("XxValidatorControllerChanged", "a change of the controller label over time, which only Prometheus keeps"),
        new("XxValidatorSessionKeysLiveTwice", "needs every authority node's series of the stash; one Prometheus scraping every site sees them"),
        new("XxStandbyNotReady", "the standby role is a label Prometheus gives the target; the exporter does not know which copy it watches"),
    ];

    /// <summary>The families <see cref="SampleWindow"/> keeps, as the entries ask.</summary>
    public static readonly IReadOnlySet<string> Remembered = All.SelectMany(rule => rule.Remembers).ToHashSet();

    /// <summary>Every problem found now, the worst first.</summary>
    public static List<Problem> Find(Judge judge) =>
        All.SelectMany(rule => rule.Find(judge, rule.Pins.Select(p => p.Value).ToArray())
                .Select(f => new Problem(rule.Alert, rule.Severity, rule.Card, f.Subject, f.Sentence, rule.Runbook)))
            .OrderBy(p => p.Severity).ToList();
}

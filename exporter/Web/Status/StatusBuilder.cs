using Prometheus;

namespace XxExporter.Web.Status;

/// <summary>
/// Turns the metric samples into the operator's view, judged by the numbers and conditions of the alert rules
/// (prometheus/rules/xx-alerts.yml), so the page is amber or red where an alert is pending. The page sees only the
/// present samples: where a rule looks back (increase over 6 h, min_over_time over 30 min) the page uses the
/// counters since the exporter started and the current value.
/// </summary>
public static class StatusBuilder
{
    // The rules' numbers, each from the alert named beside it (StatusThresholdsTests reads both and compares).
    public static readonly TimeSpan BackupStaleAfter = TimeSpan.FromHours(26);             // XxBackupStale
    public static readonly TimeSpan CertificateWarnBefore = TimeSpan.FromDays(14);         // XxCertificateExpiringSoon
    public static readonly TimeSpan CertificateCriticalBefore = TimeSpan.FromDays(3);      // XxCertificateExpiringVerySoon
    public static readonly TimeSpan LogSilentAfter = TimeSpan.FromMinutes(15);             // XxLogSilent
    public static readonly IReadOnlyList<string> LogsExpectedToSpeak = ["cmix", "gateway"]; // XxLogSilent: the wrapper logs are quiet by nature
    public static readonly TimeSpan NoRoundAfter = TimeSpan.FromMinutes(30);               // XxCmixNoRoundCompleted
    public static readonly TimeSpan EraStartGrace = TimeSpan.FromMinutes(30);              // XxCmixNoRoundCompleted: an elected node may wait for consensus
    public const double BreakEvenFailureRatio = 0.05;                                      // XxCmixRoundFailureRatioHigh
    public const double RoundsForFailureRatio = 20;                                        // XxCmixRoundFailureRatioHigh
    public const double EraPointsLowOfMedian = 0.5;                                        // XxValidatorEraPointsLow
    public const double MeaningfulMedianPoints = 1000;                                     // XxValidatorEraPointsLow: an hour or two into the era
    public const double FinalityLagBlocks = 20;                                            // XxChainFinalityLagging
    public const double FewPeers = 3;                                                      // XxChainPeersLow

    /// <summary>The report of the registry's samples now, as / and /status.json serve it.</summary>
    public static async Task<StatusReport> BuildAsync(CollectorRegistry registry, DateTimeOffset now, CancellationToken cancel) =>
        Build(await MetricSamples.CollectAsync(registry, cancel), now);

    private static StatusReport Build(MetricSamples m, DateTimeOffset now)
    {
        double nowUnix = now.ToUnixTimeMilliseconds() / 1000.0;
        // How long the exporter has watched: a "none since the exporter started" counts only after the span judged.
        double? watched = m.Value("process_start_time_seconds") is { } started ? nowUnix - started : null;
        var validator = Validator(m);
        var node = m.All("xx_node_info").Select(s => new NodeId(s.Label("node_id"), s.Label("node_id_url"))).FirstOrDefault();
        var report = new StatusReport(now, Level.Unknown, node, validator, Cmix(m, nowUnix, watched), Chain(m),
            m.All("xx_postgres_up").Select(s => Database(m, s.Label("database"), s.Value)).ToList(),
            Backups(m, nowUnix), Certificates(m, nowUnix), Logs(m, nowUnix, watched),
            m.All("xx_probe_success").Select(s => Probe(m, s.Label("target"), s.Value == 1)).ToList(),
            m.All("xx_exporter_collector_success").Select(s => new CollectorStatus(s.Label("collector"), s.Value == 1, s.Value == 1 ? Level.Ok : Level.Bad)).ToList());
        var levels = new[] { validator?.Level, report.Cmix?.Level, report.Chain?.Level }.OfType<Level>()
            .Concat(report.Databases.Select(d => d.Level)).Concat(report.Backups.Select(b => b.Level))
            .Concat(report.Certificates.Select(c => c.Level)).Concat(report.Logs.Select(l => l.Level)).Concat(report.Probes.Select(p => p.Level))
            .Concat(report.Collectors.Select(c => c.Level));
        return report with { Overall = levels.Contains(Level.Bad) ? Level.Bad : levels.Contains(Level.Warn) ? Level.Warn : Level.Ok };
    }

    private static ValidatorStatus? Validator(MetricSamples m)
    {
        if (m.Value("xx_validator_active") is not { } active) return null;
        bool intends = m.Value("xx_validator_intends_to_validate") == 1;
        bool? electedNext = m.Value("xx_validator_elected_next_era") is { } next ? next == 1 : null;
        string state = !intends ? "chilled" : active == 1 ? "active" : "waiting";
        double points = m.Value("xx_validator_era_points") ?? 0, median = m.Value("xx_validator_era_points_active_set_median") ?? 0;
        bool missed = m.Value("xx_validator_last_era_missed") == 1;
        var level = state == "chilled" || missed || (electedNext == false && state == "active") ? Level.Bad
            : state == "waiting" || (active == 1 && median >= MeaningfulMedianPoints && points / median < EraPointsLowOfMedian) ? Level.Warn : Level.Ok;
        string summary = state switch
        {
            "chilled" => "chilled: call validate again",
            "waiting" => electedNext == true ? "waiting, elected for the next era" : "waiting, not in the active set",
            _ => electedNext == false ? "active, but NOT elected for the next era" : missed ? "active, missed the last era" : "active",
        };
        return new ValidatorStatus(state, electedNext, m.Value("xx_staking_active_era") ?? 0, points, median, m.Value("xx_validator_last_era_points"),
            missed, m.Value("xx_validator_missed_eras") ?? 0, m.Value("xx_validator_missed_eras_window") ?? 0, level, summary);
    }

    private static CmixStatus? Cmix(MetricSamples m, double now, double? watched)
    {
        if (m.Value("xx_log_file_present", ("log", "cmix")) is not { } present) return null;
        string? activity = m.All("xx_cmix_activity").FirstOrDefault(s => s.Value == 1)?.Label("state");
        double completed = m.Value("xx_cmix_rounds_completed_total") ?? 0;
        double failed = m.All("xx_cmix_round_failures_total").Sum(s => s.Value);
        double rounds = completed + failed;
        double? ratio = rounds > 0 ? completed / rounds : null;
        double? last = m.Value("xx_cmix_last_round_completed_timestamp_seconds");
        double? age = last > 0 ? now - last : null;
        // XxCmixNoRoundCompleted: an active validator with cmix.log, a last round (0: none since the exporter
        // started) older than NoRoundAfter, the exporter watching as long, and the era not just begun.
        bool eraJustBegun = now - m.Value("xx_staking_active_era_start_timestamp_seconds") < EraStartGrace.TotalSeconds;
        bool noRound = m.Value("xx_validator_active") == 1 && present == 1 && last is not null && (age ?? double.PositiveInfinity) > NoRoundAfter.TotalSeconds
            && watched > NoRoundAfter.TotalSeconds && !eraJustBegun;
        // XxCmixRoundFailureRatioHigh: over the break-even failure ratio, with enough rounds to tell.
        bool failing = rounds >= RoundsForFailureRatio && failed / rounds > BreakEvenFailureRatio;
        var level = activity is "ERROR" or "CRASH" || noRound ? Level.Bad : failing ? Level.Warn : Level.Ok;
        string summary = $"{activity ?? "activity unknown"}; last round {Ago(age)}; success {(ratio is { } r ? $"{r:P1}" : "n/a")}";
        return new CmixStatus(activity, age, completed, failed, ratio, level, summary);
    }

    private static ChainStatus? Chain(MetricSamples m)
    {
        if (m.Value("xx_chain_up") is not { } up) return null;
        double? best = m.Value("xx_chain_block_height", ("status", "best")), finalized = m.Value("xx_chain_block_height", ("status", "finalized"));
        double? target = m.Value("xx_chain_block_height", ("status", "target")), peers = m.Value("xx_chain_peers");
        double? lag = best - finalized;
        bool syncing = m.Value("xx_chain_syncing") == 1;
        // XxChainFinalityLagging is quiet while syncing, which is amber by itself.
        var level = up != 1 ? Level.Bad : syncing || lag > FinalityLagBlocks || peers < FewPeers ? Level.Warn : Level.Ok;
        string summary = up != 1 ? "chain node not answering" : $"#{best} (finalized #{finalized}), {peers} peers{(syncing ? ", syncing" : "")}";
        return new ChainStatus(up == 1, best, finalized, target, lag, peers, syncing, level, summary);
    }

    private static ProbeStatus Probe(MetricSamples m, string target, bool reachable)
    {
        double seconds = m.Value("xx_probe_duration_seconds", ("target", target)) ?? 0;
        return new ProbeStatus(target, reachable, seconds, reachable ? Level.Ok : Level.Bad,
            reachable ? $"reachable in {seconds * 1000:0.#} ms" : "NOT reachable");
    }

    private static DatabaseStatus Database(MetricSamples m, string database, double up) =>
        new(database, up == 1, m.Value("xx_postgres_database_size_bytes", ("database", database)), up == 1 ? Level.Ok : Level.Bad);

    private static List<BackupStatus> Backups(MetricSamples m, double now) =>
        m.All("xx_backup_present").Select(present =>
        {
            string target = present.Label("target");
            double? age = m.Value("xx_backup_last_success_timestamp_seconds", ("target", target)) is { } last ? now - last : null;
            bool stale = age is null || age > BackupStaleAfter.TotalSeconds;
            bool tooSmall = m.Value("xx_backup_too_small", ("target", target)) == 1;   // as XxBackupTooSmall
            return new BackupStatus(target, present.Value == 1, age, m.Value("xx_backup_size_bytes", ("target", target)),
                stale || tooSmall ? Level.Bad : Level.Ok,
                present.Value != 1 ? "missing" : tooSmall ? $"FAILED (empty or too small), {Ago(age)}" : stale ? $"stale: {Ago(age)}" : Ago(age));
        }).ToList();

    private static List<CertificateStatus> Certificates(MetricSamples m, double now) =>
        m.All("xx_tls_certificate_expiry_timestamp_seconds").Select(s =>
        {
            double left = s.Value - now;
            var level = left < CertificateCriticalBefore.TotalSeconds ? Level.Bad : left < CertificateWarnBefore.TotalSeconds ? Level.Warn : Level.Ok;
            return new CertificateStatus(s.Label("file"), left, level, left < 0 ? $"expired {Ago(-left)}" : $"expires in {Span(left)}");
        }).ToList();

    // XxLogSilent: cmix.log and gateway.log, present, with a last record (0: none since the exporter started) older
    // than LogSilentAfter and the exporter watching as long; quiet while the validator is out of the active set.
    // Without history the page does not keep quiet for the rule's 30 minutes after the validator is back in it.
    private static List<LogStatus> Logs(MetricSamples m, double now, double? watched)
    {
        bool outOfActiveSet = m.Value("xx_validator_active") == 0;
        // As XxLogFilesNotFound: with none of the files there, every log row would otherwise just say "no file".
        var noneFound = m.Value("xx_log_files_found") == 0
            ? new[] { new LogStatus("log files", false, null, Level.Bad, "NONE found: check --logs.dir") }
            : [];
        return noneFound.Concat(m.All("xx_log_file_present").Select(s =>
        {
            string log = s.Label("log");
            double? last = m.Value("xx_log_last_record_timestamp_seconds", ("log", log));
            double? age = last > 0 ? now - last : null;
            bool silent = s.Value == 1 && last is not null && LogsExpectedToSpeak.Contains(log) && !outOfActiveSet
                && (age ?? double.PositiveInfinity) > LogSilentAfter.TotalSeconds && watched > LogSilentAfter.TotalSeconds;
            var level = s.Value != 1 ? Level.Unknown : silent ? Level.Warn : Level.Ok;
            string summary = s.Value != 1 ? "no file" : age is not null ? $"last record {Ago(age)}"
                : silent ? "no record since the exporter started" : "no record yet";
            return new LogStatus(log, s.Value == 1, age, level, summary);
        })).ToList();
    }

    private static string Ago(double? seconds) => seconds is { } s ? $"{Span(s)} ago" : "never";

    private static string Span(double seconds) => seconds switch
    {
        < 120 => $"{seconds:0}s",
        < 7200 => $"{seconds / 60:0}m",
        < 172800 => $"{seconds / 3600:0.#}h",
        _ => $"{seconds / 86400:0.#}d",
    };
}

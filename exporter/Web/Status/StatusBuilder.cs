using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Web.Status;

/// <summary>
/// Turns the metric samples into the operator's view. What is wrong comes from the problem table
/// (<see cref="Problems"/>: the alert rules' conditions and numbers over the exporter's own samples and their recent
/// past); every card and row takes its colour from the problems that concern it, so the page is never calmer than
/// the alerts.
/// </summary>
public static class StatusBuilder
{
    /// <summary>The span of the round success ratio the cMix card shows.</summary>
    public static readonly TimeSpan SuccessRatioOver = TimeSpan.FromHours(1);

    /// <summary>The report of the registry's samples now, as / and /status.json serve it; the samples join the window first.</summary>
    public static async Task<StatusReport> BuildAsync(CollectorRegistry registry, DateTimeOffset now, SampleWindow window, CancellationToken cancel,
        IReadOnlyList<IStatusNote>? notes = null)
    {
        var samples = await MetricSamples.CollectAsync(registry, cancel);
        double nowUnix = now.ToUnixTimeMilliseconds() / 1000.0;
        window.Record(samples, nowUnix);
        // Read after the samples: a note is as new as the metrics beside it.
        var said = (notes ?? []).Select(n => (n.Name, Sentence: n.StatusNote)).Where(n => n.Sentence is not null)
            .Select(n => new SourceNote(n.Name, n.Sentence!)).ToList();
        return Build(samples, new Judge(samples, nowUnix, window), now, said);
    }

    private static StatusReport Build(MetricSamples m, Judge judge, DateTimeOffset now, IReadOnlyList<SourceNote> notes)
    {
        var problems = Problems.Find(judge);
        Level Of(Card card, string? subject = null) => Worst(problems.Where(p => p.Card == card && (subject is null || p.Subject == subject)).Select(p => LevelOf(p.Severity)));
        var node = m.All("xx_node_info").Select(s => new NodeId(s.Label("node_id"), s.Label("node_id_url"))).FirstOrDefault();
        var overall = Worst(problems.Select(p => LevelOf(p.Severity)).Where(l => l != Level.Info));
        return new StatusReport(now, overall, problems, notes, Problems.NotJudgedHere, node, Validator(m, Of(Card.Validator)), Cmix(m, judge, Of(Card.Cmix)),
            Chain(m, Of(Card.Chain)),
            m.All("xx_postgres_up").Select(s => new DatabaseStatus(s.Label("database"), s.Value == 1,
                m.Value("xx_postgres_database_size_bytes", ("database", s.Label("database"))), Of(Card.Databases, s.Label("database")))).ToList(),
            Backups(m, judge.Now, target => Of(Card.Backups, target)),
            m.All("xx_tls_certificate_expiry_timestamp_seconds").Select(s => Certificate(s, judge.Now, Of(Card.Certificates, s.Label("file")))).ToList(),
            Logs(m, judge.Now, (card, subject) => Of(card, subject)),
            m.All("xx_probe_success").Select(s => Probe(m, s.Label("target"), s.Value == 1, Of(Card.Reachability, s.Label("target")))).ToList(),
            m.All("xx_exporter_collector_success").Select(s => new CollectorStatus(s.Label("collector"), s.Value == 1,
                s.Value == 1 ? Level.Ok : Worst([Level.Warn, Of(Card.Collectors, s.Label("collector"))]))).ToList());
    }

    /// <summary>red for critical, amber for warning, blue for info.</summary>
    public static Level LevelOf(Severity severity) => severity switch { Severity.Critical => Level.Bad, Severity.Warning => Level.Warn, _ => Level.Info };

    private static Level Worst(IEnumerable<Level> levels)
    {
        var list = levels.ToList();
        return list.Contains(Level.Bad) ? Level.Bad : list.Contains(Level.Warn) ? Level.Warn : list.Contains(Level.Info) ? Level.Info : Level.Ok;
    }

    private static ValidatorStatus? Validator(MetricSamples m, Level level)
    {
        if (m.Value("xx_validator_active") is not { } active) return null;
        bool intends = m.Value("xx_validator_intends_to_validate") == 1;
        bool? electedNext = m.Value("xx_validator_elected_next_era") is { } next ? next == 1 : null;
        string state = !intends ? "chilled" : active == 1 ? "active" : "waiting";
        bool missed = m.Value("xx_validator_last_era_missed") == 1;
        string summary = state switch
        {
            "chilled" => "chilled: call validate again",
            "waiting" => electedNext == true ? "waiting, elected for the next era" : "waiting, not in the active set",
            _ => electedNext == false ? "active, but NOT elected for the next era" : missed ? "active, missed the last era" : "active",
        };
        return new ValidatorStatus(state, electedNext, m.Value("xx_staking_active_era") ?? 0, m.Value("xx_validator_era_points") ?? 0,
            m.Value("xx_validator_era_points_active_set_median") ?? 0, m.Value("xx_validator_last_era_points"),
            missed, m.Value("xx_validator_missed_eras") ?? 0, m.Value("xx_validator_missed_eras_window") ?? 0, level, summary);
    }

    private static CmixStatus? Cmix(MetricSamples m, Judge judge, Level level)
    {
        if (m.Value("xx_log_file_present", ("log", "cmix")) is null) return null;
        string? activity = m.All("xx_cmix_activity").FirstOrDefault(s => s.Value == 1)?.Label("state");
        double completed = m.Value("xx_cmix_rounds_completed_total") ?? 0;
        double failed = m.All("xx_cmix_round_failures_total").Sum(s => s.Value);
        var (recentCompleted, recentFailed) = judge.Rounds(SuccessRatioOver.TotalSeconds);
        double? ratio = recentCompleted + recentFailed > 0 ? recentCompleted / (recentCompleted + recentFailed) : null;
        double over = judge.Covered(SuccessRatioOver.TotalSeconds);
        double? last = m.Value("xx_cmix_last_round_completed_timestamp_seconds");
        double? age = last > 0 ? judge.Now - last : null;
        string summary = $"{activity ?? "activity unknown"}; last round {Ago(age)}{(ratio is { } r ? $"; success {r:P1} (last {Judge.Span(over)})" : "")}";
        return new CmixStatus(activity, age, completed, failed, recentCompleted, recentFailed, ratio, over, level, summary);
    }

    private static ChainStatus? Chain(MetricSamples m, Level level)
    {
        if (m.Value("xx_chain_up") is not { } up) return null;
        double? best = m.Value("xx_chain_block_height", ("status", "best")), finalized = m.Value("xx_chain_block_height", ("status", "finalized"));
        double? target = m.Value("xx_chain_block_height", ("status", "target")), peers = m.Value("xx_chain_peers");
        bool syncing = m.Value("xx_chain_syncing") == 1;
        string summary = up != 1 ? "chain node not answering" : $"#{best} (finalized #{finalized}), {peers} peers{(syncing ? ", syncing" : "")}";
        return new ChainStatus(up == 1, best, finalized, target, best - finalized, peers, syncing, level, summary);
    }

    private static ProbeStatus Probe(MetricSamples m, string target, bool reachable, Level level)
    {
        double seconds = m.Value("xx_probe_duration_seconds", ("target", target)) ?? 0;
        return new ProbeStatus(target, reachable, seconds, level, reachable ? $"reachable in {seconds * 1000:0.#} ms" : "NOT reachable");
    }

    private static List<BackupStatus> Backups(MetricSamples m, double now, Func<string, Level> level) =>
        m.All("xx_backup_present").Select(present =>
        {
            string target = present.Label("target");
            double? age = m.Value("xx_backup_last_success_timestamp_seconds", ("target", target)) is { } last ? now - last : null;
            bool tooSmall = m.Value("xx_backup_too_small", ("target", target)) == 1;
            var judged = level(target);
            return new BackupStatus(target, present.Value == 1, age, m.Value("xx_backup_size_bytes", ("target", target)), judged,
                present.Value != 1 ? "missing" : tooSmall ? $"FAILED (empty or too small), {Ago(age)}" : judged != Level.Ok ? $"stale: {Ago(age)}" : Ago(age));
        }).ToList();

    private static CertificateStatus Certificate(Sample expiry, double now, Level level)
    {
        double left = expiry.Value - now;
        return new CertificateStatus(expiry.Label("file"), left, level, left < 0 ? $"expired {Ago(-left)}" : $"expires in {Judge.Span(left)}");
    }

    /// <summary>A log's row is coloured by its problems (a file it cannot read is one of them).</summary>
    private static List<LogStatus> Logs(MetricSamples m, double now, Func<Card, string?, Level> level)
    {
        var noneFound = m.Value("xx_log_files_found") == 0
            ? new[] { new LogStatus(Problems.LogFilesRow, false, null, level(Card.Logs, Problems.LogFilesRow), "NONE found: check --logs.dir") }
            : [];
        return noneFound.Concat(m.All("xx_log_file_present").Select(s =>
        {
            string log = s.Label("log");
            double? last = m.Value("xx_log_last_record_timestamp_seconds", ("log", log));
            double? age = last > 0 ? now - last : null;
            bool unreadable = m.Value("xx_exporter_collector_success", ("collector", $"log_{log}")) == 0;
            var judged = level(Card.Logs, log);   // XxLogUnreadable, XxLogSilent
            string summary = unreadable ? "CANNOT be read" : s.Value != 1 ? "no file" : age is not null ? $"last record {Ago(age)}"
                : judged != Level.Ok ? "no record since the exporter started" : "no record yet";
            return new LogStatus(log, s.Value == 1, age, s.Value != 1 && !unreadable ? Level.Unknown : judged, summary);
        })).ToList();
    }

    private static string Ago(double? seconds) => seconds is { } s ? $"{Judge.Span(s)} ago" : "never";
}

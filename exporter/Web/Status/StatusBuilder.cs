using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Web.Status;

/// <summary>
/// The operator's view: the alerts Alertmanager holds for this host first, then the exporter's facts as its metrics
/// have them. Nothing here decides what is wrong; that is the alert rules' (prometheus/rules/), written once.
/// </summary>
public static class StatusBuilder
{
    /// <summary>
    /// Rows a list of the report (alerts, notes, each card) holds at most, so that the page and /status.json stay small
    /// however many certificates, targets or alerts there are: the rest are counted in <see cref="StatusReport.NotShown"/>
    /// (all of them are in /metrics). A longer list keeps the rows most in need of a look.
    /// </summary>
    public const int MaxRows = 50;

    /// <summary>The report of the registry's samples now beside <paramref name="alerts"/>, as / and /status.json serve it.</summary>
    public static async Task<StatusReport> BuildAsync(CollectorRegistry registry, DateTimeOffset now, AlertsStatus alerts, CancellationToken cancel,
        IReadOnlyList<IStatusNote>? notes = null)
    {
        var m = await MetricSamples.CollectAsync(registry, cancel);
        // Read after the samples: a note is as new as the metrics beside it.
        var said = (notes ?? []).Select(n => (n.Name, Sentence: n.StatusNote)).Where(n => n.Sentence is not null)
            .Select(n => new SourceNote(n.Name, ForeignText.Show(n.Sentence!, ForeignText.SentenceLength)));
        double nowUnix = now.ToUnixTimeMilliseconds() / 1000.0;
        var notShown = new Dictionary<string, int>();
        // Alertmanager sorts firing alerts first, by severity: its order is already the one of need.
        alerts = alerts with { Alerts = Rows(notShown, "alerts", alerts.Alerts, _ => 0) };
        return new StatusReport(now, alerts, Rows(notShown, "notes", said, _ => 0),
            m.All("xx_node_info").Select(s => new NodeId(s.Label("node_id"), s.Label("node_id_url"))).FirstOrDefault(),
            Validator(m), Cmix(m, nowUnix), Chain(m),
            Rows(notShown, "databases", m.All("xx_postgres_up").Select(s => Database(m, s)), d => d.Up ? 1 : 0),
            Rows(notShown, "recovery", Recovery(m, nowUnix), r => r.Missing is null ? 1 : 0),
            Rows(notShown, "backups", Backups(m, nowUnix), b => (b.Present ? 1 : 0, b.TooSmall ? 0 : 1, -(b.AgeSeconds ?? 0))),
            Rows(notShown, "certificates", m.All("xx_tls_certificate_expiry_timestamp_seconds").Select(s => Certificate(s, nowUnix)), c => c.ExpiresInSeconds),
            Rows(notShown, "logs", Logs(m, nowUnix), l => l.Readable && l.Present ? 1 : 0),
            Rows(notShown, "probes", m.All("xx_probe_success").Select(s => Probe(m, s.Label("target"), s.Value == 1)), p => p.Reachable ? 1 : 0),
            Rows(notShown, "collectors", m.All("xx_exporter_collector_success").Select(s => new CollectorStatus(s.Label("collector"), s.Value == 1)),
                c => c.Success ? 1 : 0),
            notShown);
    }

    /// <summary>
    /// <paramref name="rows"/> in their order when there are at most <see cref="MaxRows"/>; else the first
    /// <see cref="MaxRows"/> by <paramref name="need"/> (smallest first), the others counted in <paramref name="notShown"/>.
    /// </summary>
    private static List<T> Rows<T, TKey>(Dictionary<string, int> notShown, string list, IEnumerable<T> rows, Func<T, TKey> need)
    {
        var all = rows.ToList();
        if (all.Count <= MaxRows) return all;
        notShown[list] = all.Count - MaxRows;
        return all.OrderBy(need).Take(MaxRows).ToList();
    }

    private static ValidatorStatus? Validator(MetricSamples m)
    {
        if (m.Value("xx_validator_active") is not { } active) return null;
        string state = m.Value("xx_validator_intends_to_validate") != 1 ? "chilled" : active == 1 ? "active" : "waiting";
        return new ValidatorStatus(state, m.Value("xx_validator_elected_next_era") is { } next ? next == 1 : null, m.Value("xx_staking_active_era") ?? 0,
            m.Value("xx_validator_era_points") ?? 0, m.Value("xx_validator_era_points_active_set_median") ?? 0, m.Value("xx_validator_last_era_points"),
            m.Value("xx_validator_last_era_missed") == 1, m.Value("xx_validator_missed_eras") ?? 0, m.Value("xx_validator_missed_eras_window") ?? 0);
    }

    private static CmixStatus? Cmix(MetricSamples m, double now)
    {
        if (m.Value("xx_log_file_present", ("log", "cmix")) is null) return null;
        string? activity = m.All("xx_cmix_activity").FirstOrDefault(s => s.Value == 1)?.Label("state");
        double? last = m.Value("xx_cmix_last_round_completed_timestamp_seconds");
        double? age = last > 0 ? now - last : null;
        // What was read before the log became unreadable is no news of the node.
        bool unreadable = m.Value("xx_log_file_readable", ("log", "cmix")) == 0;
        return new CmixStatus(unreadable ? null : activity, age, m.Value("xx_cmix_rounds_completed_total") ?? 0, m.All("xx_cmix_round_failures_total").Sum(s => s.Value),
            unreadable ? $"cmix.log cannot be read; last round read {Ago(age)}" : $"{activity ?? "activity unknown"}; last round {Ago(age)}");
    }

    private static ChainStatus? Chain(MetricSamples m)
    {
        if (m.Value("xx_chain_up") is not { } up) return null;
        double? best = m.Value("xx_chain_block_height", ("status", "best")), finalized = m.Value("xx_chain_block_height", ("status", "finalized"));
        double? target = m.Value("xx_chain_block_height", ("status", "target")), peers = m.Value("xx_chain_peers");
        bool syncing = m.Value("xx_chain_syncing") == 1;
        string summary = up != 1 ? "not answering" : $"#{best} (finalized #{finalized}), {peers} peers{(syncing ? ", syncing" : "")}";
        return new ChainStatus(up == 1, best, finalized, target, best - finalized, peers, syncing, summary);
    }

    private static DatabaseStatus Database(MetricSamples m, Sample up)
    {
        string database = up.Label("database");
        double? size = m.Value("xx_postgres_database_size_bytes", ("database", database));
        return new DatabaseStatus(database, up.Value == 1, size, up.Value == 1 ? $"up, {Bytes(size)}" : "not answering");
    }

    private static ProbeStatus Probe(MetricSamples m, string target, bool reachable)
    {
        double seconds = m.Value("xx_probe_duration_seconds", ("target", target)) ?? 0;
        return new ProbeStatus(target, reachable, seconds, reachable ? $"reachable in {seconds * 1000:0.#} ms" : "not reachable");
    }

    /// <summary>
    /// Per database this host backs up with pgBackRest or drills (a stanza is named as its database): the newest copy
    /// known to restore (the last drill passed on it), else the newest completed backup; and what is missing for
    /// the first of those, in a sentence. The same order as the rule xx:recovery:point_age_seconds.
    /// </summary>
    private static List<RecoveryStatus> Recovery(MetricSamples m, double now)
    {
        var stanzas = m.All("xx_pgbackrest_backups").Select(s => s.Label("stanza"));
        var drilled = m.All("xx_restore_drill_success").Select(s => s.Label("database"));
        bool drillRuns = m.Value("xx_restore_drill_result_file_present") == 1;
        return stanzas.Concat(drilled).Distinct(StringComparer.Ordinal).Select(subject =>
        {
            bool? drillPassed = m.Value("xx_restore_drill_success", ("database", subject)) is { } success ? success == 1 : null;
            double? drillAge = m.Value("xx_restore_drill_last_run_timestamp_seconds", ("database", subject)) is { } ran ? now - ran : null;
            double? drilledCopy = drillPassed == true ? m.Value("xx_restore_drill_backup_timestamp_seconds", ("database", subject)) : null;
            var completed = m.All("xx_pgbackrest_backup_last_completed_timestamp_seconds").Where(s => s.Label("stanza") == subject).ToList();
            double? newestBackup = completed.Count > 0 ? completed.Max(s => s.Value) : null;
            bool backupsListed = m.All("xx_pgbackrest_backups").Any(s => s.Label("stanza") == subject);
            double? pointAge = (drilledCopy ?? newestBackup) is { } taken ? now - taken : null;
            string? missing = backupsListed && newestBackup is null ? "pgBackRest lists no backup of it: nothing restores it"
                : drillPassed == false ? "the last restore drill failed: its newest backup is not known to restore"
                : drillPassed is null && drillRuns ? "the restore drill does not cover it (XX_DRILL_BACKUPS)"
                : drillPassed is null ? "no restore drill runs on this host (--restore-drill.result-file): no backup is known to restore"
                : null;
            string point = pointAge is null ? "no recovery point"
                : $"recovery point {Ago(pointAge)} ({(drilledCopy is not null ? "known to restore" : "backed up, not drilled")})";
            string drill = drillPassed is null ? "" : $"; last drill {(drillPassed == true ? "passed" : "failed")} {Ago(drillAge)}";
            return new RecoveryStatus(subject, pointAge, drilledCopy is not null, drillPassed, drillAge, missing,
                point + drill + (missing is null ? "" : $"; missing: {missing}"));
        }).Concat(Credentials(m, now)).Concat(ChainSnapshot(m, now))
            .OrderBy(r => r.Missing is null).ThenBy(r => r.Subject, StringComparer.Ordinal).ToList();
    }

    /// <summary>The credentials folder's newest backup as the credentials check compares it with the live files; none without the folder.</summary>
    private static IEnumerable<RecoveryStatus> Credentials(MetricSamples m, double now)
    {
        var problems = m.All("xx_credentials_backup_problem").Where(p => p.Value > 0).Select(p => p.Label("reason")).ToList();
        if (!m.All("xx_credentials_backup_problem").Any()) yield break;
        double? age = m.Value("xx_credentials_backup_timestamp_seconds") is { } made ? now - made : null;
        string? missing = problems.Count == 0 ? null : problems.Contains("not_configured") ? "no backup of them is configured (--backups.credentials-backup)"
            : problems.Contains("no_backup") ? "no backup of them found" : $"their newest backup is not the live files ({string.Join(", ", problems)})";
        string point = age is null ? "no recovery point" : $"recovery point {Ago(age)}{(missing is null ? " (equal to the live files)" : "")}";
        yield return new RecoveryStatus("credentials", age, false, null, null, missing, point + (missing is null ? "" : $"; missing: {missing}"));
    }

    /// <summary>The chain database's newest snapshot (--chain.snapshot); none when it is not looked at.</summary>
    private static IEnumerable<RecoveryStatus> ChainSnapshot(MetricSamples m, double now)
    {
        if (m.Value("xx_chain_snapshot_present") is not { } present) yield break;
        double? age = m.Value("xx_chain_snapshot_timestamp_seconds") is { } taken ? now - taken : null;
        string? missing = present == 1 ? null : "no snapshot of the chain database found (--chain.snapshot)";
        yield return new RecoveryStatus("chain", age, false, null, null, missing,
            (age is null ? "no recovery point" : $"recovery point {Ago(age)} (snapshot)") + (missing is null ? "" : $"; missing: {missing}"));
    }

    private static List<BackupStatus> Backups(MetricSamples m, double now) =>
        m.All("xx_backup_readable").Where(readable => readable.Value == 0)
            .Select(unreadable => new BackupStatus(unreadable.Label("target"), false, null, null, false, "cannot be read by the exporter's user (permissions)"))
            .Concat(m.All("xx_backup_present").Select(present =>
        {
            string target = present.Label("target");
            double? age = m.Value("xx_backup_last_success_timestamp_seconds", ("target", target)) is { } last ? now - last : null;
            double? size = m.Value("xx_backup_size_bytes", ("target", target));
            bool tooSmall = m.Value("xx_backup_too_small", ("target", target)) == 1;
            string summary = present.Value != 1 ? "no backup file"
                : $"{Ago(age)}, {Bytes(size)}{(tooSmall ? ", under --checks.backup-min-bytes" : "")}";
            return new BackupStatus(target, present.Value == 1, age, size, tooSmall, summary);
        })).ToList();

    private static CertificateStatus Certificate(Sample expiry, double now)
    {
        double left = expiry.Value - now;
        string state = expiry.Label("state") is var label && label is "retired" or "pending" ? $"{label}, " : "";
        return new CertificateStatus(expiry.Label("file"), left, state + (left < 0 ? $"expired {Ago(-left)}" : $"expires in {Span(left)}"));
    }

    /// <summary>The row standing for every log when none of the enabled files was found.</summary>
    public const string LogFilesRow = "log files";

    private static List<LogStatus> Logs(MetricSamples m, double now)
    {
        var noneFound = m.Value("xx_log_files_found") == 0
            ? new[] { new LogStatus(LogFilesRow, false, null, true, "none of the enabled files found in --logs.dir") }
            : [];
        return noneFound.Concat(m.All("xx_log_file_present").Select(s =>
        {
            string log = s.Label("log");
            double? last = m.Value("xx_log_last_record_timestamp_seconds", ("log", log));
            double? age = last > 0 ? now - last : null;
            bool readable = m.Value("xx_exporter_collector_success", ("collector", $"log_{log}")) != 0;
            bool denied = m.Value("xx_log_file_readable", ("log", log)) == 0;
            string summary = denied ? "cannot be read by the exporter's user (permissions, most often)"
                : !readable ? $"cannot be read (collector log_{log} failing)" : s.Value != 1 ? "no file"
                : age is not null ? $"last record {Ago(age)}" : "no record since the exporter started";
            return new LogStatus(log, s.Value == 1, age, readable && !denied, summary);
        })).ToList();
    }

    private static string Ago(double? seconds) => seconds is { } s ? $"{Span(s)} ago" : "never";

    /// <summary>A span as a person says it: 45s, 16m, 26h, 3d.</summary>
    public static string Span(double seconds) => seconds switch
    {
        < 120 => $"{seconds:0}s",
        < 7200 when Math.Round(seconds) != 3600 => $"{seconds / 60:0}m",
        < 172800 => $"{seconds / 3600:0.#}h",
        _ => $"{seconds / 86400:0.#}d",
    };

    public static string Bytes(double? bytes) => bytes switch
    {
        null => "size unknown",
        >= 1 << 30 => $"{bytes / (1 << 30):0.0} GiB",
        >= 1 << 20 => $"{bytes / (1 << 20):0.0} MiB",
        >= 1 << 10 => $"{bytes / 1024:0} KiB",
        _ => $"{bytes:0} bytes",
    };
}

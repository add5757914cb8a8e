using System.Text.Json.Serialization;

namespace XxExporter.Web.Status;

/// <summary>
/// Everything on the status page, as /status.json serves it: the alerts Alertmanager holds for this host (what is
/// wrong is decided once, by the rules in prometheus/rules/), then the exporter's facts as its metrics have them,
/// not judged here.
/// </summary>
/// <param name="NotShown">For each list cut to <see cref="StatusBuilder.MaxRows"/> rows (by its name in the JSON), how many rows were left out.</param>
public sealed record StatusReport(
    DateTimeOffset GeneratedAt,
    AlertsStatus Alerts,
    IReadOnlyList<SourceNote> Notes,
    NodeId? Node,
    ValidatorStatus? Validator,
    CmixStatus? Cmix,
    ChainStatus? Chain,
    IReadOnlyList<DatabaseStatus> Databases,
    IReadOnlyList<RecoveryStatus> Recovery,
    IReadOnlyList<BackupStatus> Backups,
    IReadOnlyList<CertificateStatus> Certificates,
    IReadOnlyList<LogStatus> Logs,
    IReadOnlyList<ProbeStatus> Probes,
    IReadOnlyList<CollectorStatus> Collectors,
    IReadOnlyDictionary<string, int> NotShown);

/// <summary>Free text a source has for people (IStatusNote), such as the error cMix stopped on: never a label.</summary>
public sealed record SourceNote(string Source, string Sentence);

/// <summary>The node's ID as the xx network dashboard shows it, and the dashboard's form for links.</summary>
public sealed record NodeId(string Id, string UrlId);

public sealed record ProbeStatus(string Target, bool Reachable, double Seconds, string Summary);

/// <param name="State">active, waiting or chilled.</param>
public sealed record ValidatorStatus(string State, bool? ElectedNextEra, double ActiveEra, double EraPoints, double MedianPoints,
    double? LastEraPoints, bool LastEraMissed, double MissedEras, double MissedErasWindow);

/// <param name="RoundsCompleted">Since the exporter started.</param>
public sealed record CmixStatus(string? Activity, double? LastRoundAgeSeconds, double RoundsCompleted, double RoundFailures, string Summary);

public sealed record ChainStatus(bool Up, double? Best, double? Finalized, double? Target, double? FinalityLag, double? Peers, bool Syncing, string Summary);

public sealed record DatabaseStatus(string Database, bool Up, double? SizeBytes, string Summary);

/// <summary>How far back a database can be recovered, and whether that copy is known to restore.</summary>
/// <param name="PointAgeSeconds">Age of the newest copy the last drill restored, else of the newest completed backup.</param>
/// <param name="Missing">What stands between this database and a known restore, as a sentence; null when nothing does.</param>
public sealed record RecoveryStatus(string Subject, double? PointAgeSeconds, bool KnownToRestore, bool? DrillPassed, double? DrillAgeSeconds,
    string? Missing, string Summary);

public sealed record BackupStatus(string Target, bool Present, double? AgeSeconds, double? SizeBytes, bool TooSmall, string Summary);

public sealed record CertificateStatus(string File, double ExpiresInSeconds, string Summary);

/// <param name="Readable">Whether its collector succeeds.</param>
public sealed record LogStatus(string Log, bool Present, double? AgeSeconds, bool Readable, string Summary);

public sealed record CollectorStatus(string Collector, bool Success);

[JsonSerializable(typeof(StatusReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
public sealed partial class StatusJson : JsonSerializerContext;

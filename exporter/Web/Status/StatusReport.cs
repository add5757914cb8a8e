using System.Text.Json.Serialization;

namespace XxExporter.Web.Status;

/// <summary>How a value looks to an operator: fine, worth a look (warning), needs action (critical), not known, or for attention (info).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Level>))]
public enum Level { Ok, Warn, Bad, Unknown, Info }

/// <summary>Everything on the status page, as /status.json serves it. Built from the metrics, never from a second source.</summary>
public sealed record StatusReport(
    DateTimeOffset GeneratedAt,
    Level Overall,
    IReadOnlyList<Problem> Problems,
    IReadOnlyList<SourceNote> Notes,
    IReadOnlyList<NotJudged> NotJudgedHere,
    NodeId? Node,
    ValidatorStatus? Validator,
    CmixStatus? Cmix,
    ChainStatus? Chain,
    IReadOnlyList<DatabaseStatus> Databases,
    IReadOnlyList<BackupStatus> Backups,
    IReadOnlyList<CertificateStatus> Certificates,
    IReadOnlyList<LogStatus> Logs,
    IReadOnlyList<ProbeStatus> Probes,
    IReadOnlyList<CollectorStatus> Collectors);

/// <summary>Free text a source has for people (IStatusNote), such as the error cMix stopped on: never a label.</summary>
public sealed record SourceNote(string Source, string Sentence);

/// <summary>The node's ID as the xx network dashboard shows it, and the dashboard's form for links.</summary>
public sealed record NodeId(string Id, string UrlId);

public sealed record ProbeStatus(string Target, bool Reachable, double Seconds, Level Level, string Summary);

/// <param name="State">active, waiting or chilled.</param>
public sealed record ValidatorStatus(string State, bool? ElectedNextEra, double ActiveEra, double EraPoints, double MedianPoints,
    double? LastEraPoints, bool LastEraMissed, double MissedEras, double MissedErasWindow, Level Level, string Summary);

/// <param name="SuccessRatio">Over the last <see cref="SuccessRatioSeconds"/> (an hour, less while the exporter has not run that long).</param>
public sealed record CmixStatus(string? Activity, double? LastRoundAgeSeconds, double RoundsCompleted, double RoundFailures,
    double RecentRoundsCompleted, double RecentRoundFailures, double? SuccessRatio, double SuccessRatioSeconds, Level Level, string Summary);

public sealed record ChainStatus(bool Up, double? Best, double? Finalized, double? Target, double? FinalityLag, double? Peers, bool Syncing,
    Level Level, string Summary);

public sealed record DatabaseStatus(string Database, bool Up, double? SizeBytes, Level Level);

public sealed record BackupStatus(string Target, bool Present, double? AgeSeconds, double? SizeBytes, Level Level, string Summary);

public sealed record CertificateStatus(string File, double ExpiresInSeconds, Level Level, string Summary);

public sealed record LogStatus(string Log, bool Present, double? AgeSeconds, Level Level, string Summary);

public sealed record CollectorStatus(string Collector, bool Success, Level Level);

[JsonSerializable(typeof(StatusReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
public sealed partial class StatusJson : JsonSerializerContext;

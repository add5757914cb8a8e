using Prometheus;
using XxExporter.Telemetry;

namespace XxExporter.Logs.Rules;

/// <summary>Kinds of failure talking to the gateway's own node or to permissioning for the NDF.</summary>
public enum GatewayPollFailure { NodePoll, NdfPoll, NodeConnect }

/// <summary>Kinds of gateway database failure.</summary>
public enum GatewayDatabaseError { Timeout, StorageFull, InsertFailed, Unavailable }

/// <summary>The messages of a round the gateway received.</summary>
public enum GatewayMessageKind { Real, Dummy }

/// <summary>
/// Reads gateway.log: rounds received and their messages, its own node's rounds and peers' gossip, slow queries,
/// poll failures, certificate errors and failed renewals, database errors, starts and crashes.
/// </summary>
public sealed class GatewayRules : ILogRules
{
    private static readonly LabelTable<GatewayMessageKind> MessageKinds = new(
        new(GatewayMessageKind.Real, "real", "stored for clients"),
        new(GatewayMessageKind.Dummy, "dummy", "ignored"));

    private static readonly LabelTable<GatewayPollFailure> PollFailures = new(
        new(GatewayPollFailure.NodePoll, "node_poll", "its node, every 100 ms"),
        new(GatewayPollFailure.NdfPoll, "ndf_poll", "the network definition at start"),
        new(GatewayPollFailure.NodeConnect, "node_connect", "cannot connect to its node"));

    private static readonly LabelTable<GatewayDatabaseError> DatabaseErrors = new(
        new(GatewayDatabaseError.Timeout, "timeout", "crashes the gateway"),
        new(GatewayDatabaseError.StorageFull, "storage_full"),
        new(GatewayDatabaseError.InsertFailed, "insert_failed", "mixed messages not stored"),
        new(GatewayDatabaseError.Unavailable, "unavailable", "no database at start"));

    private readonly Counter _roundsReceived;
    private readonly Counter.Child[] _messages;
    private readonly Gauge _lastRoundReceived;
    private readonly RoundLine _localRounds, _gossipRounds;
    private readonly Counter _slowQueries;
    private readonly Counter.Child[] _pollFailures;
    private readonly Counter _certificateErrors;
    private readonly Counter _certificateRenewalFailures;
    private readonly Counter.Child[] _databaseErrors;
    private readonly GoProcessLifecycle _process;

    public GatewayRules(IMetricFactory factory)
    {
        _roundsReceived = Families.Counter(factory, "xx_gateway_rounds_received_total",
            "Completed rounds whose messages the gateway stored (\"Round N received, ...\").").Published();
        _messages = MessageKinds.Children(Families.Counter(factory, "xx_gateway_messages_total",
            $"Messages in the rounds the gateway received, by kind: {MessageKinds.Describe()}.", "kind"));
        _lastRoundReceived = Families.Gauge(factory, "xx_gateway_last_round_received_timestamp_seconds",
            "Log time of the newest round the gateway received, as Unix seconds.").Published();
        _localRounds = new RoundLine("Local round data for round "u8.ToArray(),
            Families.Counter(factory, "xx_gateway_local_rounds_total",
                "Rounds of the gateway's own node whose recipients it recorded (\"Local round data for round N ...\").").Published(),
            Families.Gauge(factory, "xx_gateway_last_local_round_timestamp_seconds",
                "Log time of the newest \"Local round data for round N\" line, as Unix seconds (0: none since the exporter started).").Published());
        _gossipRounds = new RoundLine("Gossip received for round "u8.ToArray(),
            Families.Counter(factory, "xx_gateway_gossip_rounds_total",
                "Rounds of other nodes whose recipients peer gateways gossiped to this one (\"Gossip received for round N ...\"); none while local rounds flow is an isolated gateway.").Published(),
            Families.Gauge(factory, "xx_gateway_last_gossip_timestamp_seconds",
                "Log time of the newest \"Gossip received for round N\" line, as Unix seconds (0: none since the exporter started).").Published());
        _slowQueries = Families.Counter(factory, "xx_gateway_slow_queries_total",
            "Database queries the gateway reported as taking over a second (\"Query ... took an unexpectedly long time\").").Published();
        _pollFailures = PollFailures.Children(Families.Counter(factory, "xx_gateway_poll_failures_total",
            $"Failed polls, by kind: {PollFailures.Describe()}.", "kind"));
        _certificateErrors = Families.Counter(factory, "xx_gateway_certificate_errors_total",
            "Times the gateway reported its HTTPS certificate expired.").Published();
        _certificateRenewalFailures = Families.Counter(factory, "xx_gateway_certificate_renewal_failures_total",
            "Failed replacements of the gateway's HTTPS certificate (\"[handleReplaceCertificates] Error encountered while replacing certificates ...\"); it retries at once.").Published();
        _databaseErrors = DatabaseErrors.Children(Families.Counter(factory, "xx_gateway_database_errors_total",
            $"Gateway database failures, by kind: {DatabaseErrors.Describe()}.", "kind"));
        _process = new GoProcessLifecycle(
            Families.Counter(factory, "xx_gateway_starts_total", "Gateway process starts (\"Starting xx network gateway\").").Published(),
            Families.Counter(factory, "xx_gateway_crashes_total", "Gateway process crashes (FATAL line or Go panic), counted once per process.").Published(),
            Families.Gauge(factory, "xx_gateway_version_info", "Version of the running gateway binary, from its start line.", "version"),
            "Starting xx network gateway v"u8.ToArray());
    }

    public void OnRecord(in LogRecord record)
    {
        var message = record.Message;
        if (message.Length > 0) OnMessage(message, record.UnixSeconds);
        _process.OnRecordLevel(record.Level);
    }

    public void OnContinuation(ReadOnlySpan<byte> line) => _process.OnContinuation(line);

    private void OnMessage(ReadOnlySpan<byte> message, long unixSeconds)
    {
        switch (message[0])
        {
            case (byte)'R':
                if (message.StartsWith("Round "u8)) OnRoundReceived(message["Round "u8.Length..], unixSeconds);
                break;
            case (byte)'Q':
                if (message.StartsWith("Query "u8) && message.IndexOf(" took an unexpectedly long time"u8) > 0) _slowQueries.Inc();
                break;
            case (byte)'F':
                if (message.StartsWith("Failed to Poll: "u8)) _pollFailures[(int)GatewayPollFailure.NodePoll].Inc();
                break;
            case (byte)'E':
                if (message.StartsWith("Error polling NDF "u8)) _pollFailures[(int)GatewayPollFailure.NdfPoll].Inc();
                break;
            case (byte)'C':
                if (message.StartsWith("Cannot connect to node, retrying"u8)) _pollFailures[(int)GatewayPollFailure.NodeConnect].Inc();
                else if (message.StartsWith("Certificate expired at "u8)) _certificateErrors.Inc();
                break;
            case (byte)'L':
                if (message.StartsWith("Loaded certificate expired at "u8)) _certificateErrors.Inc();
                else _localRounds.TryCount(message, unixSeconds);
                break;
            case (byte)'D':
                if (message.StartsWith("Database call timed out"u8)) _databaseErrors[(int)GatewayDatabaseError.Timeout].Inc();
                break;
            case (byte)'S':
                if (message.StartsWith("Storage device full"u8)) _databaseErrors[(int)GatewayDatabaseError.StorageFull].Inc();
                else _process.TryStart(message);
                break;
            case (byte)'I':
                if (message.StartsWith("Inserting new mixed messages failed"u8)) _databaseErrors[(int)GatewayDatabaseError.InsertFailed].Inc();
                break;
            case (byte)'[':
                // The renewal loop of the gateway's cmd/https.go (replaceCertificateErr); its error text follows on a continuation line.
                if (message.StartsWith("[handleReplaceCertificates] Error encountered while replacing certificates"u8)) _certificateRenewalFailures.Inc();
                break;
            case (byte)'G':
                if (message.StartsWith("Gateway cannot run in production without a database"u8)) _databaseErrors[(int)GatewayDatabaseError.Unavailable].Inc();
                else _gossipRounds.TryCount(message, unixSeconds);
                break;
        }
    }

    /// <summary>"Round %d received, %d real messages processed, %d dummies ignored" (after "Round ").</summary>
    private void OnRoundReceived(ReadOnlySpan<byte> rest, long unixSeconds)
    {
        if (!MessageText.TryReadNumber(rest, out _, out int used)) return;
        rest = rest[used..];
        if (!rest.StartsWith(" received, "u8)) return;
        rest = rest[" received, "u8.Length..];
        if (!MessageText.TryReadNumber(rest, out long real, out used) || !rest[used..].StartsWith(" real messages processed, "u8)) return;
        rest = rest[(used + " real messages processed, "u8.Length)..];
        if (!MessageText.TryReadNumber(rest, out long dummies, out used) || !rest[used..].StartsWith(" dummies ignored"u8)) return;
        _roundsReceived.Inc();
        _messages[(int)GatewayMessageKind.Real].Inc(real);
        _messages[(int)GatewayMessageKind.Dummy].Inc(dummies);
        if (unixSeconds >= 0) _lastRoundReceived.Set(unixSeconds);
    }

    /// <summary>
    /// A per-round line "<c>prefix</c>N with R recipients at ...", counted with its time (docs/xx-node-facts.md, 2.4).
    /// The gateway's failure variants ("... not recorded due to ...") do not start with the prefix.
    /// </summary>
    private sealed class RoundLine(byte[] prefix, Counter rounds, Gauge last)
    {
        public void TryCount(ReadOnlySpan<byte> message, long unixSeconds)
        {
            if (!message.StartsWith(prefix)) return;
            var rest = message[prefix.Length..];
            if (!MessageText.TryReadNumber(rest, out _, out int used) || !rest[used..].StartsWith(" with "u8)) return;
            rounds.Inc();
            if (unixSeconds >= 0) last.Set(unixSeconds);
        }
    }
}

using XxExporter.Logs;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Logs;

/// <summary>gateway.log lines built from elixxir-gateway format strings (docs/xx-node-facts.md §2.4).</summary>
public class GatewayRulesTests
{
    [Fact]
    public async Task Received_rounds_count_messages_and_keep_their_time()
    {
        var metrics = await new RulesHarness(LogKind.Gateway).Feed(
            "INFO 2023/07/26 14:08:25 Round 9876543 received, 412 real messages processed, 588 dummies ignored",
            "INFO 2023/07/26 14:08:57 Round 9876544 received, 0 real messages processed, 1000 dummies ignored",
            // Near misses: not the storage line.
            "INFO 2023/07/26 14:08:58 Round 9876545 received from node",
            "INFO 2023/07/26 14:08:59 Round trip duration for round 9876545: 12 ms");
        Assert.Equal(2, metrics["xx_gateway_rounds_received_total"]);
        Assert.Equal(412, metrics["xx_gateway_messages_total{kind=\"real\"}"]);
        Assert.Equal(1588, metrics["xx_gateway_messages_total{kind=\"dummy\"}"]);
        Assert.Equal(new DateTimeOffset(2023, 7, 26, 14, 8, 57, TimeSpan.Zero).ToUnixTimeSeconds(), metrics["xx_gateway_last_round_received_timestamp_seconds"]);
    }

    [Fact]
    public async Task Multi_line_messages_are_one_record()
    {
        var metrics = await new RulesHarness(LogKind.Gateway).Feed(
            "INFO 2023/07/26 14:08:26 Local round data for round 9876543 with 57 recipients at 2023-07-26 14:08:25.1: ",
            "\t inserts finished at 2023-07-26 14:08:25.3, KR insert finished at 2023-07-26 14:08:25.4, ",
            "]t round started at ts 2023-07-26 14:08:20, average attempts: 1.000000 (total: 57)",
            "INFO 2023/07/26 14:08:27 Gossip received for round 9876543 with 57 recipients at 2023-07-26 14:08:26.9: ",
            "\t inserts finished at 2023-07-26 14:08:27.0, KR insert finished at 2023-07-26 14:08:27.0, ");
        Assert.Equal(2, metrics["xx_log_records_total{log=\"gateway\",level=\"info\"}"]);
        Assert.Equal(3, metrics["xx_log_continuation_lines_total{log=\"gateway\"}"]);
        Assert.Equal(5, metrics["xx_log_lines_total{log=\"gateway\"}"]);
    }

    /// <summary>
    /// The success and failure forms of the two per-round lines (elixxir-gateway cmd/gateway.go and cmd/bloomGossip.go,
    /// docs/xx-node-facts.md 2.4) and the series each adds to; null: counted by neither.
    /// </summary>
    public static TheoryData<string, string?> RoundDataLines => new()
    {
        { "INFO 2023/07/26 14:08:26 Local round data for round 9876543 with 57 recipients at 2023-07-26 14:08:25.118 +0000 UTC m=+8123.4: ", "local" },
        { "INFO 2023/07/26 14:08:27 Gossip received for round 9876544 with 131 recipients at 2023-07-26 14:08:26.902 +0000 UTC m=+8124.2: ", "gossip" },
        { "INFO 2023/07/26 14:08:27 Gossip received for round 9876544 with 0 recipients at 2023-07-26 14:08:26.902 +0000 UTC: ", "gossip" },
        // Failures: the recipients were not recorded, so the round did not arrive usefully.
        { "ERROR 2023/07/26 14:08:28 Local round data not recorded due to known rounds error for round 9876545 with 57 recipients at 2023-07-26 14:08:28: ", null },
        { "ERROR 2023/07/26 14:08:28 Gossip received not recorded due to known rounds error for round 9876546 with 12 recipients at 2023-07-26 14:08:28: ", null },
        { "ERROR 2023/07/26 14:08:28 Gossip received not recorded due to bloom upsert failures for 3 recipeints for round 9876547 with 12 recipients at 2023-07-26 14:08:28: ", null },
        // The trace line after every gossip, and the sending side.
        { "TRACE 2023/07/26 14:08:28 Gossip received for RID 9876546, lastChecked: 9876540", null },
        { "INFO 2023/07/26 14:08:28 Gossiping Blooms for round 9876543 at ts 2023-07-26 14:08:20 +0000 UTC", null },
        { "INFO 2023/07/26 14:08:28 Local round data for round x with 5 recipients", null },
    };

    [Theory]
    [MemberData(nameof(RoundDataLines))]
    public async Task Local_rounds_and_peer_gossip_are_counted_apart_with_their_times(string line, string? kind)
    {
        var metrics = await new RulesHarness(LogKind.Gateway).Feed(line);
        long at = new DateTimeOffset(2023, 7, 26, 14, 8, kind == "local" ? 26 : 27, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal(kind == "local" ? 1 : 0, metrics["xx_gateway_local_rounds_total"]);
        Assert.Equal(kind == "local" ? at : 0, metrics["xx_gateway_last_local_round_timestamp_seconds"]);
        Assert.Equal(kind == "gossip" ? 1 : 0, metrics["xx_gateway_gossip_rounds_total"]);
        Assert.Equal(kind == "gossip" ? at : 0, metrics["xx_gateway_last_gossip_timestamp_seconds"]);
        Assert.Equal(0, metrics["xx_gateway_rounds_received_total"]);
    }

    public static TheoryData<string, string> EventLines => new()
    {
        { "WARN 2023/07/26 14:00:00 Query InsertMixedMessages took an unexpectedly long time: 1.204s", "xx_gateway_slow_queries_total" },
        { "WARN 2023/07/26 14:00:00 Failed to Poll: rpc error: code = Unavailable desc = transport is closing", "xx_gateway_poll_failures_total{kind=\"node_poll\"}" },
        { "WARN 2023/07/26 14:00:00 Error polling NDF 3/100 times: Node not ready", "xx_gateway_poll_failures_total{kind=\"ndf_poll\"}" },
        { "ERROR 2023/07/26 14:00:00 Cannot connect to node, retrying in 10s: dial tcp 10.0.0.2:11420: i/o timeout", "xx_gateway_poll_failures_total{kind=\"node_connect\"}" },
        { "ERROR 2023/07/26 14:00:00 Certificate expired at 2023-07-01 00:00:00 +0000 UTC...", "xx_gateway_certificate_errors_total" },
        { "WARN 2023/07/26 14:00:00 Loaded certificate expired at 2023-07-01 00:00:00 +0000 UTC, requesting new credentials", "xx_gateway_certificate_errors_total" },
        // replaceCertificateErr (elixxir gateway cmd/https.go), its "%s" a Go time.Time; the "\n Error text: %+v" is a continuation line.
        { "ERROR 2023/07/26 14:00:00 [handleReplaceCertificates] Error encountered while replacing certificates, will retry after 2023-07-26 14:00:00.000000071 +0000 UTC m=+2592000.000000071...", "xx_gateway_certificate_renewal_failures_total" },
        { "FATAL 2023/07/26 14:00:00 Database call timed out: context deadline exceeded", "xx_gateway_database_errors_total{kind=\"timeout\"}" },
        { "FATAL 2023/07/26 14:00:00 Storage device full: write /var/lib/postgresql: No space left on device", "xx_gateway_database_errors_total{kind=\"storage_full\"}" },
        { "ERROR 2023/07/26 14:00:00 Inserting new mixed messages failed in ProcessCompletedBatch for round 9876543: timeout", "xx_gateway_database_errors_total{kind=\"insert_failed\"}" },
        { "FATAL 2023/07/26 14:00:00 Gateway cannot run in production without a database: connection refused", "xx_gateway_database_errors_total{kind=\"unavailable\"}" },
        { "INFO 2023/07/26 14:00:00 Starting xx network gateway v3.16.1", "xx_gateway_starts_total" },
    };

    [Theory]
    [MemberData(nameof(EventLines))]
    public async Task Gateway_events_are_counted_by_kind(string line, string series)
    {
        var metrics = await new RulesHarness(LogKind.Gateway).Feed(line);
        Assert.Equal(1, metrics[series]);
        var others = metrics.Series.Where(s => s.StartsWith("xx_gateway_") && s.Contains("_total") && s != series && metrics[s] != 0 && !s.StartsWith("xx_gateway_crashes_total"));
        Assert.Empty(others);
    }

    [Fact]
    public async Task A_failed_certificate_renewal_and_its_error_text_count_once_per_attempt()
    {
        // Two attempts of the renewal loop (elixxir gateway cmd/https.go, handleReplaceCertificates): the format's
        // "\n Error text: %+v" puts the error on a line of its own, and the loop retries at once.
        var metrics = await new RulesHarness(LogKind.Gateway).Feed(
            "ERROR 2023/07/26 14:00:00 [handleReplaceCertificates] Error encountered while replacing certificates, will retry after 2023-07-26 14:00:00.000000071 +0000 UTC m=+2592000.000000071...",
            " Error text: Failed to get new https credentials: rpc error: code = Unavailable desc = connection error",
            "ERROR 2023/07/26 14:00:05 [handleReplaceCertificates] Error encountered while replacing certificates, will retry after 2023-07-26 14:00:05.000000044 +0000 UTC m=+2592005.000000044...",
            " Error text: Failed to provision protocomms with new https credentials: mux does not exist; is https enabled?",
            // Not a failure: the loop going to sleep until the next renewal.
            "DEBUG 2023/07/26 14:00:06 [handleReplaceCertificates] Sleeping until 2023-08-25 14:00:06 +0000 UTC to replace certificates...");
        Assert.Equal(2, metrics["xx_gateway_certificate_renewal_failures_total"]);
        Assert.Equal(0, metrics["xx_gateway_certificate_errors_total"]);
        Assert.Equal(2, metrics["xx_log_continuation_lines_total{log=\"gateway\"}"]);
        Assert.Equal(0, metrics["xx_gateway_crashes_total"]);
    }

    [Fact]
    public async Task A_fatal_line_and_its_panic_are_one_crash_until_the_next_start()
    {
        var metrics = await new RulesHarness(LogKind.Gateway).Feed(
            "INFO 2023/07/26 14:00:00 Starting xx network gateway v3.16.1",
            "FATAL 2023/07/26 14:10:00 Database call timed out: context deadline exceeded",
            "panic: Database call timed out: context deadline exceeded",
            "goroutine 1 [running]:",
            "INFO 2023/07/26 14:10:05 Starting xx network gateway v3.16.1",
            "panic: runtime error: index out of range [3] with length 3");
        Assert.Equal(2, metrics["xx_gateway_starts_total"]);
        Assert.Equal(2, metrics["xx_gateway_crashes_total"]);
        Assert.Equal(1, metrics["xx_gateway_version_info{version=\"3.16.1\"}"]);
    }
}

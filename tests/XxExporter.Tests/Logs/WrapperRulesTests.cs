using XxExporter.Logs;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Logs;

/// <summary>Wrapper log lines: real handbook lines and elixxir-wrapper format strings (docs/xx-node-facts.md §2.1).</summary>
public class WrapperRulesTests
{
    [Fact]
    public async Task Waiting_for_consensus_is_on_until_the_binary_starts()
    {
        var harness = new RulesHarness(LogKind.CmixWrapper);
        var waiting = await harness.Feed(
            "[INFO] 25-Aug-21 07:14:07: Script initialized at 2021-08-25 07:14:07",
            "[INFO] 25-Aug-21 07:14:07: Waiting on IDF for consensus...",
            "[INFO] 25-Aug-21 07:14:07: Waiting on consensus ready state...");
        Assert.Equal(1, waiting["xx_wrapper_waiting_for_consensus{service=\"cmix\"}"]);
        var started = await harness.Feed(
            "[INFO] 25-Aug-21 07:24:10: Consensus ready!",
            "[INFO] 25-Aug-21 07:24:11: /opt/xxnetwork/bin/xxnetwork-cmix started at PID 4242");
        Assert.Equal(0, started["xx_wrapper_waiting_for_consensus{service=\"cmix\"}"]);
        Assert.Equal(1, started["xx_wrapper_binary_starts_total{service=\"cmix\"}"]);
    }

    [Fact]
    public async Task Restarts_and_updates_are_counted_but_a_first_install_is_not_an_update()
    {
        var metrics = await new RulesHarness(LogKind.GatewayWrapper).Feed(
            "[INFO] 03-Mar-24 10:00:00: gateway update required: 0000000000000000000000000000000000000000000000000000000000000000 -> 5f3e4907f716ac89b6347d15ececedca5f3e4907f716ac89b6347d15ececedca",
            "[INFO] 03-Mar-24 10:00:05: /opt/xxnetwork/bin/xxnetwork-gateway started at PID 100",
            "[INFO] 04-Mar-24 10:00:00: gateway update required: 5f3e4907f716ac89b6347d15ececedca5f3e4907f716ac89b6347d15ececedca -> 80cc6574281671b299c1727d7ac68cab80cc6574281671b299c1727d7ac68cab",
            "[INFO] 04-Mar-24 10:00:01: Terminating process 100...",
            "[INFO] 04-Mar-24 10:00:02: Process 100 terminated with exit code -15",
            "[INFO] 04-Mar-24 10:00:03: /opt/xxnetwork/bin/xxnetwork-gateway started at PID 101",
            "[WARNING] 05-Mar-24 11:00:00: Restarting binary due to error...",
            "[INFO] 05-Mar-24 11:00:01: /opt/xxnetwork/bin/xxnetwork-gateway started at PID 102");
        Assert.Equal(1, metrics["xx_wrapper_binary_updates_total{service=\"gateway\"}"]);
        Assert.Equal(1, metrics["xx_wrapper_restarts_total{service=\"gateway\"}"]);
        Assert.Equal(3, metrics["xx_wrapper_binary_starts_total{service=\"gateway\"}"]);
    }

    /// <summary>
    /// What cmix-wrapper.py writes at each start (xxfoundation/elixxir-wrapper, wrapper.py main): its arguments as a
    /// Python dict (the S3 key and secret included), then the waits; a start refused for the network settings logs
    /// the error before that line and exits. Here systemd starts it four times: the first dies while waiting (its
    /// traceback goes to the journal), the second is refused, the third updates itself and exits.
    /// </summary>
    private const string S3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static string Configuration(string time) =>
        $"[INFO] {time}: Running with configuration: {{'s3_access_key': 'AKIAIOSFODNN7EXAMPLE', 's3_secret': '{S3Secret}', "
        + "'s3_management_bucket': 'alphanet-management-prod', 's3_bin_bucket': 'elixxir-bins', 's3_region': 'us-west-1', "
        + "'verbose': False, 'gateway': False, 'disable_cloudwatch': False, 'management_cert': '/opt/xxnetwork/cred/network-management.crt', "
        + "'binary_path': '/opt/xxnetwork/bin/xxnetwork-cmix', 'err_path': '/opt/xxnetwork/log/cmix-err.log', "
        + "'disable_consensus': False, 'consensus_url': 'ws://localhost:30334'}";

    [Fact]
    public async Task The_wrappers_own_starts_are_counted_without_its_arguments()
    {
        var metrics = await new RulesHarness(LogKind.CmixWrapper).Feed(
            Configuration("07-Dec-26 03:00:01"),
            "[INFO] 07-Dec-26 03:00:01: Waiting on IDF for consensus...",
            "[INFO] 07-Dec-26 03:00:01: Waiting on consensus ready state...",
            "[WARNING] 07-Dec-26 03:00:40: tcp_slow_start_after_idle should be disabled, run:",
            "\tsudo /bin/bash -c \"echo 0 > /proc/sys/net/ipv4/tcp_slow_start_after_idle\"",
            "[ERROR] 07-Dec-26 03:00:40: Unacceptable network settings, refusing to start. Run the suggested commands and restart the wrapper service.",
            Configuration("07-Dec-26 03:01:20"),
            "[INFO] 07-Dec-26 03:01:20: Waiting on IDF for consensus...",
            "[INFO] 07-Dec-26 03:01:20: Waiting on consensus ready state...",
            "[INFO] 07-Dec-26 03:01:31: Consensus ready!",
            "[INFO] 07-Dec-26 03:01:31: Script initialized at 1796612491.2201934",
            "[INFO] 07-Dec-26 03:01:41: Wrapper script updated, exiting now...",
            Configuration("07-Dec-26 03:01:42"));
        Assert.Equal(3, metrics["xx_wrapper_starts_total{service=\"cmix\"}"]);
        Assert.Equal(0, metrics["xx_wrapper_restarts_total{service=\"cmix\"}"]);   // the binary's restarts are another count
        Assert.Equal(1, metrics["xx_wrapper_errors_total{service=\"cmix\",kind=\"network_settings\"}"]);
        Assert.DoesNotContain(S3Secret, metrics.Text);
        Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", metrics.Text);
    }

    public static TheoryData<string, string> ErrorLines => new()
    {
        { "[ERROR] 03-Mar-24 10:00:00: No local Substrate node running.", "no_local_chain" },
        { "[ERROR] 03-Mar-24 10:00:00: Failed to get substrate chain connection: [Errno 111] Connection refused", "chain_connection" },
        { "[ERROR] 03-Mar-24 10:00:00: Connection lost while in 'substrate.query(\"XXCmix\", \"CmixHashes\")'. Error: closed", "chain_connection" },
        { "[ERROR] 03-Mar-24 10:00:00: Connection lost while in 'substrate.query(\"Session\", \"DisabledValidators\")'. Error: closed", "chain_connection" },
        { "[ERROR] 03-Mar-24 10:00:00: Failed to query Staking Bonded 6Xv5Rk6ZLU7Tjc3k3LHSmzfrcRXkXypVaFYxN8aqqpeV9LhZ: closed", "chain_connection" },
        { "[ERROR] 03-Mar-24 10:00:00: Failed to query Staking Ledger 6Xv5Rk6ZLU7Tjc3k3LHSmzfrcRXkXypVaFYxN8aqqpeV9LhZ: closed", "chain_connection" },
        { "[ERROR] 03-Mar-24 10:00:00: Failed to query sync state: timeout", "sync_state" },
        { "[ERROR] 03-Mar-24 10:00:00: Unacceptable network settings, refusing to start. Run the suggested commands and restart the wrapper service.", "network_settings" },
        { "[ERROR] 03-Mar-24 10:00:00: Unable to execute blockchain update: 403 Forbidden", "update_failed" },
        { "[ERROR] 03-Mar-24 10:00:00: Unable to execute commands: module 'OpenSSL.crypto' has no attribute 'verify'", "command_failed" },
        { "[ERROR] 03-Mar-24 10:00:00: Unable to verify command: module 'OpenSSL.crypto' has no attribute 'verify'", "signature" },
        { "[ERROR] 03-Mar-24 10:00:00: Could not overwrite /opt/xxnetwork/bin/xxnetwork-cmix with /tmp/xxnetwork/cmix/xxnetwork-cmix.tmp: [Errno 30] Read-only file system", "update_failed" },
        { "[CRITICAL] 03-Mar-24 10:00:00: Something unexpected", "other" },
    };

    [Theory]
    [MemberData(nameof(ErrorLines))]
    public async Task Wrapper_errors_are_counted_by_kind(string line, string kind)
    {
        var metrics = await new RulesHarness(LogKind.CmixWrapper).Feed(line,
            "Traceback (most recent call last):",
            "  File \"/opt/xxnetwork/cmix-wrapper.py\", line 412, in <module>",
            "ConnectionRefusedError: [Errno 111] Connection refused");
        var counted = metrics.Series.Where(s => s.StartsWith("xx_wrapper_errors_total{service=\"cmix\"") && metrics[s] != 0).ToList();
        Assert.Equal([$"xx_wrapper_errors_total{{service=\"cmix\",kind=\"{kind}\"}}"], counted);
        Assert.Equal(1, metrics[counted[0]]);
        Assert.Equal(3, metrics["xx_log_continuation_lines_total{log=\"cmix_wrapper\"}"]);
    }

    [Fact]
    public async Task Warnings_are_not_errors()
    {
        var metrics = await new RulesHarness(LogKind.CmixWrapper).Feed(
            "[WARNING] 03-Mar-24 10:00:00: tcp_slow_start_after_idle should be disabled, run:");
        Assert.Equal(0, metrics.Series.Where(s => s.StartsWith("xx_wrapper_errors_total")).Sum(s => metrics[s]));
        Assert.Equal(1, metrics["xx_log_records_total{log=\"cmix_wrapper\",level=\"warn\"}"]);
    }
}

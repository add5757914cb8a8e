using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

public class StatusBuilderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_100_000);

    private static StatusReport Build(string exposition) => StatusBuilder.Build(MetricSamples.Parse(exposition), Now);

    private const string ActiveValidator = """
        xx_validator_active 1
        xx_validator_intends_to_validate 1
        xx_validator_elected_next_era 1
        xx_staking_active_era 42
        xx_validator_era_points 100
        xx_validator_era_points_active_set_median 120
        xx_validator_last_era_points 900
        xx_validator_last_era_missed 0
        xx_validator_missed_eras 0
        xx_validator_missed_eras_window 28
        """;

    [Theory]
    [InlineData(ActiveValidator, "active", Level.Ok, "active")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_elected_next_era 0\n", "active", Level.Bad, "active, but NOT elected for the next era")]
    [InlineData("xx_validator_active 0\nxx_validator_intends_to_validate 1\n", "waiting", Level.Warn, "waiting, not in the active set")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 0\n", "chilled", Level.Bad, "chilled: call validate again")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_last_era_missed 1\n", "active", Level.Bad, "active, missed the last era")]
    [InlineData("xx_validator_active 1\nxx_validator_intends_to_validate 1\nxx_validator_era_points 10\nxx_validator_era_points_active_set_median 100\n", "active", Level.Warn, "active")]
    public void The_validator_state_reads_like_an_operator_would_say_it(string exposition, string state, Level level, string summary)
    {
        var validator = Build(exposition).Validator!;
        Assert.Equal(state, validator.State);
        Assert.Equal(level, validator.Level);
        Assert.Equal(summary, validator.Summary);
    }

    [Fact]
    public void Stale_backups_expiring_certificates_silent_logs_and_failing_collectors_are_flagged()
    {
        double now = Now.ToUnixTimeSeconds();
        var report = Build($$"""
            xx_backup_present{target="cmix_gateway"} 1
            xx_backup_last_success_timestamp_seconds{target="cmix_gateway"} {{now - 3 * 86400}}
            xx_backup_present{target="chain"} 1
            xx_backup_last_success_timestamp_seconds{target="chain"} {{now - 3600}}
            xx_backup_present{target="cmix_node"} 0
            xx_tls_certificate_expiry_timestamp_seconds{file="gateway-cert.crt"} {{now + 3 * 86400}}
            xx_tls_certificate_expiry_timestamp_seconds{file="cmix-cert.crt"} {{now - 86400}}
            xx_tls_certificate_expiry_timestamp_seconds{file="scheduling-cert.crt"} {{now + 300 * 86400}}
            xx_log_file_present{log="cmix"} 1
            xx_log_last_record_timestamp_seconds{log="cmix"} {{now - 3600}}
            xx_log_file_present{log="gateway"} 0
            xx_exporter_collector_success{collector="chain"} 0
            xx_exporter_collector_success{collector="log_cmix"} 1
            """);
        Assert.Equal([Level.Bad, Level.Ok, Level.Bad], report.Backups.Select(b => b.Level));
        Assert.StartsWith("stale: 3d ago", report.Backups[0].Summary);
        Assert.Equal("missing", report.Backups[2].Summary);
        Assert.Equal([Level.Warn, Level.Bad, Level.Ok], report.Certificates.Select(c => c.Level));
        Assert.Equal("expired 24h ago", report.Certificates[1].Summary);
        Assert.Equal([Level.Warn, Level.Unknown], report.Logs.Select(l => l.Level));
        Assert.Equal([Level.Bad, Level.Ok], report.Collectors.Select(c => c.Level));
        Assert.Equal(Level.Bad, report.Overall);
    }

    [Fact]
    public void Rounds_success_ratio_and_silence_while_active()
    {
        double now = Now.ToUnixTimeSeconds();
        var report = Build(ActiveValidator + $$"""

            xx_log_file_present{log="cmix"} 1
            xx_cmix_activity{state="WAITING"} 1
            xx_cmix_activity{state="REALTIME"} 0
            xx_cmix_rounds_completed_total 90
            xx_cmix_round_failures_total{reason="phase_timeout"} 6
            xx_cmix_round_failures_total{reason="other"} 4
            xx_cmix_last_round_completed_timestamp_seconds {{now - 3 * 3600}}
            """);
        Assert.Equal(0.9, report.Cmix!.SuccessRatio!.Value, 9);
        Assert.Equal("WAITING", report.Cmix.Activity);
        Assert.Equal(Level.Bad, report.Cmix.Level); // active validator, no round for 3 h
    }

    [Fact]
    public void Chain_health_and_an_all_good_page()
    {
        var report = Build("""
            xx_chain_up 1
            xx_chain_block_height{status="best"} 1000
            xx_chain_block_height{status="finalized"} 998
            xx_chain_peers 12
            xx_chain_syncing 0
            """);
        Assert.Equal(2, report.Chain!.FinalityLag);
        Assert.Equal(Level.Ok, report.Chain.Level);
        Assert.Equal(Level.Ok, report.Overall);
        Assert.Null(report.Validator);
        Assert.Equal(Level.Bad, Build("xx_chain_up 0\n").Chain!.Level);
    }

    [Fact]
    public void The_page_escapes_what_it_shows_and_needs_nothing_from_outside()
    {
        string html = StatusPage.Render(Build("xx_exporter_collector_success{collector=\"<script>x</script>\"} 0\n"), "/metrics");
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain(" src=", html);
        Assert.Contains("http-equiv=\"refresh\"", html);
    }
}

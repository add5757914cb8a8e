using System.Globalization;
using System.Text.RegularExpressions;
using XxExporter.Tests.Bundle;
using XxExporter.Web.Status;

namespace XxExporter.Tests.Web;

/// <summary>
/// The status page's thresholds are the alert rules' numbers: each is read from the page (<see cref="StatusBuilder"/>)
/// and from the expression of the alert in prometheus/rules/xx-alerts.yml that judges the same fact, and the two
/// must agree. The page's conditions (which logs, only while active) are the ones these expressions hold.
/// </summary>
public class StatusThresholdsTests
{
    [Fact]
    public void A_backup_is_stale_where_XxBackupStale_fires() =>
        Assert.Equal(StatusBuilder.BackupStaleAfter.TotalSeconds, Bound("XxBackupStale", "time() - xx_backup_last_success_timestamp_seconds >"));

    [Fact]
    public void A_certificate_is_amber_and_red_where_the_expiry_alerts_fire()
    {
        const string left = "xx_tls_certificate_expiry_timestamp_seconds - time()";
        Assert.Equal(StatusBuilder.CertificateWarnBefore.TotalSeconds, Bound("XxCertificateExpiringSoon", $"{left} <"));
        Assert.Equal(StatusBuilder.CertificateCriticalBefore.TotalSeconds, Bound("XxCertificateExpiringSoon", $"{left} >="));
        Assert.Equal(StatusBuilder.CertificateCriticalBefore.TotalSeconds, Bound("XxCertificateExpiringVerySoon", $"{left} <"));
    }

    [Fact]
    public void A_log_is_silent_where_XxLogSilent_fires_and_for_the_same_logs()
    {
        string logs = string.Join('|', StatusBuilder.LogsExpectedToSpeak);
        Assert.Equal(StatusBuilder.LogSilentAfter.TotalSeconds, Bound("XxLogSilent", $"time() - xx_log_last_record_timestamp_seconds{{log=~\"{logs}\"}} >"));
        Assert.Equal(StatusBuilder.LogSilentAfter.TotalSeconds, Bound("XxLogSilent", "time() - process_start_time_seconds >"));
        Assert.Contains("and on(instance, job, log) (xx_log_file_present == 1)", Expr("XxLogSilent"));
        Assert.Contains("unless on(instance, job) (min_over_time(xx_validator_active[30m]) == 0)", Expr("XxLogSilent"));
    }

    [Fact]
    public void An_active_validator_without_rounds_is_red_where_XxCmixNoRoundCompleted_fires()
    {
        const string alert = "XxCmixNoRoundCompleted";
        Assert.Equal(StatusBuilder.NoRoundAfter.TotalSeconds, Bound(alert, "time() - xx_cmix_last_round_completed_timestamp_seconds >"));
        Assert.Equal(StatusBuilder.NoRoundAfter.TotalSeconds, Bound(alert, "time() - process_start_time_seconds >"));
        Assert.Equal(StatusBuilder.EraStartGrace.TotalSeconds, Bound(alert, "unless on(instance, job) (time() - xx_staking_active_era_start_timestamp_seconds <"));
        Assert.Contains("and on(instance, job) (xx_validator_active == 1)", Expr(alert));
        Assert.Contains("and on(instance, job) (xx_log_file_present{log=\"cmix\"} == 1)", Expr(alert));
    }

    [Fact]
    public void The_round_failure_ratio_is_amber_where_XxCmixRoundFailureRatioHigh_fires()
    {
        const string alert = "XxCmixRoundFailureRatioHigh";
        Assert.Equal(StatusBuilder.BreakEvenFailureRatio, Bound(alert, "+ increase(xx_cmix_rounds_completed_total[6h])) ) >"));
        Assert.Equal(StatusBuilder.BreakEvenFailureRatio, Bound(alert, "+ increase(xx_cmix_rounds_completed_total[1h])) ) >"));
        Assert.Equal(StatusBuilder.RoundsForFailureRatio, Bound(alert, "+ increase(xx_cmix_rounds_completed_total[6h])) >="));
    }

    [Fact]
    public void Era_points_are_amber_where_XxValidatorEraPointsLow_fires()
    {
        const string alert = "XxValidatorEraPointsLow";
        Assert.Equal(StatusBuilder.EraPointsLowOfMedian, Bound(alert, "xx_validator_era_points / xx_validator_era_points_active_set_median <"));
        Assert.Equal(StatusBuilder.MeaningfulMedianPoints, Bound(alert, "and xx_validator_era_points_active_set_median >="));
        Assert.Contains("and xx_validator_active == 1", Expr(alert));
    }

    [Fact]
    public void The_chain_is_amber_where_XxChainFinalityLagging_and_XxChainPeersLow_fire()
    {
        Assert.Equal(StatusBuilder.FinalityLagBlocks,
            Bound("XxChainFinalityLagging", "xx_chain_block_height{status=\"best\"} - ignoring(status) xx_chain_block_height{status=\"finalized\"} >"));
        Assert.Contains("unless on(instance, job) (xx_chain_syncing == 1)", Expr("XxChainFinalityLagging"));
        Assert.Equal(StatusBuilder.FewPeers, Bound("XxChainPeersLow", "xx_chain_peers <"));
    }

    /// <summary>The alert's expression with every run of white space made one space.</summary>
    private static string Expr(string alert) =>
        Regex.Replace(PrometheusRulesTests.Alerts().Single(a => a.Name == alert).Expr, @"\s+", " ").Trim();

    /// <summary>
    /// The number compared in the alert's expression right after <paramref name="comparison"/> (the left side and the
    /// operator, as written there): a literal or a product such as <c>26 * 3600</c>; the same wherever it occurs.
    /// </summary>
    private static double Bound(string alert, string comparison)
    {
        const string number = @"\d+(?:\.\d+)?(?:e\d+)?";
        var bounds = Regex.Matches(Expr(alert), $@"{Regex.Escape(comparison)} ({number}(?: \* {number})*)(?![\d.*])")
            .Select(m => m.Groups[1].Value.Split(" * ").Aggregate(1.0, (product, factor) => product * double.Parse(factor, CultureInfo.InvariantCulture)))
            .Distinct().ToList();
        Assert.True(bounds.Count == 1, $"{alert}: expected one bound after \"{comparison}\", found [{string.Join(", ", bounds)}] in: {Expr(alert)}");
        return bounds[0];
    }
}

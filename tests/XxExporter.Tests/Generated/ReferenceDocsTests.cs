using XxExporter.Tests.Support;

namespace XxExporter.Tests.Generated;

/// <summary>The reference pages are what the golden scrape and the rules make of them; <see cref="GeneratedFile.Command"/> regenerates them.</summary>
public class ReferenceDocsTests
{
    [Fact, Trait(GeneratedFile.Trait, GeneratedFile.Category)]
    public Task The_metric_reference_is_made_from_the_golden_scrape() =>
        GeneratedFile.AssertCurrent(ReferenceDocs.MetricsFile, ReferenceDocs.Metrics(MetricFamilies.Served()));

    [Fact, Trait(GeneratedFile.Trait, GeneratedFile.Category)]
    public Task The_alert_reference_is_made_from_the_rules() =>
        GeneratedFile.AssertCurrent(ReferenceDocs.AlertsFile, ReferenceDocs.Alerts(AlertRules.All()));

    [Fact, Trait(GeneratedFile.Trait, GeneratedFile.Category)]
    public Task The_runbook_index_is_made_from_the_rules() =>
        GeneratedFile.AssertCurrent(ReferenceDocs.RunbookIndexFile, ReferenceDocs.RunbookIndex(AlertRules.All()));

    [Fact]
    public void The_golden_scrape_reads_as_families_with_types_help_and_labels()
    {
        var families = MetricFamilies.Parse("""
            # HELP a_total Lines read, by log\\ and "kind".
            # TYPE a_total counter
            a_total{log="cmix",kind="x y"} 1
            a_total{log="gateway"} 2
            # HELP b_seconds How long.
            # TYPE b_seconds histogram
            b_seconds_bucket{le="1"} 0
            b_seconds_sum 0
            b_seconds_count 0
            # TYPE c gauge
            c 1
            """);
        Assert.Equal([
            new MetricFamily("a_total", "counter", "Lines read, by log\\ and \"kind\".", ["kind", "log"]),
            new MetricFamily("b_seconds", "histogram", "How long.", []),
            new MetricFamily("c", "gauge", "", []),
        ], families, (x, y) => x.Name == y.Name && x.Type == y.Type && x.Help == y.Help && x.Labels.SequenceEqual(y.Labels));
        Assert.Equal(["b_seconds", "b_seconds_bucket", "b_seconds_sum", "b_seconds_count"], families[1].SeriesNames);
    }

    [Fact]
    public void A_table_cell_keeps_pipes_asterisks_and_angle_brackets_as_text()
    {
        var families = new[] { new MetricFamily("xx_a_b", "gauge", "1 | 0; its other xx_a_* series are <absent>.", ["x"]) };
        Assert.Contains(@"| `xx_a_b` | gauge | `x` | 1 \| 0; its other xx_a_\* series are &lt;absent>. |", ReferenceDocs.Metrics(families));
    }
}

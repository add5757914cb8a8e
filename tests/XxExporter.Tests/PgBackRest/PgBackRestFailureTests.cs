using XxExporter.Settings;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.PgBackRest;

/// <summary>The source off without stanzas, and the real pgbackrest failing: counted, logged with its own message, never a crash.</summary>
public sealed class PgBackRestFailureTests
{
    [Fact]
    public async Task Without_stanzas_there_is_no_source()
    {
        await using var pgbackrest = new PgBackRestScrapes();

        Assert.Empty(pgbackrest.Sources);
    }

    [Theory]
    [InlineData("cmix node", "is not a stanza name")]
    [InlineData("a,a", "a stanza is given twice")]
    public void A_stanza_list_that_cannot_be_one_is_refused_at_start(string stanzas, string problem)
    {
        var error = Assert.Throws<SettingsException>(() => new PgBackRestScrapes("--pgbackrest.stanzas", stanzas));

        Assert.Contains("--pgbackrest.stanzas", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public async Task A_missing_configuration_fails_the_collector_with_pgbackrests_own_message()
    {
        using var folder = new TempFolder();
        await using var pgbackrest = new PgBackRestScrapes("--pgbackrest.stanzas", "demo", "--pgbackrest.config", folder.File("pgbackrest.conf"));

        var m = await pgbackrest.Until(m => m.Has("xx_exporter_command_failures_total{command=\"pgbackrest_info\",reason=\"exit_code\"}"), "the failure counted");
        m = await pgbackrest.Until(m => m["xx_exporter_collector_success{collector=\"pgbackrest\"}"] == 0, "the collector failing");
        Assert.DoesNotContain(m.Series, series => series.StartsWith("xx_pgbackrest_backups", StringComparison.Ordinal));
        Assert.Contains($"exited with code 55: ERROR: [055]: unable to open missing file '{folder.File("pgbackrest.conf")}' for read", pgbackrest.Logs.All);
    }

    [Fact]
    public async Task A_program_that_is_not_there_is_named()
    {
        await using var pgbackrest = new PgBackRestScrapes("--pgbackrest.stanzas", "demo", "--pgbackrest.command", "/nonexistent/pgbackrest");

        await pgbackrest.Until(m => m.Has("xx_exporter_command_failures_total{command=\"pgbackrest_info\",reason=\"not_found\"}")
            && m["xx_exporter_collector_success{collector=\"pgbackrest\"}"] == 0, "the failure counted");
        Assert.Contains("/nonexistent/pgbackrest could not be started", pgbackrest.Logs.All);
    }
}

using System.Text;
using XxExporter.Backups;

namespace XxExporter.Tests.Backups;

/// <summary>The result file's parser on files the drill script wrote (deploy/restore-drill/xx-restore-drill) and on broken ones.</summary>
public sealed class RestoreDrillResultTests
{
    /// <summary>A run of the script over a pgBackRest stanza (the gateway, passed) and a dump (the node, failed).</summary>
    private const string Written = """
        # xx-restore-drill result, 2026-12-07T03:10:22Z; format: docs/backups.md
        cmix_gateway.result=ok
        cmix_gateway.finished=1796613021
        cmix_gateway.duration_seconds=1.002
        cmix_gateway.kind=pgbackrest
        cmix_gateway.label=20261207-031015F
        cmix_gateway.backup_time=1796613018
        cmix_gateway.reason=
        cmix_node.result=failed
        cmix_node.finished=1796613027
        cmix_node.duration_seconds=0.064
        cmix_node.kind=dump
        cmix_node.label=cmix_node-2.dump
        cmix_node.backup_time=
        cmix_node.reason=reading the dump /var/backups/cmix_node-2.dump failed: pg_restore: error: could not read from input file: end of file

        """;

    [Fact]
    public void A_written_file_gives_each_databases_drill()
    {
        var file = RestoreDrillResult.Parse(Encoding.UTF8.GetBytes(Written));

        Assert.Empty(file.Problems);
        Assert.Equal(
        [
            new RestoreDrill("cmix_gateway", true, DateTimeOffset.FromUnixTimeSeconds(1796613021), 1.002, "pgbackrest", "20261207-031015F",
                DateTimeOffset.FromUnixTimeSeconds(1796613018), ""),
            new RestoreDrill("cmix_node", false, DateTimeOffset.FromUnixTimeSeconds(1796613027), 0.064, "dump", "cmix_node-2.dump", null,
                "reading the dump /var/backups/cmix_node-2.dump failed: pg_restore: error: could not read from input file: end of file"),
        ], file.Drills);
    }

    [Fact]
    public void Windows_line_ends_a_byte_order_mark_and_keys_of_a_newer_script_change_nothing()
    {
        string text = "\uFEFF" + Written.Replace("\n", "\r\n") + "cmix_gateway.newest_row=1796613000\r\n";
        Assert.Equal(RestoreDrillResult.Parse(Encoding.UTF8.GetBytes(Written)).Drills, RestoreDrillResult.Parse(Encoding.UTF8.GetBytes(text)).Drills);
    }

    [Fact]
    public void A_value_keeps_its_equals_signs_and_dots()
    {
        var drill = Assert.Single(RestoreDrillResult.Parse(Encoding.UTF8.GetBytes(
            "db.result=failed\ndb.finished=10\ndb.reason=pg_restore: error: a=b. c\n")).Drills);
        Assert.Equal("pg_restore: error: a=b. c", drill.Reason);
        Assert.Equal(0, drill.DurationSeconds);
        Assert.Null(drill.BackupTime);
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "cmix_gateway result ok", "line 1 is not database.key=value" },
        { "cmix-gateway.result=ok", "line 1 is not database.key=value" },
        { "=ok", "line 1 is not database.key=value" },
        { "db.finished=10", "db: result is \"\", not ok or failed" },
        { "db.result=passed\ndb.finished=10", "db: result is \"passed\", not ok or failed" },
        { "db.result=ok", "db: finished is \"\", not Unix seconds" },
        { "db.result=ok\ndb.finished=2026-12-07", "db: finished is \"2026-12-07\", not Unix seconds" },
        { "db.result=ok\ndb.finished=-5", "db: finished is \"-5\", not Unix seconds" },
        { "db.result=ok\ndb.finished=99999999999999999", "db: finished is \"99999999999999999\", not Unix seconds" },
        { "db.result=ok\ndb.finished=10\ndb.duration_seconds=NaN", "db: duration_seconds is \"NaN\", not seconds" },
        { "db.result=ok\ndb.finished=10\ndb.backup_time=yesterday", "db: backup_time is \"yesterday\", not Unix seconds" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_line_or_database_that_makes_no_drill_is_named_and_the_others_are_kept(string broken, string problem)
    {
        var file = RestoreDrillResult.Parse(Encoding.UTF8.GetBytes($"{broken}\nok_db.result=ok\nok_db.finished=20\n"));

        Assert.StartsWith(problem, Assert.Single(file.Problems));
        Assert.Equal("ok_db", Assert.Single(file.Drills).Database);
    }

    [Fact]
    public void An_empty_file_holds_no_drill_and_no_problem()
    {
        var file = RestoreDrillResult.Parse([]);
        Assert.Empty(file.Drills);
        Assert.Empty(file.Problems);
    }
}

/// <summary>docs/backups.md's account of the result file is the one the script writes and the parser reads.</summary>
public sealed partial class RestoreDrillResultDocumentTests
{
    private static readonly string Page = File.ReadAllText(Support.Repository.PathOf("docs/backups.md"));

    [Fact]
    public void The_documented_keys_are_those_the_script_writes()
    {
        string section = Page[Page.IndexOf("### The result file", StringComparison.Ordinal)..];
        var documented = System.Text.RegularExpressions.Regex.Matches(section, @"(?m)^\| `(\w+)` \|").Select(m => m.Groups[1].Value);
        string script = File.ReadAllText(Support.Repository.PathOf("deploy/restore-drill/xx-restore-drill"));
        var written = System.Text.RegularExpressions.Regex.Matches(script, @"""\$database\.(\w+)=").Select(m => m.Groups[1].Value);
        Assert.Equal(written.Order(), documented.Order());
    }

    [Fact]
    public void The_documented_example_is_a_file_the_exporter_reads()
    {
        string example = Page[(Page.IndexOf("```\n# xx-restore-drill result", StringComparison.Ordinal) + 4)..];
        var file = RestoreDrillResult.Parse(Encoding.UTF8.GetBytes(example[..example.IndexOf("```", StringComparison.Ordinal)]));
        Assert.Empty(file.Problems);
        Assert.False(Assert.Single(file.Drills).Passed);
    }
}

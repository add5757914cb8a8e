using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using XxExporter.Logs;
using XxExporter.Logs.Grammar;
using XxExporter.Tests.Logs;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The central logs (docs/operations.md "Central logs"): alloy/config.alloy, loki/loki.yml, the Loki panels and the LogQL in
/// the docs. No Loki or Alloy binary can be installed here, so the pipeline's regular expressions are run with .NET's
/// Regex on real lines (the config keeps to the RE2 subset both read the same), and LogQL is parsed with Grafana's own
/// grammar (tests/grafana-tools/logql.mjs).
/// </summary>
public partial class CentralLogsTests
{
    private static readonly string Config = File.ReadAllText(Repository.PathOf("alloy/config.alloy"));
    private static readonly string[] AllowedLabels = ["instance", "site", "validator", "log", "level"];

    // ---- redaction ------------------------------------------------------------------------------------------

    /// <summary>
    /// Lines as the wrapper writes them (its format strings: the configuration dump at start, each command it runs,
    /// and with --verbose boto's request logging under the same root logger), each with a secret-shaped value.
    /// </summary>
    public static TheoryData<string, string[], string[]> SecretLines => new()
    {
        { "[INFO] 14-Mar-24 09:26:53: Running with configuration: {'s3_access_key': 'AKIA2E0A8F3B244C9986', 's3_secret': 'Zp7Q0x/fAkE+SeCrEt0123456789abcdEFGHijKL', 's3_management_bucket': 'elixxir-management-mainnet', 's3_bin_bucket': 'elixxir-bins', 's3_region': 'us-west-1', 'verbose': False, 'gateway': False}",
            ["AKIA2E0A8F3B244C9986", "Zp7Q0x/fAkE+SeCrEt0123456789abcdEFGHijKL"],
            ["[INFO] 14-Mar-24 09:26:53: Running with configuration: {'s3_access_key': '<redacted>', 's3_secret': '<redacted>', 's3_management_bucket': 'elixxir-management-mainnet'", "'s3_region': 'us-west-1', 'verbose': False"] },
        { "[INFO] 14-Mar-24 09:27:13: Executing command: {'command': 'update', 'target': 'binary', 'info': {'path': 'b3f1c2d4', 'hash': '9e2d7c1b'}, 'nodes': ['MYqKI26Kc3KkJOMmF5n0tiwlSY/lhYCFYreTRh9c4NAC']}",
            ["'command': 'update'", "b3f1c2d4", "9e2d7c1b"],
            ["[INFO] 14-Mar-24 09:27:13: Executing command: <redacted>"] },
        { "[DEBUG] 14-Mar-24 09:26:54: Sending http request: <AWSPreparedRequest stream_output=False, method=GET, url=https://elixxir-bins.s3.us-west-1.amazonaws.com/server/version.jsonl, headers={'User-Agent': b'Boto3/1.17.112', 'X-Amz-Date': b'20240314T092654Z', 'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIA2E0A8F3B244C9986/20240314/us-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=5d6f0c3b8e2a7d9f1c4b6a8e0d2f4b6c8a0e2d4f6b8c0a2e4d6f8b0c2a4e6d8f'}>",
            ["AKIA2E0A8F3B244C9986", "5d6f0c3b8e2a7d9f1c4b6a8e0d2f4b6c8a0e2d4f6b8c0a2e4d6f8b0c2a4e6d8f", "20240314/us-west-1/s3/aws4_request"],
            ["url=https://elixxir-bins.s3.us-west-1.amazonaws.com/server/version.jsonl", "Credential=<redacted>, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=<redacted>'}>"] },
        { "[DEBUG] 14-Mar-24 09:26:54: Event before-sign.s3.GetObject: url https://elixxir-management-mainnet.s3.us-west-1.amazonaws.com/server/command.jsonl?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA4F0E2D6C8B1A3E5F7D%2F20240314%2Fus-west-1%2Fs3%2Faws4_request&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEFake0123&X-Amz-Signature=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
            ["ASIA4F0E2D6C8B1A3E5F7D", "IQoJb3JpZ2luX2VjEFake0123", "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"],
            ["server/command.jsonl?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<redacted>&X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>"] },
        { "[ERROR] 14-Mar-24 09:26:55: Unable to download server/command.jsonl from elixxir-management-mainnet: Partial credentials found in env, missing: aws_secret_access_key\nTraceback (most recent call last):\n  File \"/opt/xxnetwork/wrapper.py\", line 444, in download\n    s3 = boto3.Session(aws_access_key_id='AKIA2E0A8F3B244C9986', aws_secret_access_key='Zp7Q0x/fAkE+SeCrEt0123456789abcdEFGHijKL',",
            ["AKIA2E0A8F3B244C9986", "Zp7Q0x/fAkE+SeCrEt0123456789abcdEFGHijKL"],
            ["missing: aws_secret_access_key\nTraceback (most recent call last):\n  File \"/opt/xxnetwork/wrapper.py\", line 444, in download\n    s3 = boto3.Session(aws_access_key_id='<redacted>', aws_secret_access_key='<redacted>',"] },
        { "[ERROR] 14-Mar-24 09:27:00: Unable to verify command: {\"signature\": \"kZ3m9Qe1fAkEsIgNaTuRe0/+AbCdEfGhIjKlMnOpQrStUvWxYz==\"}",
            ["kZ3m9Qe1fAkEsIgNaTuRe0/+AbCdEfGhIjKlMnOpQrStUvWxYz=="],
            ["[ERROR] 14-Mar-24 09:27:00: Unable to verify command: {\"signature\": \"<redacted>\"}"] },
    };

    [Theory]
    [MemberData(nameof(SecretLines))]
    public void The_redaction_rules_remove_the_secret_and_keep_the_rest_of_the_record(string record, string[] secrets, string[] kept)
    {
        string shipped = Redact(record);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, shipped));
        Assert.All(kept, part => Assert.Contains(part, shipped));
    }

    [Theory]
    [InlineData("[INFO] 14-Mar-24 09:27:20: /opt/xxnetwork/bin/xxnetwork-cmix started at PID 48213")]
    [InlineData("[INFO] 14-Mar-24 09:27:20: binary update required: 0000000000000000000000000000000000000000000000000000000000000000 -> 5c1e9d8a7b6f")]
    [InlineData("[ERROR] 14-Mar-24 09:27:21: Failed to verify signature for /tmp/command.jsonl!")]
    [InlineData("[INFO] 14-Mar-24 09:27:22: Command does not apply to MYqKI26Kc3KkJOMmF5n0tiwlSY/lhYCFYreTRh9c4NAC")]
    [InlineData("ERROR 2023/07/26 14:09:06 ReceiveRoundError received error from [c6wptSinakErZHrk0SlgGQXExETPYYLB2CwpLNze6FMC:11420]: round 9876544 failed")]
    [InlineData("FATAL 2023/07/26 14:00:00 Database call timed out: context deadline exceeded")]
    public void Records_without_secrets_are_shipped_unchanged(string record) => Assert.Equal(record, Redact(record));

    [Fact]
    public void The_redaction_rules_keep_to_the_regex_syntax_go_and_dotnet_read_the_same_and_run_last()
    {
        var rules = RedactionRules();
        Assert.True(rules.Count >= 5, $"{rules.Count} stage.replace rules found in alloy/config.alloy");
        Assert.All(rules, rule =>
        {
            Assert.Equal("<redacted>", rule.Replacement);
            Assert.True(!OutsideSharedSubset().IsMatch(rule.Expression), $"{rule.Expression}: uses syntax RE2 and .NET read differently");
            Assert.True(rule.Regex.GetGroupNumbers().Length > 1, $"{rule.Expression}: no capture group to replace");
        });
        // After the record joining (a secret on a continuation line is in the joined record) and before shipping.
        Assert.True(Config.IndexOf("stage.replace", StringComparison.Ordinal) > Config.LastIndexOf("stage.multiline", StringComparison.Ordinal));
    }

    /// <summary>The stage.replace rules as Alloy applies them: every capture group of every match replaced.</summary>
    private static string Redact(string record)
    {
        foreach (var rule in RedactionRules())
        {
            var result = new StringBuilder();
            int at = 0;
            foreach (Match match in rule.Regex.Matches(record))
                foreach (Group group in match.Groups.Cast<Group>().Skip(1).Where(g => g.Success))
                {
                    result.Append(record, at, group.Index - at).Append(rule.Replacement);
                    at = group.Index + group.Length;
                }
            record = result.Append(record, at, record.Length - at).ToString();
        }
        return record;
    }

    private sealed record Rule(string Expression, string Replacement, Regex Regex);

    private static List<Rule> RedactionRules() => ReplaceStage().Matches(Config)
        .Select(m => (Expression: AlloyString(m.Groups["expression"].Value), Replacement: AlloyString(m.Groups["replace"].Value)))
        .Select(r => new Rule(r.Expression, r.Replacement, new Regex(r.Expression, RegexOptions.CultureInvariant))).ToList();

    /// <summary>The content of an Alloy string literal (Go escapes; the config uses \\, \", \t and \n).</summary>
    private static string AlloyString(string literal) => AlloyEscape().Replace(literal, m => m.Groups[1].Value switch
    {
        "t" => "\t",
        "n" => "\n",
        var c => c,
    });

    [GeneratedRegex(@"stage\.replace\s*\{\s*expression\s*=\s*""(?<expression>(?:[^""\\]|\\.)*)""\s*replace\s*=\s*""(?<replace>(?:[^""\\]|\\.)*)""\s*\}")]
    private static partial Regex ReplaceStage();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex AlloyEscape();

    /// <summary>Classes, assertions and groups whose meaning differs between RE2 and .NET (Unicode \w \d \s \b, $ before a final newline) or that RE2 lacks.</summary>
    [GeneratedRegex(@"\\[wWdDsSbBpPzAZ1-9]|\(\?[=!<P]|\$")]
    private static partial Regex OutsideSharedSubset();

    // ---- record joining -------------------------------------------------------------------------------------

    /// <summary>
    /// The first lines Alloy's stage.multiline starts a record at are those the exporter's header grammars accept
    /// (exporter/Logs/Grammar/HeaderGrammars.cs): checked on the header table of HeaderGrammarTests and on
    /// continuation lines of both grammars.
    /// </summary>
    [Fact]
    public void Alloy_starts_a_record_exactly_where_the_exporter_does()
    {
        var firstLines = FirstLine().Matches(Config).Select(m => new Regex(AlloyString(m.Groups[1].Value))).ToList();
        Assert.Equal(3, firstLines.Count);   // Go (cmix, gateway), Python (wrappers), the chain, in this order
        var byGrammar = new Dictionary<LogGrammar, Regex> { [LogGrammar.GoJww] = firstLines[0], [LogGrammar.PythonLogging] = firstLines[1] };

        var lines = HeaderGrammarTests.Headers.Select(row => ((LogGrammar)row[0], (string)row[1]))
            .Concat(ContinuationLines.SelectMany(line => new[] { (LogGrammar.GoJww, line), (LogGrammar.PythonLogging, line) }));
        Assert.All(lines, entry =>
        {
            var (grammar, line) = entry;
            bool exporter = HeaderGrammars.TryParse(grammar, Encoding.UTF8.GetBytes(line), out _);
            Assert.True(exporter == byGrammar[grammar].IsMatch(line), $"{grammar}: the exporter says {(exporter ? "header" : "continuation")} for \"{line}\"");
        });
        Assert.Contains(HeaderGrammarTests.Headers, row => byGrammar[(LogGrammar)row[0]].IsMatch((string)row[1]));

        Assert.Matches(firstLines[2], "2021-07-14 20:46:00 ✨ Imported #188382 (0x38d3…d252)");   // docs/xx-node-facts.md 2.6
        Assert.DoesNotMatch(firstLines[2], "Version: 0.2.3-ab12cd");
    }

    private static readonly string[] ContinuationLines =
    [
        "panic: Database call timed out: context deadline exceeded",
        "goroutine 1 [running]:",
        "\tgitlab.com/elixxir/server/node.(*RoundErrBroadcastHandler).Handle(0xc000123456)",
        "\t inserts finished at 2023-07-26 14:08:25.3, KR insert finished at 2023-07-26 14:08:25.4, ",
        "Traceback (most recent call last):",
        "  File \"/opt/xxnetwork/wrapper.py\", line 444, in download",
        "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
        "INFOrmation 2024/01/01 00:00:00 not a level",
        "[INFO] 2024/01/01 00:00:00: the wrong date format",
        "INFO 2024-01-01 00:00:00 the wrong date format",
        "",
    ];

    [GeneratedRegex(@"firstline\s*=\s*""((?:[^""\\]|\\.)*)""")]
    private static partial Regex FirstLine();

    [Fact]
    public void Only_bounded_labels_are_set_and_the_level_and_time_come_from_the_record()
    {
        // loki.source.file adds `filename`; the pipeline drops it and adds only level (the rest are external labels).
        Assert.Contains("stage.label_drop {\n    values = [\"filename\"]", Config);
        Assert.Equal(["level"], LabelsStage().Matches(Config).Select(m => m.Groups[1].Value));
        Assert.Matches(@"external_labels = \{\s*instance\s+= [^\n]+,\s*site\s+= [^\n]+,\s*validator\s+= [^\n]+,\s*\}", Config);
        Assert.Equal(3, Regex.Matches(Config, @"stage\.timestamp \{\s*source\s+= ""time""\s*format\s+= ""[^""]+""\s*location = coalesce\(sys\.env\(""XX_LOG_TIMEZONE""\), ""Local""\)").Count);
    }

    [GeneratedRegex(@"stage\.labels \{\s*values = \{ (\w+) = """" \}")]
    private static partial Regex LabelsStage();

    // ---- LogQL ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Every_logql_query_of_the_dashboards_and_docs_parses_with_grafanas_grammar()
    {
        var queries = Dashboards.LogQueries().Select(q => (Name: q.ToString(), q.Expr)).Concat(DocumentedLogQueries()).ToList();
        Assert.True(queries.Count >= 10, $"{queries.Count} LogQL queries found");
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("queries.json"), JsonSerializer.Serialize(queries.Select(q => new { name = q.Name, expr = q.Expr })));

        string tools = Path.Combine(Repository.Root, "tests", "grafana-tools");
        Assert.True(Directory.Exists(Path.Combine(tools, "node_modules", "@grafana", "lezer-logql")), "the LogQL grammar is not installed: npm ci --prefix tests/grafana-tools");
        var (code, output) = await Repository.RunAsync("node", Path.Combine(tools, "logql.mjs"), folder.File("queries.json"));
        Assert.True(code == 0, output);
        Assert.Equal(queries.Count, Regex.Matches(output, ": valid$", RegexOptions.Multiline).Count);
    }

    [Fact]
    public async Task The_grammar_check_rejects_a_broken_query()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("queries.json"), """[{"name": "broken", "expr": "sum(count_over_time({log=\"cmix\"}))"}]""");
        var (code, output) = await Repository.RunAsync("node", Repository.PathOf("tests/grafana-tools/logql.mjs"), folder.File("queries.json"));
        Assert.True(code == 1, output);
        Assert.Contains("broken: syntax error at", output);
    }

    [Fact]
    public void Log_queries_select_a_log_of_the_chosen_hosts_by_the_shipped_labels_only()
    {
        var queries = Dashboards.LogQueries().Select(q => (Name: q.ToString(), Expr: q.Template)).Concat(DocumentedLogQueries()).ToList();
        Assert.All(queries, query => Assert.All(StreamSelector().Matches(query.Expr), selector =>
        {
            var matchers = LabelMatcher().Matches(selector.Value).ToDictionary(m => m.Groups["label"].Value, m => m.Groups["value"].Value);
            Assert.All(matchers.Keys, label => Assert.True(AllowedLabels.Contains(label), $"{query.Name}: {label} is no label Alloy ships"));
            // Loki refuses a selector whose every matcher matches the empty string (All is ".*"): `log` never does.
            Assert.True(matchers.TryGetValue("log", out string? log) && log is not (".*" or ""), $"{query.Name}: {selector.Value} selects no log");
        }));
        Assert.All(Dashboards.LogQueries(), q => Assert.Contains("site=~\"$site\", instance=~\"$instance\"", q.Template));
    }

    [Theory]
    [InlineData("XxServiceDown", "cMix crash and restart records")]
    [InlineData("XxCmixRoundFailureRatioHigh", "cMix round failure records")]
    [InlineData("XxDatabaseErrors", "Gateway database error records")]
    public void An_alert_that_sends_the_operator_to_the_logs_has_a_log_panel_and_a_query_in_its_runbook(string alert, string panel)
    {
        Assert.Contains(Dashboards.LogQueries(), q => q.PanelTitle == panel);
        Assert.Contains(DocumentedLogQueries(), q => q.Name.StartsWith($"docs/runbooks/{alert}.md", StringComparison.Ordinal));
    }

    [Fact]
    public void Grafana_has_the_loki_datasource_the_panels_name()
    {
        string datasources = File.ReadAllText(Repository.PathOf("grafana/provisioning/datasources/datasources.yml"));
        Assert.Matches(@"- name: Loki\n\s+uid: xx-loki\n\s+type: loki\n\s+access: proxy\n\s+url: http://loki:3100\n", datasources);
    }

    /// <summary>The ```logql blocks of README.md and docs/, one query a line, named by file and line.</summary>
    private static IEnumerable<(string Name, string Expr)> DocumentedLogQueries() =>
        new[] { Repository.PathOf("README.md") }.Concat(Directory.GetFiles(Repository.PathOf("docs"), "*.md", SearchOption.AllDirectories))
            .SelectMany(file =>
            {
                string name = Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');
                var lines = File.ReadAllLines(file);
                var queries = new List<(string, string)>();
                bool inBlock = false;
                for (int i = 0; i < lines.Length; i++)
                {
                    string line = lines[i].Trim();
                    if (line.StartsWith("```", StringComparison.Ordinal)) inBlock = !inBlock && line == "```logql";
                    else if (inBlock && line.Length > 0) queries.Add(($"{name}:{i + 1}", Dashboards.Substitute(line, ".*", ".*", "1m")));
                }
                return queries;
            });

    [GeneratedRegex(@"\{[^{}]*=[^{}]*\}")]
    private static partial Regex StreamSelector();

    [GeneratedRegex(@"(?<label>\w+)\s*(?:=~|!~|!=|=)\s*""(?<value>[^""]*)""")]
    private static partial Regex LabelMatcher();
}

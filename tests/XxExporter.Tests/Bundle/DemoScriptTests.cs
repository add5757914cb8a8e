using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>demo/run.sh, the native demo, as a person runs it.</summary>
[FullLane]
[Collection(MoreCompressedClockStacks.Name)]
public sealed class DemoScriptRunTests
{
    [Fact]
    public async Task The_demo_runs_the_whole_stack_prints_an_alert_at_its_webhook_and_ctrl_c_stops_everything()
    {
        // The tests' fast clock (as in StackEndToEndTests) so the missed era reaches the webhook within a minute; the
        // builds the tests already made, instead of a Release build of its own.
        var start = new ProcessStartInfo("bash") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { DemoScript.Path, "--bin", AppContext.BaseDirectory, "--era-seconds", "60", "--round-seconds", "2.5",
            "--interval-seconds", "1", "--compress-for" })
            start.ArgumentList.Add(arg);
        using var demo = Repository.Start(start);
        var output = new ConcurrentQueue<string>();
        demo.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        demo.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        string Printed() => string.Join('\n', output);
        try
        {
            var waited = Stopwatch.StartNew();
            while (!demo.HasExited && !Printed().Contains("FIRING XxValidatorMissedEra") && waited.Elapsed < TimeSpan.FromMinutes(4))
                await Task.Delay(500);
            string printed = Printed();
            // An alert about the validator names it (prometheus.yml's target label), not a host.
            Assert.True(printed.Contains("webhook: xx-page FIRING XxValidatorMissedEra (critical, validator-1)"), printed);

            // Every URL it printed answers, and the Postgres it started is watched.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            foreach (string name in new[] { "exporter status page", "Prometheus alerts", "Alertmanager" })
            {
                string url = Regex.Match(printed, $@"(?m)^  {name} +(http://127\.0\.0\.1:\d+/\S*)$").Groups[1].Value;
                Assert.True(url.Length > 0, $"no URL for {name}:\n{printed}");
                using var response = await http.GetAsync(url);
                Assert.True(response.IsSuccessStatusCode, $"{name} {url}: {response.StatusCode}");
            }
            Assert.Matches(@"(?m)^  Postgres +127\.0\.0\.1:\d+ \(cmix_node, cmix_gateway", printed);
            string prometheus = Regex.Match(printed, @"Prometheus alerts +(http://127\.0\.0\.1:\d+)/").Groups[1].Value;
            string up = await http.GetStringAsync($"{prometheus}/api/v1/query?query=min(xx_postgres_up)*min(up)");
            Assert.Contains("\"1\"]", up);

            // Ctrl-C: every process it started ends, its folder goes.
            string folder = Regex.Match(printed, @"Ctrl-C stops it and removes (\S+)\)").Groups[1].Value;
            Assert.True(Directory.Exists(folder), printed);
            await Repository.RunAsync("kill", "-INT", demo.Id.ToString(CultureInfo.InvariantCulture));
            using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30))) await demo.WaitForExitAsync(limit.Token);
            Assert.True(demo.ExitCode == 130, $"exit code {demo.ExitCode}:\n{Printed()}");
            Assert.Contains($"stopped everything and removed {folder}", Printed());
            Assert.False(Directory.Exists(folder));
            Assert.Empty(ProcessesMentioning(folder));
        }
        finally
        {
            // After a failure: SIGTERM first, so demo/run.sh stops what it started and removes its folder (its trap).
            if (!demo.HasExited)
            {
                await Repository.RunAsync("kill", "-TERM", demo.Id.ToString(CultureInfo.InvariantCulture));
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await demo.WaitForExitAsync(limit.Token); }
                catch (OperationCanceledException) { demo.Kill(entireProcessTree: true); }
            }
        }
    }

    /// <summary>The command lines of running processes that name <paramref name="text"/> (the demo's servers all name its folder).</summary>
    private static List<string> ProcessesMentioning(string text) =>
        Directory.GetDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)).Select(d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { return ""; }        // ended meanwhile
            catch (UnauthorizedAccessException) { return ""; }
        }).Where(cmdline => cmdline.Contains(text)).ToList();

}

/// <summary>
/// What demo/run.sh generates (the end-to-end tests run the stack on its --config-only output), and README's account
/// of the demo against demo/demo.env and the script's own --clock report.
/// </summary>
public sealed partial class DemoScriptTests
{
    [Fact]
    public async Task The_config_it_generates_is_valid_for_prometheus_and_alertmanager_and_changes_only_addresses()
    {
        using var folder = new TempFolder();
        await DemoScript.WriteConfigsAsync(folder.Path, "127.0.0.1:19420", "127.0.0.1:9093", "127.0.0.1:9090", "http://127.0.0.1:5001/webhook", "demo");
        var (code, output) = await Repository.RunAsync("promtool", "check", "config", folder.File("prometheus/prometheus.yml"));
        Assert.True(code == 0, output);
        (code, output) = await Repository.RunAsync("amtool", "check-config", folder.File("alertmanager/alertmanager.yml"));
        Assert.True(code == 0, output);
        // Without the test clock the rules are the shipped ones byte for byte.
        Assert.Equal(File.ReadAllText(Repository.PathOf("prometheus/rules/xx-alerts.yml")), File.ReadAllText(folder.File("prometheus/rules/xx-alerts.yml")));
        Assert.Equal(Changed(File.ReadAllLines(Repository.PathOf("prometheus/prometheus.yml")), File.ReadAllLines(folder.File("prometheus/prometheus.yml"))),
            ["- targets: ['alertmanager:9093'] -> - targets: ['127.0.0.1:9093']", "- targets: ['xx-exporter:19420'] -> - targets: ['127.0.0.1:19420']",
             "site: home -> site: demo", "#         site: home -> #         site: demo",
             "- targets: ['node-exporter:9100'] -> - targets: []",   // no node_exporter in the native demo (XxNodeExporterDown)
             "site: home -> site: demo", "- targets: ['localhost:9090'] -> - targets: ['127.0.0.1:9090']", "- targets: ['alertmanager:9093'] -> - targets: ['127.0.0.1:9093']",
             "- targets: ['grafana:3000'] -> - targets: []"]);   // the native demo has no Grafana
        Assert.All(Changed(File.ReadAllLines(Repository.PathOf("alertmanager/alertmanager.yml")), File.ReadAllLines(folder.File("alertmanager/alertmanager.yml"))),
            change => Assert.StartsWith("- url: 'http://127.0.0.1:5001/' ", change.Replace("http://127.0.0.1:5001/webhook", "")));
    }

    private static List<string> Changed(string[] shipped, string[] generated)
    {
        Assert.Equal(shipped.Length, generated.Length);
        return shipped.Zip(generated).Where(p => p.First != p.Second).Select(p => $"{p.First.Trim()} -> {p.Second.Trim()}").ToList();
    }

    [Fact]
    public async Task Readme_gives_the_demo_timings_of_demo_env_and_names_every_alert_its_clock_can_or_cannot_show()
    {
        // Read as flowing text: the sentences wrap anywhere.
        string quickStart = OneLine(Regex.Match(File.ReadAllText(Repository.PathOf("README.md")), @"(?ms)^## Try it: the demo$(.*?)^## ").Groups[1].Value);
        Assert.NotEmpty(quickStart);
        var env = File.ReadAllLines(Repository.PathOf("demo/demo.env")).Where(l => l.Contains('=') && !l.StartsWith('#'))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
        int era = int.Parse(env["XX_DEMO_ERA_SECONDS"], CultureInfo.InvariantCulture);
        string round = env["XX_DEMO_ROUND_SECONDS"];
        Assert.Equal(0, era % 60);
        Assert.Contains($"a round every {round} s", quickStart);
        Assert.Contains($"eras last {era / 60} minutes", quickStart);
        Assert.Contains($"At the demo's {round} s rounds", OneLine(File.ReadAllText(Repository.PathOf("simulator/README.md"))));

        string clock = await DemoScript.ClockAsync();
        Assert.Contains($"eras of {era} s, a round every {round} s", clock);
        var alerts = Regex.Matches(clock, @"(?m)^  (can show|cannot show) +(Xx\w+)").Select(m => (Shown: m.Groups[1].Value == "can show", Name: m.Groups[2].Value)).ToList();
        Assert.Contains(alerts, a => a.Shown);
        Assert.Contains(alerts, a => !a.Shown);
        Assert.All(alerts, a => Assert.Contains($"`{a.Name}`", quickStart));
        // README says which are which: the alerts it cannot show are listed after "cannot show".
        string cannot = quickStart[quickStart.IndexOf("cannot show", StringComparison.Ordinal)..];
        Assert.All(alerts, a => Assert.Equal(!a.Shown, cannot[..cannot.IndexOf('.')].Contains($"`{a.Name}`")));
    }

    private static string OneLine(string text) => Whitespace().Replace(text, " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

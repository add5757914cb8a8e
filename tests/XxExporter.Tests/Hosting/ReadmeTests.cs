using XxExporter.Tests.Support;
using System.Text.RegularExpressions;
using XxExporter.Hosting;

namespace XxExporter.Tests.Hosting;

/// <summary>The README is the metric and flag reference: nothing exported or accepted may be missing from it.</summary>
public class ReadmeTests
{

    private static string Readme() => File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    [Fact]
    public void Every_metric_family_is_documented()
    {
        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "oneshot.prom"));
        var families = golden.Split('\n').Where(l => l.StartsWith("# TYPE ")).Select(l => l.Split(' ')[2]);
        string readme = Readme();
        Assert.All(families, family => Assert.Contains($"`{family}", readme));
    }

    [Fact]
    public void Every_flag_is_documented()
    {
        // The gateway database's seven flags share one row with the node's (same names, "gateway" for "node").
        string readme = Readme();
        Assert.All(CommandLine.Flags, flag =>
            Assert.Contains($"`--{flag.Name.Replace("postgres.gateway.", "postgres.node.")}`", readme));
        Assert.Contains("`--postgres.gateway.host` ... `--postgres.gateway.sslrootcert`", readme);
    }

    [Fact]
    public void Every_deploy_and_prometheus_file_named_is_shipped()
    {
        var named = Regex.Matches(Readme(), @"(?<![\w/])(?:deploy|prometheus)/[\w./-]+\.(?:service|conf|env|yml)\b").Select(m => m.Value).Distinct().ToList();
        Assert.Contains("deploy/systemd/xx-exporter.service", named);
        Assert.Contains("prometheus/examples/fleet-remote-write.yml", named);
        Assert.All(named, path => Assert.True(File.Exists(Path.Combine(Repository.Root, path)), $"README.md names {path}, which does not exist"));
    }
}

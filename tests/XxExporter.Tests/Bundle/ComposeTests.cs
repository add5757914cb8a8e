using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>docker-compose.yml and the exporter's Dockerfile, checked without a Docker engine (there is none here).</summary>
public partial class ComposeTests
{
    [Fact]
    public async Task Compose_file_is_valid()
    {
        var (code, output) = await Repository.RunAsync("docker-compose", "-f", "docker-compose.yml", "config", "-q");
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Images_are_pinned_and_the_host_folders_are_read_only()
    {
        string compose = File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml"));
        var images = ImageLine().Matches(compose).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(images);
        Assert.All(images, image => Assert.Matches(@":v?\d+\.\d+\.\d+$", image)); // an exact version, never "latest"
        foreach (string folder in new[] { "/xx/log", "/xx/cred", "/xx/backup" }) Assert.Contains($"{folder}:ro", compose);
    }

    [Fact]
    public void The_exporter_image_runs_as_a_non_root_user_with_a_health_check()
    {
        string dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "exporter", "Dockerfile"));
        Assert.Equal(2, dockerfile.Split('\n').Count(l => l.StartsWith("FROM ")));   // multi-stage: the SDK stays out
        Assert.Matches(@"(?m)^USER [1-9]\d*:[1-9]\d*$", dockerfile);
        Assert.Contains("HEALTHCHECK", dockerfile);
    }

    [GeneratedRegex(@"(?m)^\s+image:\s*(\S+)\s*$")]
    private static partial Regex ImageLine();
}

using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>
/// The images docker-compose.yml pins are releases still supported: none older than the oldest supported release
/// docs/versions.md gives for it, and none without a row there (the images built here aside).
/// </summary>
public class SupportedVersionsTests
{
    private const string DocsPage = "docs/versions.md";
    private static readonly string[] BuiltHere = ["xx-exporter", "xx-simulator"];

    [Fact]
    public void Every_pinned_image_is_at_least_the_oldest_supported_release_the_docs_give()
    {
        var oldest = OldestSupported();
        Assert.Contains("prom/prometheus", oldest.Keys);
        var images = Regex.Matches(File.ReadAllText(Repository.PathOf("docker-compose.yml")), @"(?m)^\s+image:\s*([^:\s]+):(\S+)\s*$")
            .Select(m => (Name: m.Groups[1].Value, Tag: m.Groups[2].Value)).Where(i => !BuiltHere.Contains(i.Name)).ToList();
        Assert.NotEmpty(images);
        Assert.All(images, image =>
        {
            Assert.True(oldest.TryGetValue(image.Name, out var minimum), $"{DocsPage} gives no oldest supported release of {image.Name}");
            Assert.True(Version(image.Tag) >= Version(minimum!),
                $"docker-compose.yml pins {image.Name}:{image.Tag}, older than {minimum}, the oldest release {DocsPage} says is supported");
        });
    }

    [Theory]
    [InlineData("v3.13.2", "3.13.0", 1)]
    [InlineData("3.13.0", "3.13.0", 0)]
    [InlineData("v2.53.1", "3.13.0", -1)]
    [InlineData("15.10-bookworm", "15.0", 1)]
    [InlineData("v0.9.0", "0.35.0", -1)]
    public void Tags_compare_as_release_numbers(string tag, string other, int sign) =>
        Assert.Equal(sign, Math.Sign(Version(tag).CompareTo(Version(other))));

    /// <summary>The table's rows: | `image` | oldest supported | ...</summary>
    private static Dictionary<string, string> OldestSupported() =>
        File.ReadLines(Repository.PathOf(DocsPage)).Select(line => Regex.Match(line, @"^\| `([^`]+)` \| (\d+(?:\.\d+)*) \|"))
            .Where(m => m.Success).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    /// <summary>The release number at the start of a tag: v3.13.2 and 15.10-bookworm are 3.13.2 and 15.10.</summary>
    private static Version Version(string tag)
    {
        var match = Regex.Match(tag, @"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?");
        Assert.True(match.Success, $"not a release tag: {tag}");
        int Part(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value) : 0;
        return new Version(Part(1), Part(2), Part(3));
    }
}

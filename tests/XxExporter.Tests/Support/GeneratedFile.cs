namespace XxExporter.Tests.Support;

/// <summary>
/// Files in the repository that are made from code, the golden output or the rules (reference tables, the shipped
/// settings file, golden /metrics): a test fails when one is stale, and <c>UPDATE_GOLDEN=1</c> writes it instead.
/// One command regenerates them all: <c>UPDATE_GOLDEN=1 dotnet test tests/XxExporter.Tests --filter Category=Generated</c>.
/// </summary>
public static class GeneratedFile
{
    public const string Trait = "Category", Category = "Generated";

    public const string Command = "UPDATE_GOLDEN=1 dotnet test tests/XxExporter.Tests --filter Category=Generated";

    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    /// <summary>Compares <paramref name="relativePath"/> with <paramref name="content"/>, or writes it when updating.</summary>
    public static async Task AssertCurrent(string relativePath, string content)
    {
        string path = Repository.PathOf(relativePath);
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content);
            return;
        }
        string expected = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
        Assert.True(expected == content, $"""
            {relativePath} is stale. If the change is intended, regenerate it with
            {Command}
            and review the diff:
            {TextDiff.Unified(expected, content, relativePath, "generated")}
            """);
    }
}

namespace XxExporter.Tests.Support;

/// <summary>A fresh folder under the test run's folder (<see cref="TestRun.Root"/>), deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = TestRun.NewFolder();

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}

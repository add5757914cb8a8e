namespace XxExporter.Tests.Support;

/// <summary>The exporter built beside the tests, for tests that run it as its own process.</summary>
public static class BuiltExporter
{
    /// <summary>The executable (the JIT build; bench/ measures the Native AOT one).</summary>
    public static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "xx-exporter");

    /// <summary>The GC setting the Native AOT build embeds (exporter/XxExporter.csproj), given to this JIT build the way it reads it.</summary>
    public static readonly IReadOnlyDictionary<string, string> ShippedGc = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "100000" };

    /// <summary>docs/configuration.md, "Memory": whatever a peer or a file sends costs at most this above the steady RSS.</summary>
    public const long MemoryBudgetBytes = 64L << 20;
}

using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("XxExporter.Tests.Support.StartFirst", "XxExporter.Tests")]

namespace XxExporter.Tests.Support;

/// <summary>
/// The two test lanes. The fast lane (<c>dotnet test XxExporter.sln --settings tests/fast.runsettings</c>) runs every
/// test whose class is not marked <see cref="FullLaneAttribute"/> and sets <see cref="Variable"/>, so that a test that
/// starts a server without the mark fails there (<see cref="ServerStarting"/>) instead of slowing the lane down. The full
/// lane (<c>dotnet test XxExporter.sln</c>) runs everything.
/// </summary>
public static class Lanes
{
    public const string Trait = "Lane";
    public const string Full = "Full";

    /// <summary>Set to <c>fast</c> by tests/fast.runsettings.</summary>
    public const string Variable = "XX_TESTS_LANE";

    /// <summary>Throws in the fast lane: called by everything in Support that starts a server process.</summary>
    public static void ServerStarting(string server) => ServerStarting(server, Environment.GetEnvironmentVariable(Variable));

    public static void ServerStarting(string server, string? lane)
    {
        if (lane == "fast")
            throw new InvalidOperationException(
                $"{server} is a server, and the fast lane ({Variable}=fast, tests/fast.runsettings) starts none: mark the test class [FullLane]");
    }
}

/// <summary>The class (or test) starts servers (PostgreSQL, chopsticks, Prometheus, Alertmanager, the exporter's process, chromium, ...): full lane only.</summary>
[TraitDiscoverer("XxExporter.Tests.Support.FullLaneDiscoverer", "XxExporter.Tests")]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class FullLaneAttribute : Attribute, ITraitAttribute
{
    /// <summary>
    /// The class (or collection definition) spends minutes waiting on the clocks of a running stack (the end-to-end
    /// tests): it starts before the others (<see cref="Support.StartFirst"/>), so that the run does not end with it alone.
    /// </summary>
    public bool StartFirst { get; init; }
}

public sealed class FullLaneDiscoverer : ITraitDiscoverer
{
    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute) => [new(Lanes.Trait, Lanes.Full)];
}

/// <summary>
/// Test collections in the order they start: those marked <c>[FullLane(StartFirst = true)]</c> first, the rest as xunit
/// orders them. xunit.runner.json gives 2.5 slots per core (a slot holds a started test, waiting or not): on two cores
/// the three end-to-end collections wait side by side from the start while the other tests run in the other two.
/// </summary>
public sealed class StartFirst : ITestCollectionOrderer
{
    private const string PerClass = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(collection => Marked(collection) ? 0 : 1);

    private static bool Marked(ITestCollection collection)
    {
        var type = collection.CollectionDefinition is { } definition ? definition.ToRuntimeType()
            : collection.DisplayName.StartsWith(PerClass, StringComparison.Ordinal) ? typeof(StartFirst).Assembly.GetType(collection.DisplayName[PerClass.Length..])
            : null;
        return type?.GetCustomAttributes(typeof(FullLaneAttribute), inherit: false) is [FullLaneAttribute { StartFirst: true }];
    }
}

namespace XxExporter.Tests.Support;

/// <summary>
/// The end-to-end tests on the compressed clock (1 s scrapes and evaluations, seconds for minutes) run two by two,
/// one after the other in each of these collections, beside the time-to-alert test from the start: with more stacks
/// at once on two cores their seconds come late and a healthy node looks stalled.
/// </summary>
[FullLane(StartFirst = true)]
[CollectionDefinition(Name)]
public sealed class CompressedClockStacks
{
    public const string Name = "compressed-clock stacks";
}

/// <inheritdoc cref="CompressedClockStacks"/>
[FullLane(StartFirst = true)]
[CollectionDefinition(Name)]
public sealed class MoreCompressedClockStacks
{
    public const string Name = "more compressed-clock stacks";
}

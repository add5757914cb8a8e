using XxExporter.Chain.Scale;
using XxSimulator.Chain;

namespace XxExporter.Tests.Chain;

/// <summary>The decoder against hostile metadata: types that make a few bytes stand for millions of values.</summary>
public class ScaleDecoderTests
{
    [Fact]
    public void Nested_zero_sized_sequences_stop_at_the_value_budget()
    {
        var builder = new MetadataBuilder();
        int nested = builder.Sequence(builder.Sequence(builder.Tuple())); // Vec<Vec<()>>
        // 241 bytes: 60 inner sequences of 65,535 units each, about 3.9 million values.
        byte[] input = [.. ScaleEncoder.Compact(60), .. Enumerable.Range(0, 60).SelectMany(_ => ScaleEncoder.Compact(65535))];
        AssertRefused(MetadataParser.Parse(builder.Build()), nested, input);
    }

    [Fact]
    public void Composites_of_nested_zero_sized_arrays_stop_at_the_value_budget()
    {
        var builder = new MetadataBuilder();
        int unit = builder.Composite("Unit");
        int nested = builder.Composite("Deep", ("a", builder.Array(1000, builder.Array(1000, unit))), ("b", builder.U8)); // a million values, one byte
        AssertRefused(MetadataParser.Parse(builder.Build()), nested, [7]);
    }

    /// <summary>Refused by the value budget (its message), not by running out of input after millions of values.</summary>
    private static void AssertRefused(RuntimeMetadata metadata, int type, byte[] input)
    {
        var error = Assert.Throws<ScaleDecodeException>(() => ScaleDecoder.Decode(metadata, type, input));
        Assert.Contains("zero-sized", error.Message);
    }
}

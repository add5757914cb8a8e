using System.Text.Json;
using XxExporter.Chain;
using XxExporter.Chain.Scale;
using XxSimulator.Chain;

namespace XxExporter.Tests.Chain;

/// <summary>
/// Storage keys and SCALE values made by @polkadot/types and @polkadot/util-crypto (tests/chain-tools/make-vectors.mjs),
/// checked against the exporter's key builder and its metadata-driven decoder, in the legacy and the 207 layout.
/// </summary>
public class GoldenVectorTests
{
    private static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Chain", "Vectors", "vectors.json"))).RootElement;

    public static TheoryData<int, bool> Vectors()
    {
        var data = new TheoryData<int, bool>();
        int index = 0;
        foreach (var vector in Root.GetProperty("vectors").EnumerateArray())
        {
            string layout = vector.GetProperty("layout").GetString()!;
            if (layout is "legacy" or "both") data.Add(index, true);
            if (layout is "207" or "both") data.Add(index, false);
            index++;
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Keys_and_values_match_polkadot(int index, bool legacy)
    {
        var vector = Root.GetProperty("vectors")[index];
        var runtime = new StakingRuntime(legacy);
        var entry = runtime.Metadata.Storage(vector.GetProperty("pallet").GetString()!, vector.GetProperty("item").GetString()!);
        Assert.Equal(vector.GetProperty("hashers").EnumerateArray().Select(h => h.GetString()), entry.Hashers.Select(h => h.ToString()));
        var keys = vector.GetProperty("keys").EnumerateArray().Select(k => ChainState.Hex(k.GetString()!)).ToArray();
        byte[] key = keys.Length == 0 ? StorageKeys.Plain(entry.Pallet, entry.Name) : StorageKeys.For(entry, keys);
        Assert.Equal(vector.GetProperty("key").GetString(), ChainState.HexOf(key));

        var value = ScaleDecoder.Decode(runtime.Metadata, entry.ValueType, ChainState.Hex(vector.GetProperty("encoded").GetString()!));
        AssertMatches(vector.GetProperty("value"), value, $"{entry.Pallet}.{entry.Name}");
    }

    [Fact]
    public void Ss58_addresses_match_polkadot()
    {
        foreach (var account in Root.GetProperty("ss58").EnumerateArray())
        {
            byte[] publicKey = ChainState.Hex(account.GetProperty("publicKey").GetString()!);
            Assert.Equal(account.GetProperty("address").GetString(), Ss58.Encode(publicKey));
        }
    }

    /// <summary>Compares a decoded value with polkadot's JSON: hex for bytes, decimal strings for big numbers, objects for maps.</summary>
    private static void AssertMatches(JsonElement expected, ScaleValue actual, string path)
    {
        if (actual is ScaleVariant { Name: "Some" } some && expected.ValueKind != JsonValueKind.Null)
        {
            AssertMatches(expected, some.Some!, path);
            return;
        }
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.True(actual is ScaleVariant { Name: "None" }, $"{path}: expected None, got {actual}");
                break;
            case JsonValueKind.String when expected.GetString()!.StartsWith("0x"):
                Assert.Equal(expected.GetString(), ChainState.HexOf(actual.Bytes));
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual.Number.ToString());
                break;
            case JsonValueKind.Number:
                Assert.Equal(expected.GetRawText(), actual.Number.ToString());
                break;
            case JsonValueKind.True or JsonValueKind.False:
                Assert.Equal(expected.GetBoolean(), actual.Bool);
                break;
            case JsonValueKind.Array:
                var items = actual.Items;
                Assert.Equal(expected.GetArrayLength(), items.Count);
                for (int i = 0; i < items.Count; i++) AssertMatches(expected[i], items[i], $"{path}[{i}]");
                break;
            case JsonValueKind.Object when expected.EnumerateObject().All(p => p.Name.StartsWith("0x")) && !actual.HasField("total"):
                var entries = actual.MapEntries.ToList();
                Assert.Equal(expected.EnumerateObject().Count(), entries.Count);
                foreach (var (key, value) in entries) AssertMatches(expected.GetProperty(ChainState.HexOf(key.Bytes)), value, $"{path}[{ChainState.HexOf(key.Bytes)}]");
                break;
            case JsonValueKind.Object:
                foreach (var property in expected.EnumerateObject()) AssertMatches(property.Value, actual.Field(property.Name), $"{path}.{property.Name}");
                break;
        }
    }
}

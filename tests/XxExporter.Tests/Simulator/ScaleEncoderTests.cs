using System.Numerics;
using System.Text.Json;
using XxExporter.Chain;
using XxSimulator.Chain;
using static XxSimulator.Chain.ScaleEncoder;

namespace XxExporter.Tests.Simulator;

/// <summary>
/// The simulator's SCALE encoder and staking values against the golden vectors made by @polkadot/types
/// (Chain/Vectors): encoding each vector's value must give its bytes exactly.
/// </summary>
public class ScaleEncoderTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Chain", "Vectors", "vectors.json"))).RootElement.GetProperty("vectors");

    public static TheoryData<int> Indexes() => new(Enumerable.Range(0, Vectors.GetArrayLength()));

    [Theory]
    [MemberData(nameof(Indexes))]
    public void Encodes_the_golden_values_as_polkadot_does(int index)
    {
        var vector = Vectors[index];
        byte[] encoded = Encode(vector.GetProperty("type").GetString()!, vector.GetProperty("value"));
        Assert.Equal(vector.GetProperty("encoded").GetString(), ChainState.HexOf(encoded));
    }

    [Theory]
    [InlineData(0, "0x00")]
    [InlineData(63, "0xfc")]
    [InlineData(64, "0x0101")]
    [InlineData(16383, "0xfdff")]
    [InlineData(16384, "0x02000100")]
    [InlineData(1073741823, "0xfeffffff")]
    [InlineData(1073741824, "0x0300000040")]
    public void Compact_integers_switch_modes_at_the_boundaries(long value, string expected) =>
        Assert.Equal(expected, ChainState.HexOf(Compact(value)));

    /// <summary>Each registry type of vectors.json, built from its JSON value (README: u64/u128 as decimal strings).</summary>
    private static byte[] Encode(string type, JsonElement value) => type switch
    {
        "u32" => U32(value.GetUInt32()),
        "u64" => U64(ulong.Parse(value.GetString()!)),
        "bool" => Bool(value.GetBoolean()),
        "XxSlashInEra" => StakingValues.SlashInEra(value[0].GetUInt32(), BigInteger.Parse(value[1].GetString()!)),
        "XxUnappliedSlash" => Slash(value),
        "V207DisabledValidators" => StakingValues.Disabled(value.EnumerateArray().Select(d => (d[0].GetUInt32(), d[1].GetUInt32()))),
        "u128" => U128(BigInteger.Parse(value.GetString()!)),
        "XxSessionKeys" => StakingValues.SessionKeys(new[] { "grandpa", "babe", "im_online", "authority_discovery" }.Select(k => Hex(value.GetProperty(k)))),
        "XxClaimedPages" => StakingValues.ClaimedPages(value.EnumerateArray().Select(p => p.GetUInt32())),
        "XxAccountId" or "XxH256" => Bytes32(Hex(value)),
        "XxActiveEraInfo" => StakingValues.ActiveEra(value.GetProperty("index").GetUInt32(),
            value.GetProperty("start").ValueKind == JsonValueKind.Null ? null : ulong.Parse(value.GetProperty("start").GetString()!)),
        "XxSessionValidators" => StakingValues.Accounts(value.EnumerateArray().Select(Hex)),
        "XxEraRewardPoints" or "V207EraDeductionPoints" => StakingValues.Points(value.GetProperty("total").GetUInt32(),
            value.GetProperty("individual").EnumerateObject().Select(p => (ChainState.Hex(p.Name), p.Value.GetUInt32()))),
        "XxValidatorPrefs" => StakingValues.ValidatorPrefs(value.GetProperty("commission").GetUInt32(), value.GetProperty("blocked").GetBoolean()),
        "V207PagedExposureMetadata" => StakingValues.ExposureOverview(Big(value, "total"), Big(value, "own"),
            value.GetProperty("nominator_count").GetUInt32(), value.GetProperty("page_count").GetUInt32()),
        "V207StakingLedger" => StakingValues.Ledger(Hex(value.GetProperty("stash")), Big(value, "total"), Big(value, "active"), Unlocking(value),
            value.GetProperty("legacy_claimed_rewards").EnumerateArray().Select(e => e.GetUInt32())),
        // The legacy fork's shapes, which the simulator (a 207 chain) never stores: encoded from the primitives.
        "LegacyExposure" => [.. Compact(Big(value, "total")), .. Compact(Big(value, "custody")), .. Compact(Big(value, "own")),
            .. Vec(value.GetProperty("others").EnumerateArray().Select(o => (byte[])[.. Bytes32(Hex(o.GetProperty("who"))), .. Compact(Big(o, "value"))]))],
        "LegacyStakingLedger" => [.. Bytes32(Hex(value.GetProperty("stash"))), .. Compact(Big(value, "total")), .. Compact(Big(value, "active")),
            .. Vec(Unlocking(value).Select(c => (byte[])[.. Compact(c.Value), .. Compact(c.Era)])),
            .. Vec(value.GetProperty("claimed_rewards").EnumerateArray().Select(e => U32(e.GetUInt32()))),
            .. Option(value.GetProperty("cmix_id").ValueKind == JsonValueKind.Null ? null : Bytes32(Hex(value.GetProperty("cmix_id"))))],
        "LegacyUnappliedSlashes" => Vec(value.EnumerateArray().Select(Slash)),
        "LegacyOffendingValidators" => Vec(value.EnumerateArray().Select(o => (byte[])[.. U32(o[0].GetUInt32()), .. Bool(o[1].GetBoolean())])),
        "LegacyDisabledValidators" => Vec(value.EnumerateArray().Select(i => U32(i.GetUInt32()))),
        "XxSoftwareHashes" => [.. CmixHashes.Fields.SelectMany(field => Bytes32(Hex(value.GetProperty(field)))),
            .. Option(value.GetProperty("extra").ValueKind == JsonValueKind.Null ? null : Vec(value.GetProperty("extra").EnumerateArray().Select(e => Bytes32(Hex(e)))))],
        "XxCmixVariables" => StakingValues.CmixVariables(CmixVariables(value)),
        _ => throw new InvalidOperationException($"no encoder for {type}"),
    };

    private static byte[] Slash(JsonElement slash) => StakingValues.UnappliedSlash(Hex(slash.GetProperty("validator")), Big(slash, "own"),
        slash.GetProperty("others").EnumerateArray().Select(o => (Hex(o[0]), BigInteger.Parse(o[1].GetString()!))),
        slash.GetProperty("reporters").EnumerateArray().Select(Hex), Big(slash, "payout"));

    private static CmixVariablesValue CmixVariables(JsonElement value)
    {
        var (performance, points, timeouts, scheduling, registration) = (value.GetProperty("performance"), value.GetProperty("performance").GetProperty("points"),
            value.GetProperty("timeouts"), value.GetProperty("scheduling"), value.GetProperty("registration"));
        ulong U64Of(JsonElement parent, string field) => ulong.Parse(parent.GetProperty(field).GetString()!);
        uint U32Of(JsonElement parent, string field) => parent.GetProperty(field).GetUInt32();
        return new CmixVariablesValue(U64Of(performance, "period"), U32Of(points, "success"), U32Of(points, "failure"), U32Of(points, "block"),
            [.. performance.GetProperty("countries").EnumerateArray().Select(c => (System.Text.Encoding.ASCII.GetString(Hex(c[0])), c[1].GetByte()))],
            [.. performance.GetProperty("multipliers").EnumerateArray().Select(m => (m[0].GetByte(), m[1].GetUInt16()))],
            U64Of(timeouts, "precomputation"), U64Of(timeouts, "realtime"), U64Of(timeouts, "advertisement"),
            scheduling.GetProperty("team_size").GetByte(), U32Of(scheduling, "batch_size"), U64Of(scheduling, "min_delay"), U32Of(scheduling, "pool_threshold"),
            U32Of(registration, "max"), U64Of(registration, "period"));
    }

    private static IEnumerable<UnlockChunk> Unlocking(JsonElement ledger) =>
        ledger.GetProperty("unlocking").EnumerateArray().Select(c => new UnlockChunk(Big(c, "value"), c.GetProperty("era").GetUInt32()));

    private static BigInteger Big(JsonElement parent, string field) => BigInteger.Parse(parent.GetProperty(field).GetString()!);

    private static byte[] Hex(JsonElement hex) => ChainState.Hex(hex.GetString()!);
}

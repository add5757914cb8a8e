using System.Text.Json;
using XxExporter.Chain;
using XxExporter.Chain.Scale;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Chain;

/// <summary>
/// A synthetic runtime with the staking layout of the legacy xx fork (spec ≤206: custody in exposures, cmix_id in
/// the ledger; xx-domain.md §4.3) or of runtime 207 (paged exposures, XXStakingExtension.CmixIds and
/// ErasDeductionPoints; §4.7), served by a <see cref="FakeChainNode"/> whose storage is a plain key/value map.
/// </summary>
public sealed class SyntheticRuntime
{
    public SyntheticRuntime(bool legacy = false)
    {
        Legacy = legacy;
        var b = new MetadataBuilder();
        int u8 = b.U8, u32 = b.Primitive(Primitive.U32), u64 = b.Primitive(Primitive.U64), u128 = b.Primitive(Primitive.U128), boolean = b.Primitive(Primitive.Bool);
        int bytes32 = b.Array(32, u8);
        int account = b.Composite("sp_core::crypto::AccountId32", (null, bytes32));
        int h256 = b.Composite("primitive_types::H256", (null, bytes32));
        int compact128 = b.CompactOf(u128), compact32 = b.CompactOf(u32);
        int perbill = b.Composite("sp_arithmetic::per_things::Perbill", (null, u32));
        int activeEra = b.Composite("pallet_staking::ActiveEraInfo", ("index", u32), ("start", b.Option(u64)));
        int pointsMap = b.Composite("BTreeMap", (null, b.Sequence(b.Tuple(account, u32))));
        int rewardPoints = b.Composite("pallet_staking::EraRewardPoints", ("total", u32), ("individual", pointsMap));
        int deductionPoints = b.Composite("xx_staking_extension::EraDeductionPoints", ("total", u32), ("individual", pointsMap));
        int overview = b.Composite("sp_staking::PagedExposureMetadata", ("total", compact128), ("own", compact128), ("nominator_count", u32), ("page_count", u32));
        int prefs = b.Composite("pallet_staking::ValidatorPrefs", ("commission", b.CompactOf(perbill)), ("blocked", boolean));
        int unlock = b.Composite("pallet_staking::UnlockChunk", ("value", compact128), ("era", compact32));
        int ledger = legacy
            ? b.Composite("pallet_staking::StakingLedger", ("stash", account), ("total", compact128), ("active", compact128),
                ("unlocking", b.Sequence(unlock)), ("claimed_rewards", b.Sequence(u32)), ("cmix_id", b.Option(h256)))
            : b.Composite("pallet_staking::StakingLedger", ("stash", account), ("total", compact128), ("active", compact128),
                ("unlocking", b.Sequence(unlock)), ("legacy_claimed_rewards", b.Sequence(u32)));
        int exposure = b.Composite("pallet_staking::Exposure", ("total", compact128), ("custody", compact128), ("own", compact128),
            ("others", b.Sequence(b.Composite("pallet_staking::IndividualExposure", ("who", account), ("value", compact128)))));
        int eraAndAccount = b.Tuple(u32, account);
        StorageHasher[] twox = [StorageHasher.Twox64Concat], blake = [StorageHasher.Blake2_128Concat], twox2 = [StorageHasher.Twox64Concat, StorageHasher.Twox64Concat];
        b.Storage("Staking", "ActiveEra", true, [], null, activeEra);
        b.Storage("Staking", "CurrentEra", true, [], null, u32);
        b.Storage("Staking", "ErasRewardPoints", false, twox, u32, rewardPoints);
        if (legacy) b.Storage("Staking", "ErasStakers", false, twox2, eraAndAccount, exposure);
        else b.Storage("Staking", "ErasStakersOverview", true, twox2, eraAndAccount, overview);
        b.Storage("Staking", "Validators", false, twox, account, prefs);
        b.Storage("Staking", "Bonded", true, twox, account, account);
        b.Storage("Staking", "Ledger", true, blake, account, ledger);
        b.Storage("Session", "Validators", false, [], null, b.Sequence(account));
        b.Storage("Session", "CurrentIndex", false, [], null, u32);
        if (!legacy)
        {
            b.Storage("XXStakingExtension", "CmixIds", true, blake, account, h256);
            b.Storage("XXStakingExtension", "ErasDeductionPoints", false, twox, u32, deductionPoints);
        }
        MetadataHex = ChainState.HexOf(b.Build());
        Metadata = MetadataParser.Parse(b.Build());
    }

    public bool Legacy { get; }

    /// <summary>
    /// A runtime of one layout holding the first golden value (tests/chain-tools/make-vectors.mjs) of every key that
    /// layout has: era 42 active, Alice active with 100 points (30 deducted in 207), Bob missed era 41.
    /// </summary>
    public static SyntheticRuntime FromGoldenVectors(bool legacy)
    {
        var runtime = new SyntheticRuntime(legacy);
        var vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Chain", "Vectors", "vectors.json")))
            .RootElement.GetProperty("vectors");
        foreach (var vector in vectors.EnumerateArray())
        {
            string layout = vector.GetProperty("layout").GetString()!;
            if (layout != "both" && layout != (legacy ? "legacy" : "207")) continue;
            runtime.Storage.TryAdd(vector.GetProperty("key").GetString()!, vector.GetProperty("encoded").GetString()!);
        }
        return runtime;
    }

    public long SpecVersion => Legacy ? 206 : 207;

    public string MetadataHex { get; }

    public RuntimeMetadata Metadata { get; }

    /// <summary>Storage by hex key (lower case), hex value.</summary>
    public Dictionary<string, string> Storage { get; } = new(StringComparer.OrdinalIgnoreCase);

    public void Set(byte[] key, string valueHex) => Storage[ChainState.HexOf(key)] = valueHex;

    public void Set(string pallet, string item, string valueHex, params byte[][] keys)
    {
        var entry = Metadata.Storage(pallet, item);
        Set(entry.Hashers.Count == 0 ? StorageKeys.Plain(pallet, item) : StorageKeys.For(entry, keys), valueHex);
    }

    /// <summary>A healthy node at block 100 (finalized 98, peers report 105) running this runtime.</summary>
    public Answer Healthy(string method, JsonElement parameters) => method switch
    {
        "chain_getBlockHash" => new Answer.Result($"\"0x{new string('a', 64)}\""),
        "chain_getFinalizedHead" => new Answer.Result($"\"0x{new string('b', 64)}\""),
        "chain_getHeader" => new Answer.Result(parameters[0].GetString()!.StartsWith("0xb") ? """{"number":"0x62"}""" : """{"number":"0x64"}"""),
        "system_health" => new Answer.Result("""{"peers":5,"isSyncing":false,"shouldHavePeers":true}"""),
        "system_syncState" => new Answer.Result("""{"startingBlock":0,"currentBlock":100,"highestBlock":105}"""),
        "state_getRuntimeVersion" => new Answer.Result($$"""{"specName":"xxnetwork","specVersion":{{SpecVersion}}}"""),
        "state_getMetadata" => new Answer.Result($"\"{MetadataHex}\""),
        "system_chain" => new Answer.Result("\"xx network\""),
        "system_version" => new Answer.Result("\"0.2.7-test\""),
        "state_getStorage" => new Answer.Result(Storage.TryGetValue(parameters[0].GetString()!, out var value) ? $"\"{value}\"" : "null"),
        "state_getKeysPaged" => new Answer.Result(JsonSerializer.Serialize(Storage.Keys
            .Where(k => k.StartsWith(parameters[0].GetString()!, StringComparison.OrdinalIgnoreCase)).Order()
            .Where(k => parameters.GetArrayLength() < 3 || string.CompareOrdinal(k, parameters[2].GetString()) > 0).ToArray())),
        "state_queryStorageAt" => new Answer.Result(JsonSerializer.Serialize(new[]
        {
            new { block = "0x" + new string('a', 64), changes = parameters[0].EnumerateArray().Select(k => new[] { k.GetString(), Storage.GetValueOrDefault(k.GetString()!) }).ToArray() },
        })),
        _ => new Answer.Error(-32601, $"Method not found: {method}"),
    };
}

using XxExporter.Chain;
using XxExporter.Chain.Scale;

namespace XxSimulator.Chain;

/// <summary>
/// The metadata of a runtime with the staking layout of the legacy xx fork (spec ≤206: custody in exposures,
/// cmix_id in the ledger; docs/xx-node-facts.md §4.1) or of runtime 207 (paged exposures, XXStakingExtension.CmixIds and
/// ErasDeductionPoints, ClaimedRewards, Payee and the HistoryDepth constant; the same section), with XXCmix.CmixHashes and
/// CmixVariables: only the storage items and constants the exporter reads, with their real hashers and types (slashes,
/// offences and im-online as §4.3 has them for each layout, rewards as §4.4, session keys as §4.5).
/// </summary>
public sealed class StakingRuntime
{
    /// <param name="epochSlots">BABE's EpochDuration: the session length in slots (xx: 4800).</param>
    /// <param name="slotMilliseconds">BABE's ExpectedBlockTime (xx: 6000).</param>
    public StakingRuntime(bool legacy = false, ulong epochSlots = 4800, ulong slotMilliseconds = 6000)
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
        b.Storage("Staking", "ErasValidatorReward", true, twox, u32, u128);
        // The history depth: a storage item in the legacy fork (spec 200 has it), a constant in 207.
        if (legacy) b.Storage("Staking", "HistoryDepth", false, [], null, u32);
        else
        {
            b.Storage("Staking", "ClaimedRewards", false, twox2, eraAndAccount, b.Sequence(u32));
            b.Constant("Staking", "HistoryDepth", u32, ScaleEncoder.U32(84));
            // The reward destination: 207 only (the legacy fork always pays into the stash, staked).
            b.Storage("Staking", "Payee", true, twox, account, b.Variant("pallet_staking::RewardDestination",
                ("Staked", 0, []), ("Stash", 1, []), ("Controller", 2, []), ("Account", 3, [(null, account)]), ("None", 4, [])));
        }
        int publicKey = b.Composite("sp_core::sr25519::Public", (null, bytes32));
        b.Storage("Session", "NextKeys", true, twox, account, b.Composite("xxnetwork_runtime::SessionKeys",
            ("grandpa", publicKey), ("babe", publicKey), ("im_online", publicKey), ("authority_discovery", publicKey)));
        b.Storage("Session", "Validators", false, [], null, b.Sequence(account));
        b.Storage("Session", "CurrentIndex", false, [], null, u32);

        int slashPairs = b.Sequence(b.Tuple(account, u128));
        int unapplied = b.Composite("pallet_staking::UnappliedSlash", ("validator", account), ("own", u128), ("others", slashPairs),
            ("reporters", b.Sequence(account)), ("payout", u128));
        if (legacy) b.Storage("Staking", "UnappliedSlashes", false, twox, u32, b.Sequence(unapplied));
        else b.Storage("Staking", "UnappliedSlashes", true, twox2, b.Tuple(u32, b.Tuple(account, perbill, u32)), unapplied);
        b.Storage("Staking", "ValidatorSlashInEra", true, twox2, eraAndAccount, b.Tuple(perbill, u128));
        if (legacy) b.Storage("Staking", "OffendingValidators", false, [], null, b.Sequence(b.Tuple(u32, boolean)));
        int severity = b.Composite("sp_staking::offence::OffenceSeverity", (null, perbill));
        b.Storage("Session", "DisabledValidators", false, [], null, b.Sequence(legacy ? u32 : b.Tuple(u32, severity)));
        int networkState = b.Composite("pallet_im_online::BoundedOpaqueNetworkState", ("peer_id", b.Sequence(u8)),
            ("external_addresses", b.Sequence(b.Sequence(u8))));
        int heartbeat = legacy ? b.Composite("frame_support::traits::misc::WrapperOpaque", (null, compact32), (null, networkState)) : boolean;
        b.Storage("ImOnline", "ReceivedHeartbeats", true, twox2, b.Tuple(u32, u32), heartbeat);
        b.Storage("ImOnline", "AuthoredBlocks", false, twox2, eraAndAccount, u32);
        int slot = b.Composite("sp_consensus_slots::Slot", (null, u64));
        b.Storage("Babe", "CurrentSlot", false, [], null, slot);
        b.Storage("Babe", "GenesisSlot", false, [], null, slot);
        b.Storage("Babe", "EpochIndex", false, [], null, u64);
        b.Constant("Babe", "EpochDuration", u64, ScaleEncoder.U64(epochSlots));
        b.Constant("Babe", "ExpectedBlockTime", u64, ScaleEncoder.U64(slotMilliseconds));
        b.Constant("Staking", "SessionsPerEra", u32, ScaleEncoder.U32(3));
        b.Constant("Staking", "BondingDuration", u32, ScaleEncoder.U32(BondingDuration));
        b.Constant("Staking", "SlashDeferDuration", u32, ScaleEncoder.U32(SlashDeferDuration));
        if (!legacy)
        {
            b.Storage("XXStakingExtension", "CmixIds", true, blake, account, h256);
            b.Storage("XXStakingExtension", "ErasDeductionPoints", false, twox, u32, deductionPoints);
        }
        int softwareHashes = b.Composite("pallet_xx_cmix::cmix::SoftwareHashes",
            [.. CmixHashes.Fields.Select(field => ((string?)field, h256)), ("extra", b.Option(b.Sequence(h256)))]);
        b.Storage("XXCmix", "CmixHashes", false, [], null, softwareHashes);
        int cmixPoints = b.Composite("pallet_xx_cmix::cmix::RewardPoints", ("success", u32), ("failure", u32), ("block", u32));
        int performance = b.Composite("pallet_xx_cmix::cmix::Performance", ("period", u64), ("points", cmixPoints),
            ("countries", b.Sequence(b.Tuple(b.Array(2, u8), u8))), ("multipliers", b.Sequence(b.Tuple(u8, b.Primitive(Primitive.U16)))));
        int timeouts = b.Composite("pallet_xx_cmix::cmix::Timeouts", ("precomputation", u64), ("realtime", u64), ("advertisement", u64));
        int scheduling = b.Composite("pallet_xx_cmix::cmix::Scheduling", ("team_size", u8), ("batch_size", u32), ("min_delay", u64),
            ("pool_threshold", b.Composite("sp_arithmetic::per_things::Permill", (null, u32))));
        int registration = b.Composite("pallet_xx_cmix::cmix::UserRegistration", ("max", u32), ("period", u64));
        b.Storage("XXCmix", "CmixVariables", false, [], null, b.Composite("pallet_xx_cmix::cmix::Variables",
            ("performance", performance), ("timeouts", timeouts), ("scheduling", scheduling), ("registration", registration)));
        byte[] metadata = b.Build();
        MetadataHex = ChainState.HexOf(metadata);
        Metadata = MetadataParser.Parse(metadata);
    }

    public const uint BondingDuration = 28, SlashDeferDuration = 27;

    public bool Legacy { get; }

    public long SpecVersion => Legacy ? 206 : 207;

    public string MetadataHex { get; }

    public RuntimeMetadata Metadata { get; }

    /// <summary>The hex storage key of an item, from its SCALE-encoded key parts (none for a plain item).</summary>
    public string Key(string pallet, string item, params byte[][] keys)
    {
        var entry = Metadata.Storage(pallet, item);
        return ChainState.HexOf(entry.Hashers.Count == 0 ? StorageKeys.Plain(pallet, item) : StorageKeys.For(entry, keys));
    }
}

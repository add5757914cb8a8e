using System.Numerics;
using static XxSimulator.Chain.ScaleEncoder;

namespace XxSimulator.Chain;

/// <summary>A staking ledger's unlocking chunk.</summary>
public readonly record struct UnlockChunk(BigInteger Value, uint Era);

/// <summary>
/// XXCmix.CmixVariables as pallet xx-cmix declares it (xx-labs/xxchain, xx-cmix/src/cmix.rs): performance (the period,
/// the points of a round success, a failure and a block, countries by geographic bin, multipliers by bin), timeouts,
/// scheduling and user registration; durations in milliseconds, the pool threshold in parts per million.
/// </summary>
public sealed record CmixVariablesValue(ulong PeriodMs, uint SuccessPoints, uint FailurePoints, uint BlockPoints,
    IReadOnlyList<(string Country, byte Bin)> Countries, IReadOnlyList<(byte Bin, ushort Multiplier)> Multipliers,
    ulong PrecomputationMs, ulong RealtimeMs, ulong AdvertisementMs,
    byte TeamSize, uint BatchSize, ulong MinDelayMs, uint PoolThresholdPermill, uint RegistrationMax, ulong RegistrationPeriodMs);

/// <summary>
/// SCALE values of the runtime 207 staking items (and those both layouts share), field by field as
/// <see cref="StakingRuntime"/> declares them. OptionQuery items are stored as their inner value.
/// </summary>
public static class StakingValues
{
    public static byte[] ActiveEra(uint index, ulong? startMilliseconds) =>
        [.. U32(index), .. Option(startMilliseconds is { } start ? U64(start) : null)];

    public static byte[] Accounts(IEnumerable<byte[]> accounts) => Vec(accounts.Select(Bytes32));

    /// <summary>EraRewardPoints and EraDeductionPoints: the total and a BTreeMap of account to points.</summary>
    public static byte[] Points(uint total, IEnumerable<(byte[] Account, uint Points)> individual) =>
        [.. U32(total), .. Map(individual.Select(p => (Bytes32(p.Account), U32(p.Points))))];

    /// <summary>A RewardDestination by its variant index (Staked 0, Stash 1, Controller 2, Account 3, None 4), with the account of Account.</summary>
    public static byte[] RewardDestination(byte variant, byte[]? account = null) => account is null ? [variant] : [variant, .. Bytes32(account)];

    public static byte[] ValidatorPrefs(uint commissionPerbill, bool blocked) => [.. Compact(commissionPerbill), .. Bool(blocked)];

    public static byte[] ExposureOverview(BigInteger total, BigInteger own, uint nominatorCount, uint pageCount) =>
        [.. Compact(total), .. Compact(own), .. U32(nominatorCount), .. U32(pageCount)];

    /// <summary>Staking.ClaimedRewards (207): the exposure pages of an era already paid out.</summary>
    public static byte[] ClaimedPages(IEnumerable<uint> pages) => Vec(pages.Select(U32));

    /// <summary>Session.NextKeys: the public keys (grandpa, babe, im_online, authority_discovery) one after another, as author_rotateKeys returns them.</summary>
    public static byte[] SessionKeys(IEnumerable<byte[]> publicKeys) => [.. publicKeys.SelectMany(Bytes32)];

    public static byte[] Ledger(byte[] stash, BigInteger total, BigInteger active, IEnumerable<UnlockChunk> unlocking, IEnumerable<uint> legacyClaimedRewards) =>
        [.. Bytes32(stash), .. Compact(total), .. Compact(active),
         .. Vec(unlocking.Select(c => (byte[])[.. Compact(c.Value), .. Compact(c.Era)])), .. Vec(legacyClaimedRewards.Select(U32))];

    /// <summary>An UnappliedSlash (207 stores each on its own, legacy runtimes a list per era): the validator's part, the nominators' parts, reporters, payout.</summary>
    public static byte[] UnappliedSlash(byte[] validator, BigInteger own, IEnumerable<(byte[] Nominator, BigInteger Amount)> others,
        IEnumerable<byte[]> reporters, BigInteger payout) =>
        [.. Bytes32(validator), .. U128(own), .. Vec(others.Select(o => (byte[])[.. Bytes32(o.Nominator), .. U128(o.Amount)])),
         .. Vec(reporters.Select(Bytes32)), .. U128(payout)];

    /// <summary>The key part of a 207 UnappliedSlashes entry after its era: (stash, slash fraction, exposure page).</summary>
    public static byte[] SlashKey(byte[] stash, uint fractionPerbill, uint page) => [.. Bytes32(stash), .. U32(fractionPerbill), .. U32(page)];

    /// <summary>ValidatorSlashInEra: (fraction of the exposure slashed, amount).</summary>
    public static byte[] SlashInEra(uint fractionPerbill, BigInteger amount) => [.. U32(fractionPerbill), .. U128(amount)];

    /// <summary>207 DisabledValidators: (index in Session.Validators, offence severity).</summary>
    public static byte[] Disabled(IEnumerable<(uint Index, uint SeverityPerbill)> disabled) => Vec(disabled.Select(d => (byte[])[.. U32(d.Index), .. U32(d.SeverityPerbill)]));

    /// <summary>XXCmix.CmixVariables, field by field (a country code is two ASCII bytes).</summary>
    public static byte[] CmixVariables(CmixVariablesValue v) =>
        [.. U64(v.PeriodMs), .. U32(v.SuccessPoints), .. U32(v.FailurePoints), .. U32(v.BlockPoints),
         .. Vec(v.Countries.Select(c => (byte[])[.. System.Text.Encoding.ASCII.GetBytes(c.Country), c.Bin])),
         .. Vec(v.Multipliers.Select(m => (byte[])[m.Bin, .. U16(m.Multiplier)])),
         .. U64(v.PrecomputationMs), .. U64(v.RealtimeMs), .. U64(v.AdvertisementMs),
         v.TeamSize, .. U32(v.BatchSize), .. U64(v.MinDelayMs), .. U32(v.PoolThresholdPermill),
         .. U32(v.RegistrationMax), .. U64(v.RegistrationPeriodMs)];
}

using System.Numerics;
using System.Text;
using XxExporter.Chain;
using static XxSimulator.Chain.StakingValues;

namespace XxSimulator.Chain;

/// <summary>How the simulated validator fares.</summary>
public enum Scenario
{
    /// <summary>Earns points every era, always elected, never chilled, cMix ID matches.</summary>
    Healthy,
    /// <summary>
    /// The four-era cycle of <see cref="SimulatedChain"/>: a missed era (no heartbeat, no blocks, disabled), a lost
    /// election, an era waiting; and a slash for an offence two eras before the start, queued until it applies.
    /// </summary>
    Troubled,
}

/// <summary>
/// A runtime 207 chain whose staking state is a function of time: one block a second (finalized two behind), eras of
/// a fixed length with three sessions each, the next era's election known in the era's last third (CurrentEra =
/// active + 1 and its exposures stored, as Substrate does), and era points growing through the era for every validator
/// in the active set. The active set has ten validators: the stash and nine others, or ten others when the stash was
/// not elected. The chain keeps the last 84 eras (HistoryDepth); eras before the start are history of the same story.
/// Each finished era pays out (ErasValidatorReward); healthy claims its rewards at once, troubled stopped claiming 80
/// eras before the start, so its oldest unpaid era is 4 eras from expiring.
///
/// Troubled timeline, by era k counted from the era active at start (k = 0), repeating every four eras:
///   k ≡ 0: active, earns points - but loses the election for the next era (seen in its last third);
///   k ≡ 1: waiting (not in the active set; still a validator candidate, so not chilled; its cMix node gets no
///          rounds), elected for the next era;
///   k ≡ 2: active, earns points;
///   k ≡ 3: active but earns no points: a missed era.
/// So at start the last finished era (k = -1) is already missed, and within the first era the next election is lost.
/// In an era it earns in, its im-online heartbeat is on chain from 30 % of each session on and it authors a tenth of
/// the session's blocks; in a missed era it has neither and is disabled. The troubled stash was also slashed (0.1 %,
/// 100 xx) for an offence in era FirstEra - 2: recorded in ValidatorSlashInEra and queued in UnappliedSlashes until
/// era FirstEra + 25, when it applies. BABE slots are one a second; a session is a third of the era.
/// </summary>
public sealed class SimulatedChain
{
    public const uint FirstEra = 1_000;
    private const int HistoryDepth = 84, SessionsPerEra = 3, ActiveSetSize = 10, ErasPerCycle = 4;
    private const long FirstBlock = 5_000_000;

    /// <summary>
    /// XXCmix.CmixVariables as genesis set them (docs/xx-node-facts.md §4.2) but for the failure deduction: 190 points,
    /// the proposed value, so that the break-even is 5 % and the troubled scenario's one failed round in ten is above it
    /// (genesis deducts 20, a 33 % break-even). One country and one bin keep the value short.
    /// </summary>
    private static readonly CmixVariablesValue CmixVariables = new(PeriodMs: 300_000, SuccessPoints: 10, FailurePoints: 190, BlockPoints: 130,
        Countries: [("US", 0)], Multipliers: [(0, 1000)], PrecomputationMs: 30_000, RealtimeMs: 15_000, AdvertisementMs: 3_000,
        TeamSize: 5, BatchSize: 1000, MinDelayMs: 80, PoolThresholdPermill: 300_000, RegistrationMax: 1000, RegistrationPeriodMs: 86_400_000);
    private const int Peers = 8;
    /// <summary>The next era's election is stored at the start of the era's last session (of three).</summary>
    private const double ElectionKnownFraction = 2.0 / 3;
    private const string Version = "0.2.7-xx-simulator";
    /// <summary>
    /// Points a validator with the median rate earns from rounds in a whole era: twenty times what its share of the
    /// era's blocks (one a second here) earns it, so that the rounds, not the simulator's fast blocks, decide the points.
    /// </summary>
    private double RoundPointsOf(uint era) => 20.0 * CmixVariables.BlockPoints * LengthOf(era).TotalSeconds / ActiveSetSize;
    private static readonly BigInteger Xx = 1_000_000_000; // planck per xx (9 decimals)
    /// <summary>What an era pays the whole active set (Staking.ErasValidatorReward).</summary>
    private static readonly BigInteger EraPayout = 1_000_000 * Xx;
    /// <summary>Troubled: the stash's rewards have not been claimed for this many eras before the start, so the oldest is 4 eras from expiring.</summary>
    private const int UnclaimedErasBeforeStart = HistoryDepth - 4;

    private readonly Scenario _scenario;
    private readonly TimeSpan _eraLength;
    private readonly DateTimeOffset _started;
    private readonly byte[] _stash, _cmixId;
    private readonly byte[][] _others;
    private readonly StakingRuntime _runtime;
    private readonly ulong _sessionSlots;
    private const uint SlashedEra = FirstEra - 2, SlashPerbill = 1_000_000;
    private static readonly BigInteger Slashed = 100 * Xx;
    private static uint SlashAppliesIn => SlashedEra + StakingRuntime.SlashDeferDuration;
    private readonly Dictionary<string, string> _storage = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<uint, List<string>> _keysOfEra = new();
    private uint _exposedThrough, _finishedThrough;

    public SimulatedChain(Scenario scenario, TimeSpan eraLength, DateTimeOffset started, byte[] stash, byte[] cmixId, SimulatedBinaries binaries)
    {
        _scenario = scenario;
        _eraLength = eraLength;
        _started = started;
        _stash = stash;
        _cmixId = cmixId;
        _sessionSlots = (ulong)Math.Max(1, Math.Round(eraLength.TotalSeconds / SessionsPerEra));
        _runtime = new StakingRuntime(legacy: false, epochSlots: _sessionSlots, slotMilliseconds: 1000);
        _others = Enumerable.Range(1, ActiveSetSize).Select(i => StorageKeys.Blake2b(256, Encoding.UTF8.GetBytes($"xx-simulator validator {i}"))).ToArray();
        foreach (var (account, index) in Validators())
        {
            Set(Key("Staking", "Validators", account), ValidatorPrefs(commissionPerbill: (uint)(index == 0 ? 100_000_000 : 30_000_000 + 10_000_000 * index), blocked: false));
            Set(Key("Staking", "Bonded", account), account);
            Set(Key("Staking", "Payee", account), RewardDestination(0));
            BigInteger own = OwnStake(index);
            Set(Key("Staking", "Ledger", account), Ledger(account, own, own, [], []));
            Set(Key("XXStakingExtension", "CmixIds", account),
                index == 0 ? cmixId : StorageKeys.Blake2b(256, Encoding.UTF8.GetBytes($"xx-simulator cmix {index}")));
        }
        Set(Key("XXCmix", "CmixHashes"), binaries.CmixHashesValue());
        Set(Key("XXCmix", "CmixVariables"), StakingValues.CmixVariables(CmixVariables));
        Set(Key("Session", "NextKeys", stash), StashKeys());
        for (uint era = FirstEra - HistoryDepth; era < FirstEra; era++)
        {
            WriteExposures(era);
            WritePoints(era, 1.0, BlocksOf(era));
            WritePayout(era);
        }
        WriteExposures(FirstEra);
        if (scenario == Scenario.Troubled)
        {
            SetOfEra(SlashedEra, Key("Staking", "ValidatorSlashInEra", ScaleEncoder.U32(SlashedEra), stash), SlashInEra(SlashPerbill, Slashed));
            Set(QueuedSlashKey, UnappliedSlash(stash, Slashed, others: [], reporters: [], payout: 0));
        }
        (_exposedThrough, _finishedThrough) = (FirstEra, FirstEra - 1);
    }

    /// <summary>Brings the storage up to <paramref name="now"/> and returns the chain as the RPC methods see it then.</summary>
    public ChainView At(DateTimeOffset now)
    {
        var (era, fraction) = EraAt(now);
        bool electionKnown = fraction >= ElectionKnownFraction;
        for (; _finishedThrough + 1 < era; _finishedThrough++)
        {
            WritePoints(_finishedThrough + 1, RoundsStallAt is { } stall ? RoundsFractionAt(_finishedThrough + 1, stall) : 1.0, BlocksOf(_finishedThrough + 1));
            WritePayout(_finishedThrough + 1);
        }
        for (uint through = electionKnown ? era + 1 : era; _exposedThrough < through; _exposedThrough++) WriteExposures(_exposedThrough + 1);
        WritePoints(era, RoundsFractionAt(era, now), BlockAt(now) - BlockAt(EraStartsAt(era)));
        if (now >= PayeeChangesAt) Set(Key("Staking", "Payee", _stash), RewardDestination(3, NewPayee));
        Set(Key("Staking", "ActiveEra"), ActiveEra(era, (ulong)EraStartsAt(era).ToUnixTimeMilliseconds()));
        Set(Key("Staking", "CurrentEra"), ScaleEncoder.U32(electionKnown ? era + 1 : era));
        Set(Key("Session", "Validators"), Accounts(ActiveSet(era)));
        Set(Key("Session", "CurrentIndex"), ScaleEncoder.U32(era * SessionsPerEra + (uint)(fraction * SessionsPerEra)));
        WriteLiveness(era, fraction);
        if (era >= SlashAppliesIn) _storage.Remove(QueuedSlashKey);
        foreach (uint old in _keysOfEra.Keys.Where(e => e + HistoryDepth < era).ToList()) Forget(old);
        long best = BlockAt(now);
        return new ChainView(best, best - 2, best, Peers, Version, _runtime, new Dictionary<string, string>(_storage, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Whether the stash is in the active set at <paramref name="now"/>: only then does its cMix node get rounds (a
    /// waiting validator's node keeps running but is not scheduled). Reads no storage, so any thread may ask.
    /// </summary>
    public bool StashScheduledAt(DateTimeOffset now) => PartIn(EraAt(now).Era) != Part.Waiting && !(now >= RoundsStallAt);

    /// <summary>The stash's im-online heartbeat is on chain as usual, but it authors no block (its BABE keys not on its node).</summary>
    public bool NoBlocksAuthored { get; init; }

    /// <summary>From then on Staking.Payee of the stash is an account instead of Staked (null: never).</summary>
    public DateTimeOffset? PayeeChangesAt { get; init; }

    /// <summary>
    /// From then on no cMix round completes anywhere in the network (scheduling down): every validator's round points
    /// stay as they were, while blocks and their points go on (null: never).
    /// </summary>
    public DateTimeOffset? RoundsStallAt { get; init; }

    /// <summary>The account Staking.Payee names once it changed.</summary>
    private static readonly byte[] NewPayee = StorageKeys.Blake2b(256, Encoding.UTF8.GetBytes("xx-simulator new payee"));

    /// <summary>How far through <paramref name="era"/> its rounds went on at <paramref name="now"/>: to the network's stall, if it came (<see cref="RoundsStallAt"/>).</summary>
    private double RoundsFractionAt(uint era, DateTimeOffset now)
    {
        if (!(now >= RoundsStallAt)) return EraAt(now).Fraction;
        var stalled = RoundsStallAt!.Value;
        return stalled < EraStartsAt(era) ? 0 : EraAt(stalled) is var (stallEra, fraction) && stallEra == era ? fraction : 1;
    }

    /// <summary>When <paramref name="era"/> begins (or began).</summary>
    public DateTimeOffset EraStartsAt(uint era) => _started + ((long)era - FirstEra) * _eraLength
        + (LongEra is { } longEra && era > FirstEra + longEra.Era ? longEra.Length - _eraLength : TimeSpan.Zero);

    /// <summary>When the election for the era after <paramref name="era"/> is stored (CurrentEra = era + 1).</summary>
    public DateTimeOffset NextElectionKnownAt(uint era) => EraStartsAt(era) + ElectionKnownFraction * LengthOf(era);

    /// <summary>
    /// One era, counted from the era active at start, that lasts <c>Length</c> instead of the era length (null: none):
    /// the simulated clock runs slower through it, so a story can hold that era's state (its last third, with the next
    /// election known) for longer than Alertmanager's waits.
    /// </summary>
    public (uint Era, TimeSpan Length)? LongEra { get; init; }

    private TimeSpan LengthOf(uint era) => LongEra is { } longEra && era == FirstEra + longEra.Era ? longEra.Length : _eraLength;

    /// <summary>The active era at <paramref name="now"/> and how far through it the chain is (0 to 1).</summary>
    private (uint Era, double Fraction) EraAt(DateTimeOffset now)
    {
        if (LongEra is { } longEra && EraStartsAt(FirstEra + longEra.Era) is var longStarts && now >= longStarts)
        {
            if (now - longStarts < longEra.Length) return (FirstEra + longEra.Era, (now - longStarts) / longEra.Length);
            double after = (now - longStarts - longEra.Length) / _eraLength;
            return (FirstEra + longEra.Era + 1 + (uint)Math.Floor(after), after - Math.Floor(after));
        }
        double eras = (now - _started) / _eraLength;
        return (FirstEra + (uint)Math.Floor(eras), eras - Math.Floor(eras));
    }

    /// <summary>
    /// Healthy: the one era, counted from the era active at start (k), in which the stash is active but earns no
    /// points and has no heartbeat and no block (null: none). It is not disabled: the offline validator whose offence
    /// slashes nothing (docs/alerts.md, "Notifications per incident", on where runtimes differ). The troubled
    /// timeline's missed era, which has a slash recorded, is the disabled one.
    /// </summary>
    public uint? MissedEra { get; init; }

    /// <summary>
    /// Healthy: the one era, counted from the era active at start (k), in which the stash waits, as in the troubled
    /// timeline: still a validator candidate (Staking.Validators) but not elected (in neither ErasStakersOverview nor
    /// Session.Validators), its cMix node given no rounds. The election for it is lost in era k - 1's last third, and
    /// the stash is elected again for era k + 1 (null: none).
    /// </summary>
    public uint? WaitingEra { get; init; }

    private enum Part { Earning, Missed, Waiting }

    /// <summary>The stash's part in an era (see the timeline above).</summary>
    private Part PartIn(uint era)
    {
        if (_scenario == Scenario.Healthy)
            return era == FirstEra + MissedEra ? Part.Missed : era == FirstEra + WaitingEra ? Part.Waiting : Part.Earning;
        long k = ((long)era - FirstEra) % ErasPerCycle;
        return ((k + ErasPerCycle) % ErasPerCycle) switch
        {
            1 => Part.Waiting,
            3 => Part.Missed,
            _ => Part.Earning,
        };
    }

    /// <summary>Every validator candidate with its index: 0 is the stash, 1-10 the others.</summary>
    private IEnumerable<(byte[] Account, int Index)> Validators() => _others.Select((account, i) => (account, i + 1)).Prepend((_stash, 0));

    private IEnumerable<(byte[] Account, int Index)> Elected(uint era) =>
        PartIn(era) == Part.Waiting ? Validators().Skip(1) : Validators().Take(ActiveSetSize);

    private IEnumerable<byte[]> ActiveSet(uint era) => Elected(era).Select(v => v.Account);

    private static BigInteger OwnStake(int index) => (100_000 + 10_000 * index) * Xx;

    private void WriteExposures(uint era)
    {
        foreach (var (account, index) in Elected(era))
        {
            BigInteger own = OwnStake(index);
            SetOfEra(era, Key("Staking", "ErasStakersOverview", ScaleEncoder.U32(era), account),
                ExposureOverview(total: own + (2_000_000 + 50_000 * index) * Xx, own, nominatorCount: (uint)(5 + index), pageCount: 1));
        }
    }

    /// <summary>The best block at <paramref name="at"/>: one a second.</summary>
    private long BlockAt(DateTimeOffset at) => FirstBlock + (long)Math.Floor((at - _started).TotalSeconds);

    /// <summary>The blocks of a whole era.</summary>
    private long BlocksOf(uint era) => BlockAt(EraStartsAt(era + 1)) - BlockAt(EraStartsAt(era));

    /// <summary>
    /// Reward and deduction points of an era <paramref name="fraction"/> of the way through it, with
    /// <paramref name="blocks"/> imported: as on chain, every block gives its author the block points (the earners
    /// take turns), so the era's total grows by them and by the rounds' points beside them (XxNetworkRoundsStalled
    /// reads the rounds' share from it). Deductions are of the rounds' points.
    /// </summary>
    private void WritePoints(uint era, double fraction, long blocks)
    {
        var earners = Elected(era).Where(v => v.Index != 0 || PartIn(era) != Part.Missed).ToList();
        var roundPoints = earners.Select(v => (uint)(RoundPointsOf(era) * RateOf(v.Index) * fraction)).ToList();
        var rewards = earners.Select((v, i) => (v.Account, Points: roundPoints[i] + CmixVariables.BlockPoints * (uint)(blocks / earners.Count + (i < blocks % earners.Count ? 1 : 0)))).ToList();
        var deductions = earners.Select((v, i) => (v.Account, Points: (uint)(roundPoints[i] * DeductedShareOf(v.Index)))).ToList();
        SetOfEra(era, Key("Staking", "ErasRewardPoints", ScaleEncoder.U32(era)), Points((uint)rewards.Sum(r => r.Points), rewards));
        SetOfEra(era, Key("XXStakingExtension", "ErasDeductionPoints", ScaleEncoder.U32(era)), Points((uint)deductions.Sum(d => d.Points), deductions));
    }

    /// <summary>
    /// A finished era's payout, and the stash's claim of it: healthy claims every era as it ends; troubled stopped
    /// claiming <see cref="UnclaimedErasBeforeStart"/> eras before the start.
    /// </summary>
    private void WritePayout(uint era)
    {
        SetOfEra(era, Key("Staking", "ErasValidatorReward", ScaleEncoder.U32(era)), ScaleEncoder.U128(EraPayout));
        if (_scenario == Scenario.Healthy || era < FirstEra - UnclaimedErasBeforeStart)
            SetOfEra(era, Key("Staking", "ClaimedRewards", ScaleEncoder.U32(era), _stash), ClaimedPages([0]));
    }

    /// <summary>The stash's next session keys as stored in Session.NextKeys (hex), for a keystore that holds them.</summary>
    public string StashSessionKeys => ChainState.HexOf(StashKeys());

    private byte[] StashKeys() => SessionKeys(Enumerable.Range(0, 4).Select(i => StorageKeys.Blake2b(256, [.. _stash, (byte)i])));

    /// <summary>How fast a validator earns, relative to the median: the others spread from 0.88 to 1.15.</summary>
    private double RateOf(int index) => index == 0 ? (_scenario == Scenario.Healthy ? 1.0 : 0.9) : 0.85 + 0.03 * index;

    /// <summary>Share of the points taken back for failed rounds: 15 % for the troubled node's 10 % failed rounds (each costs more than a completed one earns).</summary>
    private double DeductedShareOf(int index) => index == 0 ? (_scenario == Scenario.Healthy ? 0.005 : 0.15) : index % 4 * 0.01;

    private string QueuedSlashKey => Key("Staking", "UnappliedSlashes", ScaleEncoder.U32(SlashAppliesIn), SlashKey(_stash, SlashPerbill, 0));

    /// <summary>BABE's slots and the stash's heartbeat, authored blocks and disabled state in the current session.</summary>
    private void WriteLiveness(uint era, double fraction)
    {
        double sessions = fraction * SessionsPerEra;
        uint session = era * SessionsPerEra + (uint)sessions;
        ulong intoSession = (ulong)((sessions - Math.Floor(sessions)) * _sessionSlots);
        const ulong genesisSlot = 1_000_000_000;
        Set(Key("Babe", "GenesisSlot"), ScaleEncoder.U64(genesisSlot));
        Set(Key("Babe", "EpochIndex"), ScaleEncoder.U64(session));
        Set(Key("Babe", "CurrentSlot"), ScaleEncoder.U64(genesisSlot + session * _sessionSlots + intoSession));
        var part = PartIn(era);
        Set(Key("Session", "DisabledValidators"), Disabled(part == Part.Missed && _scenario == Scenario.Troubled ? [(0u, 0u)] : []));
        if (part != Part.Earning) return;
        // The stash is first in the active set, so its authority index is 0.
        if (intoSession >= _sessionSlots * 3 / 10) SetOfEra(era, Key("ImOnline", "ReceivedHeartbeats", ScaleEncoder.U32(session), ScaleEncoder.U32(0)), ScaleEncoder.Bool(true));
        if (!NoBlocksAuthored) SetOfEra(era, Key("ImOnline", "AuthoredBlocks", ScaleEncoder.U32(session), _stash), ScaleEncoder.U32((uint)(intoSession / ActiveSetSize)));
    }

    private string Key(string pallet, string item, params byte[][] keys) => _runtime.Key(pallet, item, keys);

    private void Set(string key, byte[] value) => _storage[key] = ChainState.HexOf(value);

    private void SetOfEra(uint era, string key, byte[] value)
    {
        Set(key, value);
        if (!_keysOfEra.TryGetValue(era, out var keys)) _keysOfEra[era] = keys = new List<string>();
        if (!keys.Contains(key)) keys.Add(key);
    }

    private void Forget(uint era)
    {
        foreach (string key in _keysOfEra[era]) _storage.Remove(key);
        _keysOfEra.Remove(era);
    }
}

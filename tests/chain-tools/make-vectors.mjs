// Golden SCALE / storage-key vectors for the exporter's chain reader.
//
// Run from the repository root:   node tests/chain-tools/make-vectors.mjs
// Output: tests/XxExporter.Tests/Chain/Vectors/vectors.json (deterministic; no network).
//
// This is an *independent* implementation of what the C# code does: SCALE encoding comes from
// @polkadot/types (TypeRegistry with hand-written type definitions), hashing from @polkadot/util-crypto.
// Type definitions follow xx-labs/substrate (branch xx-network) frame/staking for the legacy layout
// (spec <= 206) and xxfoundation/xxchain runtime 207 (polkadot-stable2509 staking + XXStakingExtension),
// see docs/xx-node-facts.md §4.1.
//
// Every vector is checked before it is written: the encoding is decoded again with polkadot and must give
// back exactly the value JSON we built from the inputs; a few byte-level facts (compact modes, sorted
// BTreeMap keys, known key prefixes, Alice's SS58 address) are asserted by hand. Any mismatch throws.

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

import { TypeRegistry, Struct, Option, Vec, Tuple, BTreeMap, Compact, U8aFixed, UInt, Bool } from '@polkadot/types';
import { u8aToHex, u8aConcat, hexToU8a, stringToU8a } from '@polkadot/util';
import { xxhashAsU8a, blake2AsU8a, encodeAddress } from '@polkadot/util-crypto';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(here, '../XxExporter.Tests/Chain/Vectors/vectors.json');

function assert(cond, msg) {
  if (!cond) throw new Error(`ASSERTION FAILED: ${msg}`);
}

// ---------------------------------------------------------------------------------------------------------
// Type definitions. Field names are snake_case exactly as in the Rust source / metadata; polkadot keeps them
// as given for custom definitions (it only camelCases names when it builds types from metadata).
// Names are prefixed (Xx/Legacy/V207) so they never collide with polkadot's built-in definitions.
// ---------------------------------------------------------------------------------------------------------
const registry = new TypeRegistry();
registry.register({
  XxAccountId: '[u8;32]', // AccountId32 as raw bytes (polkadot's AccountId32 would JSON-ify as SS58)
  XxH256: '[u8;32]',
  XxPerbill: 'u32',

  // Shared by both layouts
  XxActiveEraInfo: { index: 'u32', start: 'Option<u64>' },
  XxSessionValidators: 'Vec<XxAccountId>',
  XxEraRewardPoints: { total: 'u32', individual: 'BTreeMap<XxAccountId, u32>' },
  XxValidatorPrefs: { commission: 'Compact<XxPerbill>', blocked: 'bool' },
  XxUnlockChunk: { value: 'Compact<u128>', era: 'Compact<u32>' },
  XxSessionKeys: { grandpa: 'XxAccountId', babe: 'XxAccountId', im_online: 'XxAccountId', authority_discovery: 'XxAccountId' },
  XxClaimedPages: 'Vec<u32>',

  // Legacy layout (xx staking fork, spec <= 206)
  LegacyIndividualExposure: { who: 'XxAccountId', value: 'Compact<u128>' },
  LegacyExposure: {
    total: 'Compact<u128>',
    custody: 'Compact<u128>',
    own: 'Compact<u128>',
    others: 'Vec<LegacyIndividualExposure>',
  },
  LegacyStakingLedger: {
    stash: 'XxAccountId',
    total: 'Compact<u128>',
    active: 'Compact<u128>',
    unlocking: 'Vec<XxUnlockChunk>',
    claimed_rewards: 'Vec<u32>',
    cmix_id: 'Option<XxH256>',
  },

  // Runtime 207 layout
  V207PagedExposureMetadata: {
    total: 'Compact<u128>',
    own: 'Compact<u128>',
    nominator_count: 'u32',
    page_count: 'u32',
  },
  V207StakingLedger: {
    stash: 'XxAccountId',
    total: 'Compact<u128>',
    active: 'Compact<u128>',
    unlocking: 'Vec<XxUnlockChunk>',
    legacy_claimed_rewards: 'Vec<u32>',
  },
  V207EraDeductionPoints: { total: 'u32', individual: 'BTreeMap<XxAccountId, u32>' },

  // Slashes, offences and im-online (docs/xx-node-facts.md §4.3): legacy from the spec 200 metadata, 207 from
  // polkadot-stable2509 staking / session / im-online.
  XxUnappliedSlash: {
    validator: 'XxAccountId',
    own: 'u128',
    others: 'Vec<(XxAccountId, u128)>',
    reporters: 'Vec<XxAccountId>',
    payout: 'u128',
  },
  XxSlashInEra: '(XxPerbill, u128)',
  LegacyUnappliedSlashes: 'Vec<XxUnappliedSlash>',
  LegacyOffendingValidators: 'Vec<(u32, bool)>',
  LegacyDisabledValidators: 'Vec<u32>',
  V207DisabledValidators: 'Vec<(u32, XxPerbill)>',

  // XXCmix.CmixHashes (docs/xx-node-facts.md, "Binaries behind the chain"): the BLAKE2s of each binary, then extra.
  XxSoftwareHashes: {
    server: 'XxH256', fatbin: 'XxH256', libpow: 'XxH256', gateway: 'XxH256', scheduling: 'XxH256', wrapper: 'XxH256',
    udb: 'XxH256', notifications: 'XxH256', extra: 'Option<Vec<XxH256>>',
  },

  // XXCmix.CmixVariables (xx-labs/xxchain, xx-cmix/src/cmix.rs; docs/xx-node-facts.md §4.2): durations in ms.
  XxCmixRewardPoints: { success: 'u32', failure: 'u32', block: 'u32' },
  XxCmixPerformance: { period: 'u64', points: 'XxCmixRewardPoints', countries: 'Vec<([u8;2], u8)>', multipliers: 'Vec<(u8, u16)>' },
  XxCmixTimeouts: { precomputation: 'u64', realtime: 'u64', advertisement: 'u64' },
  XxCmixScheduling: { team_size: 'u8', batch_size: 'u32', min_delay: 'u64', pool_threshold: 'u32' },
  XxCmixRegistration: { max: 'u32', period: 'u64' },
  XxCmixVariables: { performance: 'XxCmixPerformance', timeouts: 'XxCmixTimeouts', scheduling: 'XxCmixScheduling', registration: 'XxCmixRegistration' },
});

// ---------------------------------------------------------------------------------------------------------
// Storage keys
// ---------------------------------------------------------------------------------------------------------
const twox128 = (s) => xxhashAsU8a(stringToU8a(s), 128);
const HASHERS = {
  Twox64Concat: (x) => u8aConcat(xxhashAsU8a(x, 64), x),
  Blake2_128Concat: (x) => u8aConcat(blake2AsU8a(x, 128), x),
  Identity: (x) => x,
};
function storageKey(pallet, item, hashers, keyParts) {
  assert(hashers.length === keyParts.length, `${pallet}.${item}: hasher/key count`);
  return u8aConcat(twox128(pallet), twox128(item), ...keyParts.map((k, i) => HASHERS[hashers[i]](k)));
}

// Known prefixes (from the domain doc / a live node) - proves the hashing set-up.
assert(
  u8aToHex(storageKey('Staking', 'ActiveEra', [], [])) ===
    '0x5f3e4907f716ac89b6347d15ececedca487df464e44a534ba6b0cbb32407b587',
  'Staking.ActiveEra prefix',
);
assert(
  u8aToHex(storageKey('Staking', 'Ledger', [], [])) ===
    '0x5f3e4907f716ac89b6347d15ececedca422adb579f1dbf4f3886c5cfa3bb8cc4',
  'Staking.Ledger prefix',
);

// ---------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------
const ALICE = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
const BOB = '0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48';
const CHARLIE = '0x90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22';
const CMIX_ID = '0x' + '11'.repeat(32);

const ss58 = [ALICE, BOB, CHARLIE].map((pk) => ({ publicKey: pk, address: encodeAddress(pk, 55) }));
assert(ss58[0].address === '6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtt', 'Alice SS58 (prefix 55)');

const BIG = 12345678901234567890123n; // > 2^64: u128 + compact "big integer" mode
const keyU32 = (n) => registry.createType('u32', n).toU8a();
const keyAcc = (hex) => hexToU8a(hex);

// ---------------------------------------------------------------------------------------------------------
// Value JSON: built from the same input objects, by type (not by magnitude) so consumers get a stable shape:
//   u8/u16/u32 (also compact) -> JSON number; u64/u128 (also compact) -> decimal string;
//   [u8;32] -> 0x-hex; Option -> null | inner; Vec -> array; BTreeMap -> object (keys 0x-hex, sorted);
//   struct -> object with the snake_case field names.
// ---------------------------------------------------------------------------------------------------------
const big = (v) => BigInt(v).toString();
const sortedMap = (obj) =>
  Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));

// The same normalisation, applied to a decoded polkadot Codec (type-directed via instanceof).
function norm(c) {
  if (c instanceof Option) return c.isSome ? norm(c.unwrap()) : null;
  if (c instanceof Compact) return norm(c.unwrap());
  if (c instanceof U8aFixed) return u8aToHex(c.toU8a());
  if (c instanceof Bool) return c.isTrue;
  if (c instanceof UInt) return c.encodedLength > 4 ? c.toBigInt().toString() : c.toNumber();
  if (c instanceof BTreeMap) {
    const o = {};
    for (const [k, v] of c.entries()) o[norm(k)] = norm(v);
    return o;
  }
  if (c instanceof Vec || c instanceof Tuple) return c.map(norm);
  if (c instanceof Struct) {
    const o = {};
    for (const [k, v] of c.entries()) o[k] = norm(v);
    return o;
  }
  throw new Error(`norm: unhandled codec ${c.toRawType()}`);
}

// Independent compact encoder (SCALE spec) used to spot-check polkadot's output for the big values.
function compactHex(n) {
  n = BigInt(n);
  const le = (v, len) => Array.from({ length: len }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  let bytes;
  if (n < 1n << 6n) bytes = [Number(n << 2n)];
  else if (n < 1n << 14n) bytes = le((n << 2n) | 1n, 2);
  else if (n < 1n << 30n) bytes = le((n << 2n) | 2n, 4);
  else {
    let len = 0;
    for (let t = n; t > 0n; t >>= 8n) len++;
    bytes = [((len - 4) << 2) | 3, ...le(n, len)];
  }
  return u8aToHex(Uint8Array.from(bytes));
}
assert(u8aToHex(registry.createType('Compact<u128>', BIG).toU8a()) === compactHex(BIG), 'compact big mode');
assert(compactHex(BIG) === '0x1bcb444271764eb6429d02', 'compact(BIG) literal');
assert(u8aToHex(registry.createType('Compact<u32>', 100000000).toU8a()) === compactHex(100000000), 'compact 4-byte');

// ---------------------------------------------------------------------------------------------------------
// Vectors: { layout, pallet, item, hashers, keys(parts, SCALE bytes), type, input (polkadot input), value }
// ---------------------------------------------------------------------------------------------------------
const defs = [];
const add = (d) => defs.push(d);

// --- both layouts -----------------------------------------------------------------------------------------
add({
  layout: 'both', pallet: 'Staking', item: 'ActiveEra', hashers: [], keys: [], type: 'XxActiveEraInfo',
  input: { index: 42, start: 1700000000000 },
  value: { index: 42, start: big(1700000000000) },
});
add({
  layout: 'both', pallet: 'Staking', item: 'ActiveEra', hashers: [], keys: [], type: 'XxActiveEraInfo',
  input: { index: 42, start: null },
  value: { index: 42, start: null },
});
add({
  layout: 'both', pallet: 'Staking', item: 'CurrentEra', hashers: [], keys: [], type: 'u32',
  input: 42, value: 42,
});
add({
  layout: 'both', pallet: 'Session', item: 'CurrentIndex', hashers: [], keys: [], type: 'u32',
  input: 1234, value: 1234,
});
add({
  layout: 'both', pallet: 'Session', item: 'Validators', hashers: [], keys: [], type: 'XxSessionValidators',
  input: [ALICE, BOB, CHARLIE], value: [ALICE, BOB, CHARLIE], // order as stored (not sorted)
});
add({
  layout: 'both', pallet: 'Session', item: 'Validators', hashers: [], keys: [], type: 'XxSessionValidators',
  input: [], value: [],
});
{
  // Inserted Alice-first on purpose: the encoding must sort keys (Bob 0x8e.. < Alice 0xd4..).
  const individual = { [ALICE]: 100, [BOB]: 200 };
  add({
    layout: 'both', pallet: 'Staking', item: 'ErasRewardPoints', hashers: ['Twox64Concat'], keys: [keyU32(42)],
    type: 'XxEraRewardPoints', input: { total: 300, individual },
    value: { total: 300, individual: sortedMap(individual) }, sortedMapKeys: 2,
  });
}
add({
  layout: 'both', pallet: 'Staking', item: 'ErasRewardPoints', hashers: ['Twox64Concat'], keys: [keyU32(41)],
  type: 'XxEraRewardPoints', input: { total: 0, individual: {} }, value: { total: 0, individual: {} },
});
add({
  layout: 'both', pallet: 'Staking', item: 'Validators', hashers: ['Twox64Concat'], keys: [keyAcc(ALICE)],
  type: 'XxValidatorPrefs', input: { commission: 100000000, blocked: false }, // 10 %
  value: { commission: 100000000, blocked: false },
});
add({
  layout: 'both', pallet: 'Staking', item: 'Validators', hashers: ['Twox64Concat'], keys: [keyAcc(BOB)],
  type: 'XxValidatorPrefs', input: { commission: 0, blocked: true },
  value: { commission: 0, blocked: true },
});
add({
  layout: 'both', pallet: 'Staking', item: 'Bonded', hashers: ['Twox64Concat'], keys: [keyAcc(ALICE)],
  type: 'XxAccountId', input: ALICE, value: ALICE,
});
add({
  layout: 'both', pallet: 'Staking', item: 'Bonded', hashers: ['Twox64Concat'], keys: [keyAcc(BOB)],
  type: 'XxAccountId', input: CHARLIE, value: CHARLIE,
});

add({
  layout: 'both', pallet: 'Staking', item: 'ErasValidatorReward', hashers: ['Twox64Concat'], keys: [keyU32(41)],
  type: 'u128', input: BIG, value: big(BIG),
});
{
  // Session keys as author_rotateKeys returns them: four 32-byte public keys, in the runtime's order.
  const keys = { grandpa: '0x' + 'a1'.repeat(32), babe: '0x' + 'b2'.repeat(32), im_online: '0x' + 'c3'.repeat(32), authority_discovery: '0x' + 'd4'.repeat(32) };
  add({
    layout: 'both', pallet: 'Session', item: 'NextKeys', hashers: ['Twox64Concat'], keys: [keyAcc(ALICE)],
    type: 'XxSessionKeys', input: keys, value: keys,
  });
}

// --- legacy layout (spec <= 206) --------------------------------------------------------------------------
add({
  layout: 'legacy', pallet: 'Staking', item: 'HistoryDepth', hashers: [], keys: [], type: 'u32', input: 84, value: 84,
});
const OWN = BIG;
const CUSTODY = 1000000000000n; // 1000 xx (9 decimals)
const BOB_STAKE = 500000000000000n;
const CHARLIE_STAKE = 1n; // single-byte compact
const TOTAL = OWN + CUSTODY + BOB_STAKE + CHARLIE_STAKE;
add({
  layout: 'legacy', pallet: 'Staking', item: 'ErasStakers', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(42), keyAcc(ALICE)], type: 'LegacyExposure',
  input: {
    total: TOTAL, custody: CUSTODY, own: OWN,
    others: [{ who: BOB, value: BOB_STAKE }, { who: CHARLIE, value: CHARLIE_STAKE }],
  },
  value: {
    total: big(TOTAL), custody: big(CUSTODY), own: big(OWN),
    others: [{ who: BOB, value: big(BOB_STAKE) }, { who: CHARLIE, value: big(CHARLIE_STAKE) }],
  },
});
add({
  layout: 'legacy', pallet: 'Staking', item: 'ErasStakers', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(41), keyAcc(BOB)], type: 'LegacyExposure',
  input: { total: 5000000000n, custody: 0, own: 5000000000n, others: [] },
  value: { total: '5000000000', custody: '0', own: '5000000000', others: [] },
});
const UNLOCKING_IN = [{ value: 1000000000n, era: 43 }, { value: BIG, era: 70000 }];
const UNLOCKING_VAL = [{ value: '1000000000', era: 43 }, { value: big(BIG), era: 70000 }];
add({
  layout: 'legacy', pallet: 'Staking', item: 'Ledger', hashers: ['Blake2_128Concat'], keys: [keyAcc(ALICE)],
  type: 'LegacyStakingLedger',
  input: {
    stash: ALICE, total: BIG * 2n, active: BIG * 2n - BIG - 1000000000n, unlocking: UNLOCKING_IN,
    claimed_rewards: [40, 41], cmix_id: CMIX_ID,
  },
  value: {
    stash: ALICE, total: big(BIG * 2n), active: big(BIG * 2n - BIG - 1000000000n), unlocking: UNLOCKING_VAL,
    claimed_rewards: [40, 41], cmix_id: CMIX_ID,
  },
});
add({
  layout: 'legacy', pallet: 'Staking', item: 'Ledger', hashers: ['Blake2_128Concat'], keys: [keyAcc(BOB)],
  type: 'LegacyStakingLedger',
  input: { stash: BOB, total: 0, active: 0, unlocking: [], claimed_rewards: [], cmix_id: null },
  value: { stash: BOB, total: '0', active: '0', unlocking: [], claimed_rewards: [], cmix_id: null },
});

// --- runtime 207 layout -----------------------------------------------------------------------------------
add({
  layout: '207', pallet: 'Staking', item: 'ErasStakersOverview', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(42), keyAcc(ALICE)], type: 'V207PagedExposureMetadata',
  input: { total: OWN + BOB_STAKE + CHARLIE_STAKE, own: OWN, nominator_count: 2, page_count: 1 },
  value: { total: big(OWN + BOB_STAKE + CHARLIE_STAKE), own: big(OWN), nominator_count: 2, page_count: 1 },
});
add({
  layout: '207', pallet: 'Staking', item: 'ErasStakersOverview', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(41), keyAcc(BOB)], type: 'V207PagedExposureMetadata',
  input: { total: 5000000000n, own: 5000000000n, nominator_count: 0, page_count: 0 },
  value: { total: '5000000000', own: '5000000000', nominator_count: 0, page_count: 0 },
});
add({
  layout: '207', pallet: 'Staking', item: 'Ledger', hashers: ['Blake2_128Concat'], keys: [keyAcc(ALICE)],
  type: 'V207StakingLedger',
  input: {
    stash: ALICE, total: BIG * 2n, active: BIG * 2n - BIG - 1000000000n, unlocking: UNLOCKING_IN,
    legacy_claimed_rewards: [40, 41],
  },
  value: {
    stash: ALICE, total: big(BIG * 2n), active: big(BIG * 2n - BIG - 1000000000n), unlocking: UNLOCKING_VAL,
    legacy_claimed_rewards: [40, 41],
  },
});
add({
  layout: '207', pallet: 'Staking', item: 'Ledger', hashers: ['Blake2_128Concat'], keys: [keyAcc(BOB)],
  type: 'V207StakingLedger',
  input: { stash: BOB, total: 0, active: 0, unlocking: [], legacy_claimed_rewards: [] },
  value: { stash: BOB, total: '0', active: '0', unlocking: [], legacy_claimed_rewards: [] },
});
add({
  layout: '207', pallet: 'XXStakingExtension', item: 'CmixIds', hashers: ['Blake2_128Concat'],
  keys: [keyAcc(ALICE)], type: 'XxH256', input: CMIX_ID, value: CMIX_ID,
});
add({
  layout: '207', pallet: 'XXStakingExtension', item: 'ErasDeductionPoints', hashers: ['Twox64Concat'],
  keys: [keyU32(42)], type: 'V207EraDeductionPoints',
  input: { total: 30, individual: { [ALICE]: 30 } }, value: { total: 30, individual: { [ALICE]: 30 } },
  sortedMapKeys: 1,
});
add({
  layout: '207', pallet: 'XXStakingExtension', item: 'ErasDeductionPoints', hashers: ['Twox64Concat'],
  keys: [keyU32(41)], type: 'V207EraDeductionPoints',
  input: { total: 0, individual: {} }, value: { total: 0, individual: {} },
});

add({
  layout: '207', pallet: 'Staking', item: 'ClaimedRewards', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(41), keyAcc(ALICE)], type: 'XxClaimedPages', input: [0], value: [0],
});
add({
  layout: '207', pallet: 'Staking', item: 'ClaimedRewards', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(41), keyAcc(BOB)], type: 'XxClaimedPages', input: [0, 2], value: [0, 2],
});

// --- slashes, offences, im-online, BABE (§4.3) ------------------------------------------------------------
add({
  layout: 'both', pallet: 'Staking', item: 'ValidatorSlashInEra', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(42), keyAcc(ALICE)], type: 'XxSlashInEra',
  input: [10000000, BIG], value: [10000000, big(BIG)], // 1 % of the exposure
});
add({
  layout: 'both', pallet: 'ImOnline', item: 'AuthoredBlocks', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(1234), keyAcc(ALICE)], type: 'u32', input: 3, value: 3,
});
for (const [item, slot] of [['CurrentSlot', 290000000n], ['GenesisSlot', 270000000n], ['EpochIndex', 4166n]]) {
  add({ layout: 'both', pallet: 'Babe', item, hashers: [], keys: [], type: 'u64', input: slot, value: big(slot) });
}
const SLASH = {
  validator: ALICE, own: BIG, others: [[BOB, 5000000000n]], reporters: [CHARLIE], payout: 1000000000n,
};
const SLASH_VAL = {
  validator: ALICE, own: big(BIG), others: [[BOB, '5000000000']], reporters: [CHARLIE], payout: '1000000000',
};
add({
  layout: 'legacy', pallet: 'Staking', item: 'UnappliedSlashes', hashers: ['Twox64Concat'], keys: [keyU32(42)],
  type: 'LegacyUnappliedSlashes', input: [SLASH], value: [SLASH_VAL],
});
add({
  layout: 'legacy', pallet: 'Staking', item: 'UnappliedSlashes', hashers: ['Twox64Concat'], keys: [keyU32(41)],
  type: 'LegacyUnappliedSlashes', input: [], value: [],
});
add({
  layout: 'legacy', pallet: 'Staking', item: 'OffendingValidators', hashers: [], keys: [],
  type: 'LegacyOffendingValidators', input: [[1, false], [0, true]], value: [[1, false], [0, true]],
});
add({
  layout: 'legacy', pallet: 'Session', item: 'DisabledValidators', hashers: [], keys: [],
  type: 'LegacyDisabledValidators', input: [0, 2], value: [0, 2],
});
add({
  // 207 keys each slash by (era it applies in, (stash, slash fraction, exposure page)).
  layout: '207', pallet: 'Staking', item: 'UnappliedSlashes', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(69), u8aConcat(keyAcc(ALICE), keyU32(10000000), keyU32(0))], type: 'XxUnappliedSlash',
  input: SLASH, value: SLASH_VAL,
});
add({
  layout: '207', pallet: 'Session', item: 'DisabledValidators', hashers: [], keys: [],
  type: 'V207DisabledValidators', input: [[0, 10000000], [2, 0]], value: [[0, 10000000], [2, 0]],
});
add({
  layout: '207', pallet: 'ImOnline', item: 'ReceivedHeartbeats', hashers: ['Twox64Concat', 'Twox64Concat'],
  keys: [keyU32(1234), keyU32(0)], type: 'bool', input: true, value: true,
});

// --- binaries on chain (docs/xx-node-facts.md, "Binaries behind the chain") -------------------------------
{
  // Each field its own byte (server 0x01.., fatbin 0x02.., ...), so a field read from the wrong offset shows.
  const FIELDS = ['server', 'fatbin', 'libpow', 'gateway', 'scheduling', 'wrapper', 'udb', 'notifications'];
  const hashes = Object.fromEntries(FIELDS.map((f, i) => [f, '0x' + (i + 1).toString(16).padStart(2, '0').repeat(32)]));
  for (const extra of [null, ['0x' + 'ff'.repeat(32)]]) {
    add({
      layout: 'both', pallet: 'XXCmix', item: 'CmixHashes', hashers: [], keys: [], type: 'XxSoftwareHashes',
      input: { ...hashes, extra }, value: { ...hashes, extra },
    });
  }
}

// --- cMix variables (docs/xx-node-facts.md §4.2) ------------------------------------------------------------
{
  // Every number distinct, so a field read from the wrong offset shows; two countries and two bins so the
  // sequences before the timeouts have a length to get wrong.
  const value = {
    performance: {
      period: '300000', points: { success: 10, failure: 190, block: 130 },
      countries: [['0x5553', 0], ['0x4445', 3]], multipliers: [[0, 1023], [3, 873]],
    },
    timeouts: { precomputation: '30000', realtime: '15000', advertisement: '3000' },
    scheduling: { team_size: 5, batch_size: 1000, min_delay: '80', pool_threshold: 300000 },
    registration: { max: 1001, period: '86400000' },
  };
  add({ layout: 'both', pallet: 'XXCmix', item: 'CmixVariables', hashers: [], keys: [], type: 'XxCmixVariables', input: value, value });
}

// ---------------------------------------------------------------------------------------------------------
// Encode, verify, emit
// ---------------------------------------------------------------------------------------------------------
const vectors = defs.map((d) => {
  const name = `${d.layout} ${d.pallet}.${d.item} [${d.keys.map((k) => u8aToHex(k)).join(', ')}]`;
  const encodedU8a = registry.createType(d.type, d.input).toU8a();
  const encoded = u8aToHex(encodedU8a);

  // Round trip: decode the bytes and compare with the value JSON built from the inputs.
  const decoded = registry.createType(d.type, encodedU8a);
  assert(decoded.encodedLength === encodedU8a.length, `${name}: decode did not consume all bytes`);
  const got = norm(decoded);
  if (!isDeepStrictEqual(got, d.value)) {
    throw new Error(`${name}: round trip mismatch\n want ${JSON.stringify(d.value)}\n got  ${JSON.stringify(got)}`);
  }
  assert(u8aToHex(decoded.toU8a()) === encoded, `${name}: re-encode differs`);

  // Points maps: total u32, compact length, then (32-byte key, u32) entries in strictly ascending key order.
  if (d.sortedMapKeys !== undefined) {
    assert(encodedU8a[4] === d.sortedMapKeys << 2, `${name}: map length prefix`);
    const ks = [];
    for (let i = 0; i < d.sortedMapKeys; i++) ks.push(u8aToHex(encodedU8a.subarray(5 + 36 * i, 5 + 36 * i + 32)));
    assert(isDeepStrictEqual(ks, Object.keys(d.value.individual)), `${name}: map keys not sorted in encoding`);
    assert(ks.every((k, i) => i === 0 || ks[i - 1] < k), `${name}: map keys not ascending`);
  }

  const key = storageKey(d.pallet, d.item, d.hashers, d.keys);
  return {
    layout: d.layout,
    pallet: d.pallet,
    item: d.item,
    hashers: d.hashers,
    keys: d.keys.map((k) => u8aToHex(k)),
    key: u8aToHex(key),
    type: d.type,
    value: d.value,
    encoded,
  };
});

// Every key must start with the item prefix and end with the raw key part (both hashers are "Concat").
for (const v of vectors) {
  const prefix = u8aToHex(u8aConcat(twox128(v.pallet), twox128(v.item)));
  assert(v.key.startsWith(prefix), `${v.item}: prefix`);
  if (v.keys.length) assert(v.key.endsWith(v.keys[v.keys.length - 1].slice(2)), `${v.item}: concat suffix`);
}

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify({ ss58, vectors }, null, 2) + '\n');
console.log(`wrote ${vectors.length} vectors to ${OUT}`);

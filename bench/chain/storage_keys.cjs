// Prints the storage keys of the chain collector's two steady-state state_queryStorageAt batches, as JSON, for the
// raw JSON-RPC reference loop (rpc_reference.py). The keys are built by @polkadot/api from the runtime's own metadata
// (an implementation independent of the exporter's), for the validator given as stash.
//
// usage: node bench/chain/storage_keys.cjs ws://127.0.0.1:PORT STASH_SS58 ACTIVE_ERA NEXT_ERA
// Needs the packages of tests/chain-tools (npm ci --prefix tests/chain-tools).
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

const tools = createRequire(path.resolve(__dirname, '../../tests/chain-tools/package.json'));
const { ApiPromise, WsProvider } = tools('@polkadot/api');

async function main() {
  const [url, stash, activeText, nextText] = process.argv.slice(2);
  if (!nextText) throw new Error('usage: storage_keys.cjs URL STASH ACTIVE_ERA NEXT_ERA');
  const active = Number(activeText), next = Number(nextText);
  const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
  try {
    const q = api.query;
    // Same items, same order as StakingReader.ReadAsync (legacy layout, spec <= 206: no XXStakingExtension).
    // Ledger is keyed by the controller: Bonded(stash), read here from the chain like the exporter does.
    const controller = (await q.staking.bonded(stash)).unwrap().toString();
    const first = [q.staking.activeEra.key(), q.staking.currentEra.key(), q.session.currentIndex.key(),
      q.session.validators.key(), q.staking.bonded.key(stash), q.staking.validators.key(stash)];
    // The add-ons' items come first: the rewards reader's HistoryDepth and Ledger (its claimed eras), the session
    // keys reader's NextKeys; then the active era's own items.
    const second = [q.staking.historyDepth.key(), q.staking.ledger.key(controller), q.session.nextKeys.key(stash),
      q.staking.erasStakers.key(active, stash), q.staking.erasRewardPoints.key(active),
      q.staking.erasStakers.key(next, stash), q.staking.ledger.key(controller)];
    process.stdout.write(JSON.stringify({ first, second }, null, 2) + '\n');
  } finally {
    await api.disconnect();
  }
}

main().catch((error) => { console.error(error); process.exit(1); });

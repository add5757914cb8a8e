#!/usr/bin/env bash
# Scrape latency and JSON-RPC requests per scrape of xx-exporter's chain collector against chopsticks (the real xx
# runtime, offline, with a staking picture set by dev_setStorage); the same calls sent straight to chopsticks as a
# reference, and an exporter without the chain collector as a baseline, in the same run. See README.md.
# Usage: bench/chain/run.sh [options]   (--help for the list)
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
OUT=$BENCH/out                       # build and results (gitignored)
EXPORTER_BIN=$OUT/xx-exporter/xx-exporter
CHOPSTICKS=$ROOT/tests/chain-tools/node_modules/@acala-network/chopsticks/chopsticks.cjs
SPEC=$ROOT/../shared/fixtures/xxchain/xxnetwork-raw-chainspec.sorted.json

WARMUP=10              # untimed scrapes first (the first one is timed on its own)
COUNT=1000             # timed scrapes (each round: exporter, baseline, raw calls over HTTP and WebSocket)
PUBLISH=auto           # auto: when the binary is missing or older than the sources; always; never

# The validators of tests/XxExporter.Tests/Chain/ChopsticksTests.cs (StakingChain), SS58 prefix 55:
# encodeAddress(pubkey, 55) of the well-known dev keys Alice, Bob, Charlie, Dave.
ALICE=6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtt
BOB=6YXN1Q6Lx3u8tr2WVr5myb3zNa3pVG5FL3ku8uqckR5RoA21
CHARLIE=6Ya25aEPH3nmXTSB2dg6yFWHChjCUZx6kq2Efv8j2pFx6PdE
DAVE=6WPk9kmMV4qSpYHCH765GdRiLsNgodZ2BsBCXN1Tvsmj7t6o
ACTIVE_ERA=10 NEXT_ERA=11

# log, die, free_port, wait_http, rss_kib, publish_exporter, new_results, end_summary (uses the variables above)
source "$BENCH/../lib.sh"

usage() {
  cat <<EOF
usage: bench/chain/run.sh [options]
  --count N        timed scrapes, at least 200 (default $COUNT)
  --warmup N       untimed scrapes first, the first one included and reported apart (default $WARMUP)
  --publish        always publish the exporter (default: only when missing or older than exporter/ sources)
  --no-publish     use $EXPORTER_BIN as it is
EOF
}

parse_args() {
  while (($#)); do
    case $1 in
      --count) COUNT=$2; shift ;;
      --warmup) WARMUP=$2; shift ;;
      --publish) PUBLISH=always ;;
      --no-publish) PUBLISH=never ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  ((COUNT >= 200)) || die "--count must be at least 200"
  ((WARMUP >= 2)) || die "--warmup must be at least 2"
}

# --- cleanup: only the processes and the folder this script started ---------------------------------------------

TMP=
XX_PID=
BASE_PID=
NODE_PID=
cleanup() {
  local pid
  for pid in $XX_PID $BASE_PID $NODE_PID; do kill "$pid" 2>/dev/null || true; done
  for pid in $XX_PID $BASE_PID $NODE_PID; do wait "$pid" 2>/dev/null || true; done
  [[ -n $TMP ]] && rm -rf "$TMP"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ------------------------------------------------------------------------------------------------------

# One JSON-RPC call over HTTP POST to chopsticks: method, params (JSON); prints the answer, stops on an error.
rpc() {
  local answer
  answer=$(curl -fsS -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$NODE_URL") || die "$1: no answer"
  [[ $answer == *'"result"'* ]] || die "$1: $answer"
  printf '%s\n' "$answer"
}

# A value of one metric line (exact series name with labels) in a /metrics text file.
metric() { awk -v name="$2" '$1 == name { print $2; exit }' "$1"; }

# --- steps --------------------------------------------------------------------------------------------------------

check_tools() {
  local tool
  for tool in node python3 curl; do command -v $tool >/dev/null || die "$tool missing"; done
  [[ -f $CHOPSTICKS ]] || die "chopsticks missing: npm ci --prefix tests/chain-tools"
  [[ -f $SPEC ]] || die "the xx chain spec is not at $SPEC"
}

# chopsticks on 127.0.0.1 in manual block mode (no block is ever built: the state stays as set). If the port is
# taken it silently takes the next one, so the real one is read from its "RPC listening on" line.
start_chopsticks() {
  local port line i
  port=$(free_port)
  : >"$TMP/chopsticks.log"
  node "$CHOPSTICKS" --genesis="$SPEC" --host 127.0.0.1 --port "$port" --build-block-mode=Manual >"$TMP/chopsticks.log" 2>&1 &
  NODE_PID=$!
  for i in $(seq 600); do
    line=$(grep -oE 'RPC listening on http://127\.0\.0\.1:[0-9]+' "$TMP/chopsticks.log" || true)
    [[ -n $line ]] && break
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $line ]] || { cat "$TMP/chopsticks.log" >&2; die "chopsticks did not start"; }
  NODE_PORT=${line##*:}
  NODE_URL=http://127.0.0.1:$NODE_PORT
  log "chopsticks $(chopsticks_version) on 127.0.0.1:$NODE_PORT (pid $NODE_PID), ready $((i / 10)).$((i % 10)) s after start"
}

chopsticks_version() { node -p "require('$(dirname "$CHOPSTICKS")/package.json').version"; }

# The staking picture of ChopsticksTests.StakingChain, in decoded form (chopsticks encodes it with the runtime's
# types): era 10 active, era 11 elected; Alice active with one nominator, elected next, 100 of 300 points.
set_staking_state() {
  local prefs='{"commission": 100000000, "blocked": false}'
  local solo='{"total": 1000000000000, "own": 1000000000000, "others": []}'
  local a=$ALICE b=$BOB c=$CHARLIE d=$DAVE
  rpc dev_setStorage "[{
    \"Staking\": {
      \"ActiveEra\": {\"index\": $ACTIVE_ERA, \"start\": 1700000000000},
      \"CurrentEra\": $NEXT_ERA,
      \"Validators\": [[[\"$a\"], $prefs], [[\"$b\"], $prefs], [[\"$d\"], $prefs]],
      \"ErasRewardPoints\": [
        [[10], {\"total\": 300, \"individual\": {\"$a\": 100, \"$b\": 200}}],
        [[9], {\"total\": 80, \"individual\": {\"$b\": 80}}]],
      \"ErasStakers\": [
        [[9, \"$a\"], $solo], [[9, \"$b\"], $solo],
        [[10, \"$a\"], {\"total\": 2000000000000, \"own\": 1000000000000, \"others\": [{\"who\": \"$d\", \"value\": 1000000000000}]}],
        [[10, \"$b\"], $solo], [[10, \"$c\"], $solo],
        [[11, \"$a\"], $solo], [[11, \"$c\"], $solo]],
      \"Bonded\": [[[\"$a\"], \"$a\"], [[\"$b\"], \"$b\"], [[\"$c\"], \"$c\"], [[\"$d\"], \"$d\"]],
      \"Ledger\": [[[\"$a\"], {\"stash\": \"$a\", \"total\": 1000000000000, \"active\": 1000000000000, \"unlocking\": [],
                             \"claimedRewards\": [], \"cmixId\": \"0x$(printf '1%.0s' {1..64})\"}]]
    },
    \"Session\": {\"Validators\": [\"$a\", \"$b\", \"$c\"], \"CurrentIndex\": 31}
  }]" >/dev/null
  log "staking state set (dev_setStorage); validator under test: Alice $ALICE"
}

# The exporter under test (chain collector on Alice, over one WebSocket), and a baseline without the chain
# collector; both on 127.0.0.1 with an empty log folder (the log followers find no files and idle), no Postgres.
start_exporters() {
  XX_PORT=$(free_port) BASE_PORT=$(free_port)
  while [[ $BASE_PORT == "$XX_PORT" ]]; do BASE_PORT=$(free_port); done
  mkdir -p "$TMP/logs"
  "$EXPORTER_BIN" --web.listen-address="127.0.0.1:$XX_PORT" --logs.dir="$TMP/logs" \
    --chain.rpc-url "ws://127.0.0.1:$NODE_PORT" --chain.stash "$ALICE" --chain.idf-path /nonexistent \
    >"$TMP/xx-exporter.log" 2>&1 &
  XX_PID=$!
  "$EXPORTER_BIN" --web.listen-address="127.0.0.1:$BASE_PORT" --logs.dir="$TMP/logs" --chain.rpc-url= \
    >"$TMP/xx-exporter-no-chain.log" 2>&1 &
  BASE_PID=$!
  # Ready once /-/healthy answers: it runs no collector (the status page at / would), so the first /metrics is the first read.
  wait_http "http://127.0.0.1:$XX_PORT/-/healthy" xx-exporter "$XX_PID" "$TMP/xx-exporter.log"
  wait_http "http://127.0.0.1:$BASE_PORT/-/healthy" xx-exporter-no-chain "$BASE_PID" "$TMP/xx-exporter-no-chain.log"
  log "xx-exporter on 127.0.0.1:$XX_PORT (pid $XX_PID), without the chain collector on 127.0.0.1:$BASE_PORT (pid $BASE_PID)"
}

# The very first scrape: loads the runtime metadata (state_getMetadata: 274 KB of SCALE, ~550 KB as hex) and reads
# every finished era of the window once. Timed on its own, with the requests it sent.
first_scrape() {
  local seconds
  seconds=$(curl -fsS -o "$RESULTS/first-scrape.metrics.txt" -w '%{time_total}' "http://127.0.0.1:$XX_PORT/metrics")
  local f=$RESULTS/first-scrape.metrics.txt
  [[ $(metric "$f" xx_chain_up) == 1 ]] || { grep -v '^#' "$f" | grep -E '^xx_(chain|exporter_collector)' >&2; die "the first scrape does not show the chain up"; }
  printf '{"ms": %s, "requests": %s, "server_ms": %s, "staking_ms": %s, "body_bytes": %s}\n' \
    "$(awk -v s="$seconds" 'BEGIN { print s * 1000 }')" "$(metric "$f" xx_chain_rpc_requests_total)" \
    "$(awk -v s="$(metric "$f" 'xx_exporter_collector_duration_seconds{collector="chain"}')" 'BEGIN { print s * 1000 }')" \
    "$(awk -v s="$(metric "$f" 'xx_exporter_collector_duration_seconds{collector="staking"}')" 'BEGIN { print s * 1000 }')" \
    "$(wc -c <"$f")" >"$RESULTS/first-scrape.json"
  log "first scrape: $(cat "$RESULTS/first-scrape.json")"
}

# The storage keys of the collector's two steady-state batches, built by @polkadot/api (for the raw reference).
storage_keys() {
  node "$BENCH/storage_keys.cjs" "ws://127.0.0.1:$NODE_PORT" "$ALICE" "$ACTIVE_ERA" "$NEXT_ERA" \
    >"$RESULTS/keys.json" 2>"$TMP/keys.log" || { cat "$TMP/keys.log" >&2; die "storage_keys.cjs failed"; }
}

measure() {
  log "scraping: $((WARMUP - 1)) more warm-up + $COUNT timed rounds (exporter, baseline, raw JSON-RPC over HTTP and WebSocket)"
  python3 "$BENCH/scrape.py" --url "http://127.0.0.1:$XX_PORT/metrics" --baseline "http://127.0.0.1:$BASE_PORT/metrics" \
    --node "$NODE_URL" --keys "$RESULTS/keys.json" --pid "$XX_PID" --baseline-pid "$BASE_PID" --warmup $((WARMUP - 1)) --count "$COUNT" \
    --json "$RESULTS/scrapes.json" >&2
  printf '{"xx-exporter": [%s, %s], "baseline": [%s, %s], "chopsticks": [%s, %s]}\n' \
    "$(rss_kib "$XX_PID" VmRSS)" "$(rss_kib "$XX_PID" VmHWM)" "$(rss_kib "$BASE_PID" VmRSS)" "$(rss_kib "$BASE_PID" VmHWM)" \
    "$(rss_kib "$NODE_PID" VmRSS)" "$(rss_kib "$NODE_PID" VmHWM)" >"$RESULTS/rss.json"
  curl -fsS "http://127.0.0.1:$XX_PORT/metrics" >"$RESULTS/xx-exporter.metrics.txt"
  cp "$TMP/xx-exporter.log" "$RESULTS/xx-exporter.log"
}

machine_facts() {
  host_facts
  echo "- node $(node --version), chopsticks $(chopsticks_version), python $(python3 -c 'import platform; print(platform.python_version())')"
  exporter_facts
}

report() {
  python3 - "$RESULTS/scrapes.json" "$RESULTS/first-scrape.json" "$RESULTS/rss.json" >"$RESULTS/summary.md" <<'EOF'
import json, sys
r, first, rss = (json.load(open(p)) for p in sys.argv[1:4])
x, b, h, w = r["exporter"], r["baseline"], r["reference_http"], r["reference_ws"]
mib = lambda kib: f"{kib / 1024:.1f}"
print(f"{x['scrapes']} timed rounds; {x['series']} series ({x['body_bytes']} bytes) per exporter scrape\n")
print("| what | median ms | p99 ms | mean ms |")
print("|---|---|---|---|")
print(f"| /metrics scrape, exporter with the chain collector | {x['median_ms']:.2f} | {x['p99_ms']:.2f} | {x['mean_ms']:.2f} |")
print(f"| &nbsp; its chain collection (xx_exporter_collector_duration_seconds) | {x['server_median_ms']:.2f} | {x['server_p99_ms']:.2f} | |")
print(f"| &nbsp; of which the staking reads | {x['staking_median_ms']:.2f} | | |")
print(f"| /metrics scrape, exporter without the chain collector | {b['median_ms']:.2f} | {b['p99_ms']:.2f} | {b['mean_ms']:.2f} |")
print(f"| the same {h['calls_per_round']} JSON-RPC calls straight to chopsticks, HTTP POST | {h['median_ms']:.2f} | {h['p99_ms']:.2f} | {h['mean_ms']:.2f} |")
print(f"| the same {w['calls_per_round']} JSON-RPC calls straight to chopsticks, WebSocket | {w['median_ms']:.2f} | {w['p99_ms']:.2f} | {w['mean_ms']:.2f} |")
print()
print(f"- JSON-RPC requests per steady-state scrape: {x['requests_per_scrape']:g} "
      f"(min {x['requests_per_scrape_min']:g}, max {x['requests_per_scrape_max']:g}; {x['requests_total']:g} in all)")
print(f"- first scrape: {first['ms']:.1f} ms ({first['server_ms']:.1f} ms chain collection, {first['staking_ms']:.1f} ms of it staking), "
      f"{first['requests']:g} requests")
print(f"- CPU per scrape (utime + stime over the timed rounds / scrapes): xx-exporter {x['cpu_ms_per_scrape']:.2f} ms, "
      f"without the chain collector {b['cpu_ms_per_scrape']:.2f} ms")
print(f"- RSS after the run, MiB (peak): xx-exporter {mib(rss['xx-exporter'][0])} ({mib(rss['xx-exporter'][1])}), "
      f"without the chain collector {mib(rss['baseline'][0])} ({mib(rss['baseline'][1])}), "
      f"chopsticks {mib(rss['chopsticks'][0])} ({mib(rss['chopsticks'][1])})")
print(f"- per-call medians straight to chopsticks, ms: HTTP {h['method_median_ms']}; WebSocket {w['method_median_ms']}")
EOF
  end_summary
}

main() {
  parse_args "$@"
  check_tools
  new_results
  publish_exporter
  TMP=$(mktemp -d /tmp/xx-chain-bench.XXXXXX)
  start_chopsticks
  set_staking_state
  start_exporters
  first_scrape
  storage_keys
  measure
  report
}

main "$@"

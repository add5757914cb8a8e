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

WARMUP=10              # untimed scrapes first (the first one is timed on its own)
COUNT=1000             # timed scrapes (each round: exporter, baseline, raw calls over HTTP and WebSocket)
PUBLISH=auto           # auto: when the binary is missing or older than the sources; always; never
COMPARE=               # a git revision: a second exporter built from it, with the same chain collector, in the same rounds

# log, die, processes and cleanup, chopsticks and the staking picture (ALICE...), publish_exporter, results
# (uses the variables above)
source "$BENCH/../lib.sh"

usage() {
  cat <<EOF
usage: bench/chain/run.sh [options]
  --count N        timed scrapes, at least 200 (default $COUNT)
  --warmup N       untimed scrapes first, the first one included and reported apart (default $WARMUP)
  --publish        always publish the exporter (default: only when missing or older than exporter/ sources)
  --no-publish     use $EXPORTER_BIN as it is
  --compare REV    also scrape an exporter built from git revision REV (git archive) with the same chain collector,
                   in the same rounds: the ratio of the two is what this noisy machine can tell
EOF
}

parse_args() {
  while (($#)); do
    case $1 in
      --count) COUNT=$2; shift ;;
      --warmup) WARMUP=$2; shift ;;
      --publish) PUBLISH=always ;;
      --no-publish) PUBLISH=never ;;
      --compare) COMPARE=$2; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  ((COUNT >= 200)) || die "--count must be at least 200"
  ((WARMUP >= 2)) || die "--warmup must be at least 2"
}

# --- helpers ------------------------------------------------------------------------------------------------------

# A value of one metric line (exact series name with labels) in a /metrics text file.
metric() { awk -v name="$2" '$1 == name { print $2; exit }' "$1"; }

# --- steps --------------------------------------------------------------------------------------------------------

check_tools() {
  local tool
  for tool in python3 curl; do command -v $tool >/dev/null || die "$tool missing"; done
  check_chopsticks
}

# The exporter built from --compare REV, beside the one under test (auto: reused while REV's build is there).
publish_compare() {
  [[ -n $COMPARE ]] || return 0
  EXPORTER_BIN=$COMPARE_BIN SOURCE=$COMPARE PUBLISH=$([[ $PUBLISH == never ]] && echo never || echo auto) publish_exporter
}
COMPARE_BIN=$OUT/compare/xx-exporter

# The exporter under test (chain collector on Alice, over one WebSocket), and a baseline without the chain
# collector; both on 127.0.0.1 with an empty log folder (the log followers find no files and idle), no Postgres.
# With --compare, the exporter built from REV reads the same node the same way.
start_exporters() {
  XX_PORT=$(free_port) BASE_PORT=$(free_port) CMP_PORT=$(free_port)
  while [[ $BASE_PORT == "$XX_PORT" || $CMP_PORT == "$XX_PORT" || $CMP_PORT == "$BASE_PORT" ]]; do
    BASE_PORT=$(free_port) CMP_PORT=$(free_port)
  done
  mkdir -p "$TMP/logs"
  local chain=(--chain.rpc-url "ws://127.0.0.1:$NODE_PORT" --chain.stash "$ALICE" --chain.idf-path /nonexistent)
  # Builds with the DNS check resolve two public names at each scrape, waiting up to its timeout (5 s) on this
  # offline machine: off. An environment variable, because older builds (--compare) ignore it where a flag would stop them.
  export XX_EXPORTER_CHECKS__DNSNAMES=
  start_bg "$EXPORTER_BIN" --web.listen-address="127.0.0.1:$XX_PORT" --logs.dir="$TMP/logs" "${chain[@]}" \
    >"$TMP/xx-exporter.log" 2>&1
  XX_PID=$!
  if [[ -n $COMPARE ]]; then
    start_bg "$COMPARE_BIN" --web.listen-address="127.0.0.1:$CMP_PORT" --logs.dir="$TMP/logs" "${chain[@]}" \
      >"$TMP/xx-exporter-compare.log" 2>&1
    CMP_PID=$!
    wait_http "http://127.0.0.1:$CMP_PORT/-/healthy" "xx-exporter from $COMPARE" "$CMP_PID" "$TMP/xx-exporter-compare.log"
    log "xx-exporter from $COMPARE on 127.0.0.1:$CMP_PORT (pid $CMP_PID)"
  fi
  start_bg "$EXPORTER_BIN" --web.listen-address="127.0.0.1:$BASE_PORT" --logs.dir="$TMP/logs" --chain.rpc-url= \
    >"$TMP/xx-exporter-no-chain.log" 2>&1
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
    --json "$RESULTS/scrapes.json" ${COMPARE:+--compare "http://127.0.0.1:$CMP_PORT/metrics" --compare-pid "$CMP_PID"} >&2
  printf '{"xx-exporter": [%s, %s], "baseline": [%s, %s], "chopsticks": [%s, %s]%s}\n' \
    "$(rss_kib "$XX_PID" VmRSS)" "$(rss_kib "$XX_PID" VmHWM)" "$(rss_kib "$BASE_PID" VmRSS)" "$(rss_kib "$BASE_PID" VmHWM)" \
    "$(rss_kib "$NODE_PID" VmRSS)" "$(rss_kib "$NODE_PID" VmHWM)" \
    "${COMPARE:+, \"compare\": [$(rss_kib "$CMP_PID" VmRSS), $(rss_kib "$CMP_PID" VmHWM)]}" >"$RESULTS/rss.json"
  curl -fsS "http://127.0.0.1:$XX_PORT/metrics" >"$RESULTS/xx-exporter.metrics.txt"
  cp "$TMP/xx-exporter.log" "$RESULTS/xx-exporter.log"
}

machine_facts() {
  host_facts
  echo "- node $(node --version), chopsticks $(chopsticks_version), python $(python3 -c 'import platform; print(platform.python_version())')"
  exporter_facts
  if [[ -n $COMPARE ]]; then EXPORTER_BIN=$COMPARE_BIN exporter_facts; fi
}

report() {
  python3 - "$RESULTS/scrapes.json" "$RESULTS/first-scrape.json" "$RESULTS/rss.json" "$COMPARE" >"$RESULTS/summary.md" <<'EOF'
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
if (c := r.get("compare")) is not None:
    print(f"\nCompared in the same rounds with the exporter built from {sys.argv[4]} (this build ÷ that one):\n")
    print("| | this build | compare | ratio |")
    print("|---|---|---|---|")
    for what, key in (("scrape median ms", "median_ms"), ("scrape p99 ms", "p99_ms"), ("scrape mean ms", "mean_ms"),
                      ("CPU ms / scrape", "cpu_ms_per_scrape")):
        print(f"| {what} | {x[key]:.2f} | {c[key]:.2f} | {x[key] / c[key]:.2f} |")
    print(f"| RSS MiB after the run | {mib(rss['xx-exporter'][0])} | {mib(rss['compare'][0])} | {rss['xx-exporter'][0] / rss['compare'][0]:.2f} |")
    print(f"| scrape median ÷ raw WebSocket median | {x['median_ms'] / w['median_ms']:.2f} | {c['median_ms'] / w['median_ms']:.2f} | |")
EOF
  end_summary
}

main() {
  parse_args "$@"
  check_tools
  new_results
  publish_exporter
  publish_compare
  make_tmp xx-chain-bench
  start_chopsticks
  set_staking_state
  start_exporters
  first_scrape
  storage_keys
  measure
  report
}

main "$@"

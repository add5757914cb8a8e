#!/usr/bin/env bash
# Executable size and steady RSS of xx-exporter as the project builds it (.NET's messages are sentences) against the
# same sources with -p:UseSystemResourceKeys=true (messages are resource keys): issue 12 item 4. See bench/README.md.
# Usage: bench/resource-keys/run.sh [options]   (--help for the list)
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
OUT=$BENCH/out            # builds and results (gitignored)
ROUNDS=2                  # A, B per round: the builds alternate so that drift on the machine hits both
SCRAPES=1000              # back-to-back scrapes per run on one keep-alive connection
SETTLE=5                  # seconds between the last scrape and reading /proc/PID/status
CLIENT=python            # python: bench/keepalive.py (Accept: text/plain); curl: one curl over one connection, as bench/run.sh
PUBLISH=auto

source "$BENCH/../lib.sh"

usage() {
  cat <<EOF2
usage: bench/resource-keys/run.sh [options]
  --rounds N     runs of each build, alternating (default $ROUNDS)
  --scrapes N    scrapes per run (default $SCRAPES)
  --curl         scrape with curl "URL?n=[1-N]" (one connection, Accept: */*) instead of bench/keepalive.py
  --publish      always publish both builds (default: only when missing or older than exporter/ sources)
  --no-publish   use $OUT/sentences and $OUT/keys as they are
EOF2
}

while (($#)); do
  case $1 in
    --rounds) ROUNDS=$2; shift ;;
    --scrapes) SCRAPES=$2; shift ;;
    --curl) CLIENT=curl ;;
    --publish) PUBLISH=always ;;
    --no-publish) PUBLISH=never ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
  shift
done

EXPORTER_BIN=$OUT/sentences/xx-exporter publish_exporter
PUBLISH_ARGS=(-p:UseSystemResourceKeys=true)
EXPORTER_BIN=$OUT/keys/xx-exporter publish_exporter
PUBLISH_ARGS=()

make_tmp xx-bench-rk
mkdir "$TMP/logs"   # the log source on an empty folder; every other source that reads the machine is off
new_results
printf 'build\tround\tbytes\tVmRSS\tVmHWM\tRssAnon\tRssFile\tThreads\tmedian_ms\n' >"$RESULTS/runs.tsv"

# One run: start the build as a server, scrape it SCRAPES times, let it settle, read /proc/PID/status, stop it.
measure() {
  local name=$1 round=$2 bin=$OUT/$1/xx-exporter port pid median
  port=$(free_port)
  start_bg nice -n -10 "$bin" --web.listen-address "127.0.0.1:$port" --logs.dir "$TMP/logs" \
    --checks.backups "" --checks.certificates "" --checks.probes "" --checks.dns-names "" --checks.gateway-config "" \
    --binaries.paths "" --chain.rpc-url "" >"$TMP/$name-$round.log" 2>&1
  pid=$!
  wait_http "http://127.0.0.1:$port/metrics" "$name" "$pid" "$TMP/$name-$round.log"
  if [[ $CLIENT == curl ]]; then
    median=$(curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics?n=[1-$SCRAPES]" |
      sort -n | awk '{ t[NR] = $1 } END { printf "%.3f", t[int((NR + 1) / 2)] * 1000 }')
  else
    median=$(python3 - "http://127.0.0.1:$port/metrics" "$SCRAPES" <<'PY'
import os, statistics, sys
sys.path.insert(0, os.environ["BENCH_LIB"])  # bench/keepalive.py
from keepalive import KeepAlive
client, ms = KeepAlive(sys.argv[1]), []
for _ in range(int(sys.argv[2])):
    ms.append(client.scrape("exporter")[1])
client.close()
print(f"{statistics.median(ms):.3f}")
PY
)
  fi
  sleep "$SETTLE"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$(stat -c %s "$bin")" "$(rss_kib "$pid" VmRSS)" \
    "$(rss_kib "$pid" VmHWM)" "$(rss_kib "$pid" RssAnon)" "$(rss_kib "$pid" RssFile)" "$(rss_kib "$pid" Threads)" \
    "$median" >>"$RESULTS/runs.tsv"
  cp "$TMP/$name-$round.log" "$RESULTS/"
  stop_bg "$pid"
  log "$name round $round: $(tail -1 "$RESULTS/runs.tsv")"
}

export BENCH_LIB=$BENCH/..
for round in $(seq "$ROUNDS"); do
  measure sentences "$round"
  measure keys "$round"
done

python3 - "$RESULTS/runs.tsv" >"$RESULTS/summary.md" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = {b: {k: statistics.median(float(r[k]) for r in rows if r["build"] == b) for k in rows[0] if k not in ("build", "round")}
       for b in ("sentences", "keys")}
print(f"Medians of {len(rows) // 2} runs each (memory in MiB from /proc/PID/status; size in bytes).\n")
print("| build | executable bytes | VmRSS | VmHWM | RssAnon | RssFile | threads | scrape median ms |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for b, label in (("sentences", "sentences (the project)"), ("keys", "UseSystemResourceKeys=true")):
    m = med[b]
    print(f"| {label} | {m['bytes']:,.0f} | {m['VmRSS']/1024:.1f} | {m['VmHWM']/1024:.1f} | {m['RssAnon']/1024:.1f} | "
          f"{m['RssFile']/1024:.1f} | {m['Threads']:.0f} | {m['median_ms']:.2f} |")
s, k = med["sentences"], med["keys"]
print(f"| sentences - keys | {s['bytes'] - k['bytes']:+,.0f} | {(s['VmRSS'] - k['VmRSS'])/1024:+.1f} | "
      f"{(s['VmHWM'] - k['VmHWM'])/1024:+.1f} | {(s['RssAnon'] - k['RssAnon'])/1024:+.1f} | "
      f"{(s['RssFile'] - k['RssFile'])/1024:+.1f} | | |")
PY

machine_facts() {
  host_facts
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); rounds: $ROUNDS, scrapes per run: $SCRAPES with $CLIENT"
  EXPORTER_BIN=$OUT/sentences/xx-exporter exporter_facts
  EXPORTER_BIN=$OUT/keys/xx-exporter exporter_facts
}
end_summary

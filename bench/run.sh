#!/usr/bin/env bash
# Benchmark of xx-exporter against `wc -l` (the read limit) and mtail, plus the running exporter's RSS.
# See README.md for what is measured and why. Usage: bench/run.sh [--quick] [options]   (--help for the list)
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out            # builds, outputs, results (gitignored)
DATA=$BENCH/data          # generated logs (gitignored), reused across runs
RESULTS=$OUT/results

BIG_BYTES=1073741824      # --bytes for the big cmix.log (1 GiB: cmix.log ends up just under, > 1 GB)
SMALL_BYTES=10485760      # --bytes for the small one
LONG_LINES=5              # about this many 200 KB lines per one-shot file
LONG_LINE_BYTES=200000
RUNS=7                    # one-shot runs per tool and size; the median is reported
MTAIL_RUNS=3              # mtail takes over two minutes on the big file, so it joins only the first runs
LIVE_SECONDS=24           # how long lines are appended to the running exporter
FEED_BYTES=600000         # bytes appended in that time (all four logs)
SCRAPES=3000              # back-to-back scrapes after the feed: what days of uptime do to the GC's budgets
PORT=39420                # first loopback port; each live run takes the next one
SETTINGS=1                # also measure the runtime-settings variants
SOURCE=                   # empty: build the working tree; else a git revision, exported with git archive
SRC=$ROOT                 # the tree that is built

# Builds of the exporter: name|dotnet publish arguments. "aot" is the project as it is; each other AOT build changes
# one thing. Native AOT compiles GC choices in: the workstation-only GC is linked unless ServerGarbageCollection=true
# (DOTNET_gcServer=1 does nothing then), and GCgen0size is read only from options embedded at build time
# (msbuild/gen0.targets swaps the project's one).
BUILDS=(
  "aot|-r linux-x64"
  "aot-default-gen0|-r linux-x64 -p:BenchGen0Size=default"
  "aot-gen0-4MiB|-r linux-x64 -p:BenchGen0Size=400000"
  "aot-size|-r linux-x64 -p:OptimizationPreference=Size"
  "aot-server-gc|-r linux-x64 -p:ServerGarbageCollection=true"
  "aot-concurrent-gc|-r linux-x64 -p:ConcurrentGarbageCollection=true"
  "jit|-r linux-x64 --self-contained false -p:PublishAot=false"
)

# Exporter variants: name|build|launcher (native or dotnet)|extra environment, read at run time (aot-default-gen0-env
# shows whether the AOT runtime reads GCgen0size from the environment).
VARIANTS=(
  "aot|aot|native|"
  "aot-default-gen0|aot-default-gen0|native|"
  "aot-default-gen0-env|aot-default-gen0|native|DOTNET_GCgen0size=0x100000"
  "aot-gen0-4MiB|aot-gen0-4MiB|native|"
  "aot-size|aot-size|native|"
  "aot-server-gc|aot-server-gc|native|"
  "aot-server-gc-no-datas|aot-server-gc|native|DOTNET_GCDynamicAdaptationMode=0"
  "aot-concurrent-gc|aot-concurrent-gc|native|"
  "jit|jit|dotnet|"
  "jit-gen0-1MiB|jit|dotnet|DOTNET_GCgen0size=0x100000"
  "jit-server-gc|jit|dotnet|DOTNET_gcServer=1"
  "jit-concurrent-gc|jit|dotnet|DOTNET_gcConcurrent=1"
)

# The running exporter follows the logs only: no chain node, backups, certificates or probe targets exist here,
# and collectors failing at every scrape would measure error paths. Environment, so older revisions ignore it.
LOGS_ONLY=(XX_EXPORTER_CHAIN__RPCURL= XX_EXPORTER_CHECKS__BACKUPS= XX_EXPORTER_CHECKS__CERTIFICATES= XX_EXPORTER_CHECKS__PROBES=)

# log, die, rss_kib, wait_http, start_bg/stop_bg and cleanup, dotnet_publish (its builds are many and include the
# simulator: publish below, not lib.sh's publish_exporter)
source "$BENCH/lib.sh"

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --quick            100 MiB big file, 3 runs, 10 s live runs (a smoke test of the harness)
  --big-bytes N      size of the big cmix.log (default $BIG_BYTES)
  --small-bytes N    size of the small cmix.log (default $SMALL_BYTES)
  --runs N           one-shot runs per tool and size, at least 3 (default $RUNS)
  --mtail-runs N     one-shot runs of mtail, at least 3, at most --runs (default $MTAIL_RUNS)
  --live-seconds N   duration of each running-exporter measurement (default $LIVE_SECONDS)
  --scrapes N        back-to-back scrapes after the feed (default $SCRAPES)
  --no-settings      only the project's build (Native AOT, workstation non-concurrent GC), no variants
  --port N           first loopback port to use (default $PORT)
  --source REV       build exporter and simulator from git revision REV (git archive) instead of the working tree
EOF
}

parse_args() {
  while (($#)); do
    case $1 in
      --quick) BIG_BYTES=104857600 RUNS=3 MTAIL_RUNS=3 LIVE_SECONDS=10 FEED_BYTES=250000 ;;
      --big-bytes) BIG_BYTES=$2; shift ;;
      --small-bytes) SMALL_BYTES=$2; shift ;;
      --runs) RUNS=$2; shift ;;
      --mtail-runs) MTAIL_RUNS=$2; shift ;;
      --live-seconds) LIVE_SECONDS=$2; shift ;;
      --scrapes) SCRAPES=$2; shift ;;
      --no-settings) SETTINGS=0 ;;
      --port) PORT=$2; shift ;;
      --source) SOURCE=$2; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  ((RUNS >= 3 && MTAIL_RUNS >= 3)) || die "--runs and --mtail-runs must be at least 3 (medians)"
  ((MTAIL_RUNS <= RUNS)) || MTAIL_RUNS=$RUNS
  ((SETTINGS)) || VARIANTS=("${VARIANTS[0]}")
}

# --- builds ----------------------------------------------------------------------------------------------

# A pinned revision is exported (read-only for the repository) so the numbers belong to one commit.
prepare_source() {
  [[ -n $SOURCE ]] || return 0
  SRC=$OUT/src
  rm -rf "$SRC" && mkdir -p "$SRC"
  git -C "$ROOT" archive "$SOURCE" | tar -x -C "$SRC"
}

publish() {
  local project=$1 name=$2; shift 2
  log "publishing $name"
  dotnet_publish "$SRC/$project" "$name" "$@"
}

# Publishes the builds the variants use, and records each one's size and the runtime options compiled into it.
build_all() {
  local build args
  publish simulator simulator
  for build in $(printf '%s\n' "${VARIANTS[@]}" | cut -d'|' -f2 | sort -u); do
    args=$(printf '%s\n' "${BUILDS[@]}" | grep "^$build|" | cut -d'|' -f2)
    # shellcheck disable=SC2086 # the table holds whole argument lists
    publish exporter "$build" $args -p:CustomAfterMicrosoftCommonTargets="$BENCH/msbuild/gen0.targets"
    describe_build "$build"
  done
}

# Size of a published build without symbols, and its GC options: compiled in (AOT, from the ILC response file) or
# in runtimeconfig.json (JIT).
describe_build() {
  local build=$1
  printf '%s\t%s\t%s\n' "$build" "$(du -sb --exclude='*.dbg' --exclude='*.pdb' "$OUT/$build" | cut -f1)" \
    "$( (cat "$OUT/artifacts/$build"/obj/XxExporter/*/native/*.ilc.rsp "$OUT/$build"/*.runtimeconfig.json 2>/dev/null || true) |
      grep -o -e '--runtimeopt.*' -e '--runtimeknob:System.GC.*' -e '"System.GC[^,]*' | tr -d '"' | tr '\n' ' ')" >>"$RESULTS/builds.tsv"
}

# Sets CMD to the command line of exporter variant $1 (without its flags).
variant_cmd() {
  local name build launcher env
  IFS='|' read -r name build launcher env <<<"$(printf '%s\n' "${VARIANTS[@]}" | grep "^$1|")"
  CMD=(env ${env:+"$env"})
  if [[ $launcher == native ]]; then CMD+=("$OUT/$build/xx-exporter"); else CMD+=(dotnet "$OUT/$build/xx-exporter.dll"); fi
}

variant_names() { printf '%s\n' "${VARIANTS[@]}" | cut -d'|' -f1; }

# --- data ------------------------------------------------------------------------------------------------

# Generates a log set into $DATA/$1 (reused if complete) and its ground truth into truth.json.
generate() {
  local name=$1 dir=$DATA/$1; shift
  if [[ -s $dir/truth.json ]]; then log "reusing $dir"; return; fi
  log "generating $dir ($*)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  dotnet "$OUT/simulator/xx-simulator.dll" logs "$dir.tmp" "$@" >"$dir.tmp/truth.json"
  mv "$dir.tmp" "$dir"
}

# A cmix.log of about $2 bytes with ~LONG_LINES long lines (the simulator writes ~9 KB per round).
generate_oneshot_set() {
  local name=$1 bytes=$2
  generate "$name" --bytes "$bytes" --no-gateway --long-line-bytes "$LONG_LINE_BYTES" \
    --long-line-every $((bytes / 9000 / LONG_LINES > 0 ? bytes / 9000 / LONG_LINES : 1))
}

# mtail stops reading a file, silently, at its first invalid UTF-8 byte (google/mtail#698). iconv -c drops
# the invalid bytes and nothing else (NUL bytes and newlines stay), so mtail reads the same lines.
mtail_copy() {
  local dir=$DATA/$1
  if [[ ! -s $dir/mtail/cmix.log ]]; then
    mkdir -p "$dir/mtail"
    iconv -f utf-8 -t utf-8 -c "$dir/cmix.log" >"$dir/mtail/cmix.tmp"
    mv "$dir/mtail/cmix.tmp" "$dir/mtail/cmix.log"
  fi
  [[ $(wc -l <"$dir/cmix.log") == $(wc -l <"$dir/mtail/cmix.log") ]] || die "mtail copy of $dir/cmix.log lost lines"
}

# Facts about a one-shot file for the report: lines, bytes, long lines, lines with invalid UTF-8, bytes iconv dropped.
describe_set() {
  local set=$1 dir=$DATA/$1
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$(wc -l <"$dir/cmix.log")" "$(stat -c %s "$dir/cmix.log")" \
    "$(awk 'length > 100000' "$dir/cmix.log" | wc -l)" "$(LC_ALL=C.UTF-8 grep -a -c -v -x '.*' "$dir/cmix.log" || true)" \
    "$(($(stat -c %s "$dir/cmix.log") - $(stat -c %s "$dir/mtail/cmix.log")))" >>"$RESULTS/sets.tsv"
}

# Reads the files once so every measured run reads from the page cache, and records that they are cached.
warm_cache() {
  cat "$@" >/dev/null
  fincore "$@" >"$RESULTS/page-cache.txt"
}

# --- one-shot --------------------------------------------------------------------------------------------

# Runs "$@" once, stdout to $4; appends set, tool, run, wall µs, peak RSS KiB, CPU s to timings.tsv.
# Wall time comes from date (ns): GNU time's %e has only 10 ms resolution. Its %M gives the peak RSS.
# nice -10: other jobs on this shared 2-core machine then take less of the measured process's time.
measure() {
  local set=$1 tool=$2 run=$3 out=$4 start end rss user sys; shift 4
  start=$(date +%s%N)
  nice -n -10 /usr/bin/time -f '%M %U %S' -o "$OUT/time.txt" "$@" >"$out" 2>>"$OUT/oneshot-stderr.log" || die "$tool on $set (see $OUT/oneshot-stderr.log)"
  end=$(date +%s%N)
  read -r rss user sys < <(tail -1 "$OUT/time.txt")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$tool" "$run" "$(((end - start) / 1000))" "$rss" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" >>"$RESULTS/timings.tsv"
}

# One run of one tool on one set: wc, mtail or an exporter variant. mtail gets the UTF-8-cleaned copy and a
# loopback address (in one-shot mode it still opens its HTTP listener, on [::]:3903 by default).
oneshot_one() {
  local set=$1 run=$2 tool=$3 dir=$DATA/$1 outdir=$OUT/oneshot/$1
  mkdir -p "$outdir"
  case $tool in
    wc) measure "$set" "wc -l" "$run" "$outdir/wc.txt" wc -l "$dir/cmix.log" ;;
    mtail) measure "$set" mtail "$run" "$outdir/mtail.prom" mtail --progs "$BENCH/mtail" --logs "$dir/mtail/cmix.log" \
      --one_shot --one_shot_format prometheus --logtostderr --address 127.0.0.1 --port "$PORT" ;;
    *) variant_cmd "$tool"
      measure "$set" "exporter $tool" "$run" "$outdir/exporter-$tool.prom" "${CMD[@]}" \
        --once --logs.dir "$dir" --logs.enabled cmix --logs.timezone UTC ;;
  esac
}

# Runs are interleaved (run 1 of every tool, then run 2...) and each run starts one tool later, so drift and
# after-effects on this noisy machine (whatever follows a 150 s mtail run was seen to run slower) spread over all tools.
oneshot_all() {
  local tools=(wc mtail $(variant_names)) run set i tool
  for ((run = 1; run <= RUNS; run++)); do
    for set in small big; do
      log "one-shot run $run/$RUNS on $set"
      for ((i = 0; i < ${#tools[@]}; i++)); do
        tool=${tools[(run - 1 + i) % ${#tools[@]}]}
        [[ $tool == mtail ]] && ((run > MTAIL_RUNS)) && continue
        oneshot_one "$set" "$run" "$tool"
      done
    done
  done
}

# Fails loudly if a count differs: exporter vs mtail, exporter vs ground truth, and every variant vs the AOT build.
check_oneshot() {
  local set=$1 outdir=$OUT/oneshot/$1 name
  log "checking counts on $set"
  python3 "$BENCH/compare.py" oneshot --exporter "$outdir/exporter-aot.prom" --mtail "$outdir/mtail.prom" \
    --truth "$DATA/$set/truth.json" --wc "$(wc -l <"$DATA/$set/cmix.log")" >"$RESULTS/checks-$set.md" \
    || die "counts differ on $set: see $RESULTS/checks-$set.md"
  for name in $(variant_names); do
    diff <(counters "$outdir/exporter-aot.prom") <(counters "$outdir/exporter-$name.prom") >/dev/null \
      || die "exporter $name and exporter aot disagree on $set"
  done
}

# The exposition without comments and the collector's own timing, for comparing builds.
counters() { grep -v -e '^#' -e '^xx_exporter_collector_duration' "$1"; }

# --- running exporter ------------------------------------------------------------------------------------

# Cuts the feed set into one chunk per tick (whole lines) so appends can be spread over LIVE_SECONDS.
prepare_feed() {
  local chunks=$1 log
  rm -rf "$OUT/live/chunks" && mkdir -p "$OUT/live/chunks"
  for log in cmix cmix-wrapper gateway gateway-wrapper; do
    split -n "l/$chunks" -d -a 4 "$DATA/live-feed/$log.log" "$OUT/live/chunks/$log."
  done
}

scrape() { curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics"; }

# Starts "$@" (which tails $dir and listens on $port) on a copy of the history set; appends the feed over
# LIVE_SECONDS, sampling VmRSS every tick and scraping every 4 s; then scrapes SCRAPES times back to back (one curl,
# one connection) and lets it settle 5 s. Appends to live.tsv (KiB): idle VmRSS, max sampled while appending, VmHWM
# after appending, VmRSS right after the scrapes, settled VmRSS, VmHWM at the end, settled RssAnon and RssFile;
# then threads, paced scrapes, back-to-back scrapes, ms the appends took, ms the back-to-back scrapes took.
live_run() {
  local label=$1 port=$2 dir=$3; shift 3
  local ticks=$((LIVE_SECONDS * 4)) tick log pid rss max=0 idle fed_hwm after burst settled scrapes=0 started fed
  rm -rf "$dir" && cp -r "$DATA/live-history" "$dir" && rm -f "$dir/truth.json"
  start_bg "$@" >"$OUT/live/${label// /-}.log" 2>&1
  pid=$!
  wait_http "http://127.0.0.1:$port/metrics" "$label" "$pid" "$OUT/live/${label// /-}.log"
  sleep 3   # idle: files opened at their end, first scrape done
  scrape "$port" >/dev/null
  idle=$(rss_kib "$pid" VmRSS)
  started=$(date +%s%N)
  for ((tick = 0; tick < ticks; tick++)); do
    for log in cmix cmix-wrapper gateway gateway-wrapper; do
      cat "$OUT/live/chunks/$log.$(printf %04d "$tick")" >>"$dir/$log.log"
    done
    if ((tick % 16 == 0)); then scrape "$port" >/dev/null; ((++scrapes)); fi
    rss=$(rss_kib "$pid" VmRSS); ((rss > max)) && max=$rss
    sleep 0.25
  done
  fed=$((($(date +%s%N) - started) / 1000000))
  sleep 2   # a few polls to read the last chunk
  scrape "$port" >"$OUT/live/${label// /-}.prom"; ((++scrapes))
  rss=$(rss_kib "$pid" VmRSS); ((rss > max)) && max=$rss
  fed_hwm=$(rss_kib "$pid" VmHWM)
  started=$(date +%s%N)
  curl -fsS --max-time 300 "http://127.0.0.1:$port/metrics?n=[1-$SCRAPES]" >/dev/null
  burst=$((($(date +%s%N) - started) / 1000000))
  after=$(rss_kib "$pid" VmRSS)
  sleep 5
  settled=$(rss_kib "$pid" VmRSS)
  printf '%s' "$label" >>"$RESULTS/live.tsv"
  printf '\t%s' "$idle" "$max" "$fed_hwm" "$after" "$settled" "$(rss_kib "$pid" VmHWM)" "$(rss_kib "$pid" RssAnon)" \
    "$(rss_kib "$pid" RssFile)" "$(rss_kib "$pid" Threads)" "$scrapes" "$SCRAPES" "$fed" "$burst" >>"$RESULTS/live.tsv"
  printf '\n' >>"$RESULTS/live.tsv"
  stop_bg "$pid"
}

live_all() {
  local name port=$PORT
  prepare_feed $((LIVE_SECONDS * 4))
  for name in $(variant_names); do
    port=$((port + 1))
    log "running exporter $name for ${LIVE_SECONDS}s on 127.0.0.1:$port"
    variant_cmd "$name"
    live_run "exporter $name" "$port" "$OUT/live/logs" env "${LOGS_ONLY[@]}" "${CMD[@]}" \
      --web.listen-address "127.0.0.1:$port" --logs.dir "$OUT/live/logs" --logs.timezone UTC
    python3 "$BENCH/compare.py" live --exporter "$OUT/live/exporter-$name.prom" --truth "$DATA/live-feed/truth.json" \
      >"$RESULTS/checks-live-$name.md" || die "running exporter $name: counts differ (see $RESULTS/checks-live-$name.md)"
  done
  port=$((port + 1))
  log "running mtail for ${LIVE_SECONDS}s on 127.0.0.1:$port"
  live_run mtail "$port" "$OUT/live/logs" mtail --progs "$BENCH/mtail" --logs "$OUT/live/logs/cmix.log" \
    --address 127.0.0.1 --port "$port" --logtostderr
  python3 "$BENCH/compare.py" live --mtail "$OUT/live/mtail.prom" --truth "$DATA/live-feed/truth.json" >"$RESULTS/checks-live-mtail.md"
}

# --- report ----------------------------------------------------------------------------------------------

machine() {
  {
    echo "date: $(date -u +%FT%TZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "ram: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel: $(uname -r)"
    echo "dotnet sdk: $(dotnet --version), runtime: $(dotnet --list-runtimes | awk '/NETCore.App/ { v = $2 } END { print v }')"
    echo "mtail: $(mtail --version | head -1)"
    if [[ -n $SOURCE ]]; then
      echo "source: git archive $SOURCE ($(git -C "$ROOT" rev-parse --short "$SOURCE"))"
    else
      echo "source: working tree at $(git -C "$ROOT" rev-parse --short HEAD)," \
        "$(git -C "$ROOT" --no-optional-locks status --porcelain -- exporter simulator | wc -l) changed paths under exporter/ and simulator/"
    fi
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "options: big-bytes=$BIG_BYTES small-bytes=$SMALL_BYTES runs=$RUNS mtail-runs=$MTAIL_RUNS live-seconds=$LIVE_SECONDS feed-bytes=$FEED_BYTES scrapes=$SCRAPES settings=$SETTINGS"
  } >"$RESULTS/machine.txt"
}

main() {
  parse_args "$@"
  cd "$BENCH"
  rm -rf "$RESULTS" "$OUT/oneshot" "$OUT/live" "$OUT/oneshot-stderr.log"
  mkdir -p "$RESULTS" "$OUT/live" "$DATA"
  machine
  prepare_source
  build_all
  generate_oneshot_set "cmix-$SMALL_BYTES" "$SMALL_BYTES"
  generate_oneshot_set "cmix-$BIG_BYTES" "$BIG_BYTES"
  generate live-history --bytes 2000000 --seed 1
  # More invalid UTF-8 than the default 1% of rounds, so the short feed surely has some.
  generate "live-feed-$FEED_BYTES" --bytes "$FEED_BYTES" --seed 2 --invalid-bytes-rate 0.05
  # Stable names for this run's sets.
  ln -sfn "cmix-$SMALL_BYTES" "$DATA/small"
  ln -sfn "cmix-$BIG_BYTES" "$DATA/big"
  ln -sfn "live-feed-$FEED_BYTES" "$DATA/live-feed"
  local set
  for set in small big; do mtail_copy "$set"; describe_set "$set"; done
  warm_cache "$DATA"/{small,big}/cmix.log "$DATA"/{small,big}/mtail/cmix.log
  oneshot_all
  for set in small big; do check_oneshot "$set"; done
  live_all
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/machine.txt"
  python3 "$BENCH/report.py" "$RESULTS" "$DATA/live-feed/truth.json" >"$RESULTS/results.md"
  log "done: $RESULTS/results.md"
  cat "$RESULTS/results.md"
}

main "$@"

# Shell helpers shared by the benchmark scripts (bench/run.sh, bench/chain/run.sh, bench/postgres/run.sh).
# Source it after setting the variables below; it defines functions and sets the EXIT trap (cleanup), and starts and
# writes nothing itself.
#
# log, die, rss_kib, free_port, wait_http: no variables.
# start_bg, stop_bg, cleanup: the processes a script starts and its temp folder TMP (make_tmp) are removed on exit.
# find_postgres, start_cluster, sql: a throwaway PostgreSQL 15 cluster in $TMP/pg (PG_OPTIONS: more server options).
# start_chopsticks, rpc, set_staking_state: chopsticks with the real xx runtime and the staking picture of the tests.
# publish_exporter and exporter_facts expect:
#   ROOT          the repository (exporter/ and Directory.*.props are read from it)
#   OUT           the script's gitignored output folder: out/NAME, out/artifacts/NAME, out/publish-NAME.log, out/src-NAME
#   EXPORTER_BIN  $OUT/NAME/xx-exporter, the published binary (NAME: xx-exporter unless a script publishes several)
#   PUBLISH_ARGS  optional: more dotnet publish arguments (an array)
#   PUBLISH       auto (when the binary is missing or older than the sources), always or never
#   SOURCE        optional: a git revision to publish (git archive into $OUT/src) instead of the working tree
# new_results sets RESULTS (a new $OUT/results/<UTC time>/) and LOAD_BEFORE (the load average as the run starts).
# end_summary expects the calling script's machine_facts (which may use host_facts and exporter_facts).

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- processes and the temp folder: a script stops only what it started ----------------------------------------

STARTED=()   # pids of the background processes started with start_bg and not stopped yet
TMP=         # the script's temp folder (make_tmp), removed on exit

# Runs "$@" in the background (redirections on the call apply to it); its pid is in $! as after `&`.
start_bg() { "$@" & STARTED+=("$!"); }

# Stops one process started with start_bg and waits for it.
stop_bg() {
  local pid=$1 kept=() p
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${STARTED[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  STARTED=("${kept[@]}")
}

make_tmp() { TMP=$(mktemp -d "/tmp/$1.XXXXXX"); chmod 755 "$TMP"; }

cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $TMP && -f $TMP/pg/data/postmaster.pid ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TMP/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [[ -n $TMP ]]; then rm -rf "$TMP"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A value of /proc/PID/status in KiB: rss_kib PID VmRSS|VmHWM|RssAnon|RssFile (or Threads, a count).
rss_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until $1 answers; else shows the log $4 of process $3 and stops.
wait_http() {
  local url=$1 name=$2 pid=$3 logfile=$4 i
  for i in $(seq 200); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$logfile" >&2
  die "$name did not answer on $url"
}

# dotnet publish PROJECT -c Release into $OUT/NAME with a private --artifacts-path ($OUT/artifacts/NAME), more
# arguments after NAME; its log is $OUT/publish-NAME.log. Stops if the build wrote to the project's bin or obj.
dotnet_publish() {
  local project=$1 name=$2; shift 2
  command -v dotnet >/dev/null || die "dotnet missing"
  mkdir -p "$OUT"
  dotnet publish "$project" -c Release --nologo -v n --artifacts-path "$OUT/artifacts/$name" -o "$OUT/$name" "$@" \
    >"$OUT/publish-$name.log" 2>&1 || { tail -30 "$OUT/publish-$name.log" >&2; die "publish of $name failed (log: $OUT/publish-$name.log)"; }
  if grep -qE "$ROOT/(exporter|simulator)/(obj|bin)/" "$OUT/publish-$name.log"; then
    die "the publish touched exporter/ or simulator/ obj or bin (see $OUT/publish-$name.log)"
  fi
}

# Native AOT binary with a private --artifacts-path: nothing is written to exporter/bin or exporter/obj, which
# other people's builds use (checked on the build log, which names every intermediate path at normal verbosity).
# With SOURCE, exporter/ as of that revision is exported read-only (git archive) so the numbers belong to one commit.
# The binary goes to EXPORTER_BIN's folder with built-from.txt (what it was built from: revision and PUBLISH_ARGS,
# more msbuild arguments); auto reuses it when that is the same and no source is newer.
publish_exporter() {
  local dir name src=$ROOT source=${SOURCE:-} from newer=
  dir=$(dirname "$EXPORTER_BIN") name=$(basename "$(dirname "$EXPORTER_BIN")")
  if [[ -n $source ]]; then
    from="git revision $(git -C "$ROOT" rev-parse --short "$source") ($source)"
  else
    from="the working tree at HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    [[ -n $(git -C "$ROOT" --no-optional-locks status --porcelain -- exporter 2>/dev/null) ]] && from+=' with uncommitted exporter/ changes'
    if [[ -x $EXPORTER_BIN ]]; then
      newer=$(find "$ROOT/exporter" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" \
        \( -path "$ROOT/exporter/bin" -o -path "$ROOT/exporter/obj" \) -prune -o -type f -newer "$EXPORTER_BIN" -print -quit)
    fi
  fi
  from+="${PUBLISH_ARGS[*]:+, with ${PUBLISH_ARGS[*]}}"
  case $PUBLISH in
    never) [[ -x $EXPORTER_BIN ]] || die "$EXPORTER_BIN missing (run without --no-publish)"; return 0 ;;
    auto) if [[ -x $EXPORTER_BIN && -z $newer && $(cat "$dir/built-from.txt" 2>/dev/null) == "$from" ]]; then
        log "reusing $EXPORTER_BIN ($from)"; return 0
      fi ;;
  esac
  if [[ -n $source ]]; then
    src=$OUT/src-$name
    rm -rf "$src" && mkdir -p "$src"
    git -C "$ROOT" archive "$source" exporter Directory.Build.props Directory.Packages.props | tar -x -C "$src"
  fi
  log "publishing the exporter (Native AOT, linux-x64) from $from into $dir"
  dotnet_publish "$src/exporter/XxExporter.csproj" "$name" -r linux-x64 "${PUBLISH_ARGS[@]}"
  touch "$EXPORTER_BIN"
  echo "$from" >"$dir/built-from.txt"
}
PUBLISH_ARGS=()

# The first lines of a report's machine section (markdown list items).
host_facts() {
  cat <<EOF
- nproc: $(nproc); CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
- RAM: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel: $(uname -r); load average before the run: $LOAD_BEFORE
EOF
}

# The exporter line of a report's machine section: version, build date and what it was built from.
exporter_facts() {
  echo "- xx-exporter: $("$EXPORTER_BIN" --version 2>/dev/null || echo '?'), Native AOT, published" \
    "$(date -u -r "$EXPORTER_BIN" +%FT%TZ) from $(cat "$(dirname "$EXPORTER_BIN")/built-from.txt" 2>/dev/null || echo 'an unrecorded source')"
}

# A new folder for this run's results, named by its UTC start; and the load average before the run adds to it.
new_results() {
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  RESULTS=$OUT/results/$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$RESULTS"
}

# Ends $RESULTS/summary.md with the machine (the calling script's machine_facts) and shows it.
end_summary() {
  { echo; machine_facts; } >>"$RESULTS/summary.md"
  cat "$RESULTS/summary.md"
  log "results in $RESULTS"
}

# --- PostgreSQL 15 --------------------------------------------------------------------------------------------

find_postgres() {
  PG_BIN=/usr/lib/postgresql/15/bin
  [[ -x $PG_BIN/initdb ]] || die "PostgreSQL 15 server binaries not found (apt-get install postgresql-15)"
  [[ $(id -un) == root ]] || die "run as root (the cluster runs as user postgres via runuser)"
}

# A throwaway cluster in $TMP/pg: SCRAM logins over TCP on 127.0.0.1 only, trust on its private socket folder.
# Sets PG_PORT.
start_cluster() {
  PG_PORT=$(free_port)
  mkdir -p "$TMP/pg" && chown postgres:postgres "$TMP/pg"
  printf '%s\n' "superuser-pw-$RANDOM$RANDOM" >"$TMP/pg/pw" && chown postgres:postgres "$TMP/pg/pw"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$TMP/pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$TMP/pg/pw" --no-sync -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; die initdb; }
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TMP/pg/data" -l "$TMP/pg/server.log" -w \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $TMP/pg -c fsync=off ${PG_OPTIONS:-}" start >/dev/null
  log "PostgreSQL $(sql -d postgres -Atc 'SHOW server_version') on 127.0.0.1:$PG_PORT"
}

# psql as the superuser over the cluster's Unix socket (trust), quiet, stop on the first error.
sql() { psql -h "$TMP/pg" -p "$PG_PORT" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

# --- chopsticks: the real xx runtime, offline ------------------------------------------------------------------

CHOPSTICKS=$ROOT/tests/chain-tools/node_modules/@acala-network/chopsticks/chopsticks.cjs
CHAIN_SPEC=$ROOT/../shared/fixtures/xxchain/xxnetwork-raw-chainspec.sorted.json

# The validators of tests/XxExporter.Tests/Chain/ChopsticksTests.cs (StakingChain), SS58 prefix 55:
# encodeAddress(pubkey, 55) of the well-known dev keys Alice, Bob, Charlie, Dave.
ALICE=6a6XHUGV5mu33rX1vn3iivxxUR4hwoUapsuECGyHpPzfaNtt
BOB=6YXN1Q6Lx3u8tr2WVr5myb3zNa3pVG5FL3ku8uqckR5RoA21
CHARLIE=6Ya25aEPH3nmXTSB2dg6yFWHChjCUZx6kq2Efv8j2pFx6PdE
DAVE=6WPk9kmMV4qSpYHCH765GdRiLsNgodZ2BsBCXN1Tvsmj7t6o
ACTIVE_ERA=10 NEXT_ERA=11

check_chopsticks() {
  command -v node >/dev/null || die "node missing"
  [[ -f $CHOPSTICKS ]] || die "chopsticks missing: npm ci --prefix tests/chain-tools"
  [[ -f $CHAIN_SPEC ]] || die "the xx chain spec is not at $CHAIN_SPEC"
}

chopsticks_version() { node -p "require('$(dirname "$CHOPSTICKS")/package.json').version"; }

# chopsticks on 127.0.0.1 in manual block mode (no block is ever built: the state stays as set). If the port is
# taken it silently takes the next one, so the real one is read from its "RPC listening on" line.
# Sets NODE_PID, NODE_PORT and NODE_URL.
start_chopsticks() {
  local port line i
  port=$(free_port)
  : >"$TMP/chopsticks.log"
  start_bg node "$CHOPSTICKS" --genesis="$CHAIN_SPEC" --host 127.0.0.1 --port "$port" --build-block-mode=Manual \
    >"$TMP/chopsticks.log" 2>&1
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

# One JSON-RPC call over HTTP POST to chopsticks: method, params (JSON); prints the answer, stops on an error.
rpc() {
  local answer
  answer=$(curl -fsS -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$NODE_URL") || die "$1: no answer"
  [[ $answer == *'"result"'* ]] || die "$1: $answer"
  printf '%s\n' "$answer"
}

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

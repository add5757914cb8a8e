#!/usr/bin/env bash
# Memory and scrape time of the whole exporter with every collector on: the four logs being written (the simulator's
# node mode), both databases on a real PostgreSQL 15, the chain on chopsticks with the real xx runtime, backups,
# certificates and probes. With --compare REV a second exporter built from REV runs beside it on the same sources,
# scraped in the same rounds: the ratios of the two are what this noisy machine can tell. See README.md.
# Usage: bench/all/run.sh [--quick] [options]   (--help for the list)
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
OUT=$BENCH/out                       # builds and results (gitignored)
EXPORTER_BIN=$OUT/xx-exporter/xx-exporter

COUNT=1200             # scrapes of each exporter
RATE=0                 # rounds a second (0: back to back)
CONNECTIONS=1          # concurrent scrapes of each exporter per round
SETTLE=20              # seconds the exporters run (logs written, no scrapes) before the first scrape
ROUND_SECONDS=0.25     # the simulator writes a round this often (a real node: about 5 s)
ROUNDS=12000 MESSAGES=40000 FILTERS=6000 RECIPIENTS=500   # cmix_gateway rows (bench/postgres/gateway-data.sql)
PUBLISH=auto           # auto: when the binary is missing or older than the sources; always; never
COMPARE=               # a git revision to build the baseline from
CANDIDATE_ENV=()       # environment of the exporter under test only (--env)
MAY_FAIL=              # collectors allowed to report a failure now and then (--may-fail)
ROLE=xx_bench_monitor  # the exporters' role: LOGIN + pg_monitor (+ SELECT on client_rounds)
ROLE_PASSWORD=bench-Monitor-pw-1

# log, die, processes and cleanup, PostgreSQL, chopsticks and the staking picture, publishing, results
source "$BENCH/../lib.sh"

usage() {
  cat <<EOF
usage: bench/all/run.sh [options]
  --quick          the default sizes, 10 s settle: a few minutes once built
  --count N        scrapes of each exporter (default $COUNT)
  --soak           5 minutes at 100 scrapes a second (15000 rounds at 50 a second, 2 connections): memory must not grow
  --rate R         pace the rounds at R a second (default: back to back)
  --may-fail LIST  collectors (comma-separated) whose occasional failure does not stop the scrapes; each is counted
  --settle N       seconds of logs being written before the first scrape (default $SETTLE)
  --compare REV    also run an exporter built from git revision REV (git archive), scraped in the same rounds;
                   self: the same binary as the one under test, without --env
  --env K=V        environment of the exporter under test only (e.g. DOTNET_GCgen0size=0x200000); repeatable
  --publish-arg A  more dotnet publish arguments for the exporter under test (e.g. -p:OptimizationPreference=Size)
  --publish        always publish (default: only when missing or older than exporter/ sources)
  --no-publish     use the binaries in out/ as they are
EOF
}

parse_args() {
  while (($#)); do
    case $1 in
      --quick) SETTLE=10 ;;
      --count) COUNT=$2; shift ;;
      --soak) COUNT=15000 RATE=50 CONNECTIONS=2 ;;
      --rate) RATE=$2; shift ;;
      --may-fail) MAY_FAIL=$2; shift ;;
      --settle) SETTLE=$2; shift ;;
      --compare) COMPARE=$2; shift ;;
      --env) CANDIDATE_ENV+=("$2"); shift ;;
      --publish-arg) PUBLISH_ARGS+=("$2"); shift ;;
      --publish) PUBLISH=always ;;
      --no-publish) PUBLISH=never ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  ((COUNT >= 100)) || die "--count must be at least 100"
}

check_tools() {
  local tool
  for tool in python3 curl psql; do command -v $tool >/dev/null || die "$tool missing"; done
  find_postgres
  check_chopsticks
}

# The exporter under test (the working tree, PUBLISH_ARGS), the baseline (--compare) and the simulator.
publish_all() {
  publish_exporter
  if [[ -n $COMPARE && $COMPARE != self ]]; then
    local candidate_args=("${PUBLISH_ARGS[@]}")
    PUBLISH_ARGS=()
    EXPORTER_BIN=$OUT/baseline/xx-exporter SOURCE=$COMPARE publish_exporter
    PUBLISH_ARGS=("${candidate_args[@]}")
  fi
  local newer=
  if [[ -f $OUT/simulator/xx-simulator.dll ]]; then
    newer=$(find "$ROOT/simulator" \( -path "$ROOT/simulator/bin" -o -path "$ROOT/simulator/obj" \) -prune -o \
      -type f -newer "$OUT/simulator/xx-simulator.dll" -print -quit)
  fi
  if [[ ! -f $OUT/simulator/xx-simulator.dll || -n $newer || $PUBLISH == always ]]; then
    log "publishing the simulator"
    dotnet_publish "$ROOT/simulator/XxSimulator.csproj" simulator
    touch "$OUT/simulator/xx-simulator.dll"
  fi
}

# cmix_node (a table of the node's size) and cmix_gateway (the gateway's schema and generated rows), read by the
# exporters as a pg_monitor role; the simulator stores its rounds in cmix_gateway as the gateway does.
load_databases() {
  sql -d postgres <<EOF
CREATE DATABASE cmix_node;
CREATE DATABASE cmix_gateway;
CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE_PASSWORD';
GRANT pg_monitor TO $ROLE;
GRANT CONNECT ON DATABASE cmix_node, cmix_gateway TO $ROLE;
EOF
  sql -d cmix_node -c "CREATE TABLE round_metrics (id bigint PRIMARY KEY, info bytea)
    ; INSERT INTO round_metrics SELECT r, decode(md5(r::text), 'hex') FROM generate_series(1, $ROUNDS) r"
  sql -d cmix_gateway -f "$ROOT/demo/gateway-schema.sql"
  sql -d cmix_gateway -v rounds="$ROUNDS" -v messages="$MESSAGES" -v filters="$FILTERS" -v recipients="$RECIPIENTS" \
    -f "$ROOT/bench/postgres/gateway-data.sql"
  sql -d cmix_gateway -c "GRANT SELECT ON client_rounds TO $ROLE" -c "VACUUM ANALYZE"
  sql -d cmix_node -c "VACUUM ANALYZE" -c "CHECKPOINT"
}

# The simulator's node mode: the four logs written live, the IDF and the gateway's certificate, backups every era,
# rounds stored in cmix_gateway. Its own chain RPC takes a free port and is not used (chopsticks is the chain).
start_simulator() {
  mkdir -p "$TMP/logs" "$TMP/cred" "$TMP/backups"
  start_bg dotnet "$OUT/simulator/xx-simulator.dll" node --logs "$TMP/logs" --cred "$TMP/cred" --backups "$TMP/backups" \
    --listen 127.0.0.1:0 --round-seconds "$ROUND_SECONDS" --era-seconds 60 \
    --gateway-database "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=cmix_gateway" \
    --gateway-database-password-file "$TMP/pg/pw" >"$TMP/simulator.log" 2>&1
  SIM_PID=$!
  local i
  for i in $(seq 200); do
    [[ -s $TMP/logs/cmix.log && -f $TMP/cred/cmix-IDF.json ]] && break
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s $TMP/logs/cmix.log ]] || { cat "$TMP/simulator.log" >&2; die "the simulator wrote no cmix.log"; }
  log "simulator writing the four logs into $TMP/logs (a round every $ROUND_SECONDS s), backups and the IDF"
}

# Starts one exporter with every collector on: start_exporter NAME BINARY [K=V...] (environment). Sets PID_<NAME>
# and PORT_<NAME>. The probes are the loopback ports of PostgreSQL and chopsticks, and the exporter's own.
start_exporter() {
  local name=$1 bin=$2 port; shift 2
  port=$(free_port)
  XX_EXPORTER_POSTGRES__NODE__PASSWORD=$ROLE_PASSWORD XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD=$ROLE_PASSWORD \
    start_bg env "$@" "$bin" --web.listen-address="127.0.0.1:$port" --logs.dir="$TMP/logs" \
    --postgres.node.host=127.0.0.1 --postgres.node.port="$PG_PORT" --postgres.node.user=$ROLE --postgres.node.sslmode=disable \
    --postgres.gateway.host=127.0.0.1 --postgres.gateway.port="$PG_PORT" --postgres.gateway.user=$ROLE \
    --postgres.gateway.sslmode=disable \
    --chain.rpc-url="ws://127.0.0.1:$NODE_PORT" --chain.stash="$ALICE" --chain.idf-path="$TMP/cred/cmix-IDF.json" \
    --checks.backups="cmix_node=$TMP/backups/cmix_node,cmix_gateway=$TMP/backups/cmix_gateway,chain=$TMP/backups/chain" \
    --checks.certificates="$TMP/cred/*.crt" \
    --checks.probes="node=127.0.0.1:$PG_PORT,gateway=127.0.0.1:$port,chain_p2p=127.0.0.1:$NODE_PORT" \
    >"$TMP/$name.log" 2>&1
  printf -v "PID_$name" %s "$!"
  printf -v "PORT_$name" %s "$port"
  wait_http "http://127.0.0.1:$port/-/healthy" "$name" "$!" "$TMP/$name.log"
  log "$name: $bin on 127.0.0.1:$port (pid $!)${*:+, with $*}"
}

measure() {
  local specs=("candidate=http://127.0.0.1:$PORT_candidate/metrics@$PID_candidate")
  [[ -n $COMPARE ]] && specs+=("baseline=http://127.0.0.1:$PORT_baseline/metrics@$PID_baseline")
  log "logs being written for ${SETTLE}s before the first scrape"
  sleep "$SETTLE"
  log "scraping: $COUNT rounds${COMPARE:+ (candidate and baseline, shuffled in each round)}"
  local scraped=0
  python3 "$BENCH/scrape.py" --count "$COUNT" --rate "$RATE" --connections "$CONNECTIONS" --json "$RESULTS/scrapes.json" ${MAY_FAIL:+--may-fail "$MAY_FAIL"} "${specs[@]}" || scraped=$?
  # Kept whether or not the scrapes held: the exporter's own log says why a collector failed.
  curl -fsS "http://127.0.0.1:$PORT_candidate/metrics" >"$RESULTS/candidate.metrics.txt" || true
  cp "$TMP/candidate.log" "$RESULTS/candidate.log"
  if [[ -n $COMPARE ]]; then cp "$TMP/baseline.log" "$RESULTS/baseline.log"; fi
  ((scraped == 0)) || die "the scrapes stopped (exit $scraped); the candidate's log and last /metrics are in $RESULTS"
  stat -c '%s' "$EXPORTER_BIN" >"$RESULTS/candidate.size"
  if [[ -n $COMPARE ]]; then
    curl -fsS "http://127.0.0.1:$PORT_baseline/metrics" >"$RESULTS/baseline.metrics.txt"
    stat -c '%s' "$(baseline_bin)" >"$RESULTS/baseline.size"
  fi
}

baseline_bin() { if [[ $COMPARE == self ]]; then echo "$EXPORTER_BIN"; else echo "$OUT/baseline/xx-exporter"; fi; }

machine_facts() {
  host_facts
  echo "- PostgreSQL $(sql -d postgres -Atc 'SHOW server_version'), node $(node --version), chopsticks $(chopsticks_version)"
  exporter_facts
  if [[ -n $COMPARE ]]; then echo "- baseline: $(cat "$(dirname "$(baseline_bin)")/built-from.txt")"; fi
  echo "- candidate environment: ${CANDIDATE_ENV[*]:-none}; command: bench/all/run.sh ${ARGS[*]}"
}

report() {
  python3 "$BENCH/report.py" "$RESULTS" >"$RESULTS/summary.md"
  end_summary
}

main() {
  ARGS=("$@")
  parse_args "$@"
  check_tools
  new_results
  publish_all
  make_tmp xx-all-bench
  start_cluster
  load_databases
  start_chopsticks
  set_staking_state
  start_simulator
  start_exporter candidate "$EXPORTER_BIN" "${CANDIDATE_ENV[@]}"
  if [[ -n $COMPARE ]]; then start_exporter baseline "$(baseline_bin)"; fi
  measure
  report
}

main "$@"

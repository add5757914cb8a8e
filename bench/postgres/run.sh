#!/usr/bin/env bash
# Scrape latency and RSS of xx-exporter's Postgres collector against Debian's prometheus-postgres-exporter,
# both reading the same generated cmix_gateway database in the same run. See README.md.
# Usage: bench/postgres/run.sh [options]   (--help for the list)
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
OUT=$BENCH/out                       # build and results (gitignored)
EXPORTER_BIN=$OUT/xx-exporter/xx-exporter
COMPARE_BIN=$OUT/compare/xx-exporter   # the build of --compare REV
PG_EXPORTER=/usr/bin/prometheus-postgres-exporter

ROUNDS=120000          # client_rounds and rounds rows (a week of rounds at one per 5 s)
MESSAGES=400000        # mixed_messages rows, ~500-byte message_contents: most of the database
FILTERS=60000          # client_bloom_filters rows
RECIPIENTS=5000        # distinct recipient ids
WARMUP=20              # untimed scrapes of each exporter first
COUNT=1000             # timed scrapes of each exporter (interleaved)
PUBLISH=auto           # auto: when the binary is missing or older than the sources; always; never
SOURCE=                # empty: publish the working tree; else a git revision, exported read-only with git archive
COMPARE=               # a git revision: a second xx-exporter built from it reads the same database in the same rounds
STATEMENTS=0           # 1: load pg_stat_statements and print where each exporter's server time goes
ROLE=xx_bench_monitor  # the role both exporters log in as: LOGIN + pg_monitor (+ SELECT on client_rounds)
ROLE_PASSWORD=bench-Monitor-pw-1

# log, die, processes and cleanup, the PostgreSQL cluster, publish_exporter, results (uses the variables above)
source "$BENCH/../lib.sh"

usage() {
  cat <<EOF
usage: bench/postgres/run.sh [options]
  --messages N     mixed_messages rows (default $MESSAGES; ~650 bytes each with indexes)
  --rounds N       client_rounds and rounds rows (default $ROUNDS)
  --filters N      client_bloom_filters rows (default $FILTERS)
  --count N        timed scrapes per exporter, at least 200 (default $COUNT)
  --warmup N       untimed scrapes per exporter first (default $WARMUP)
  --publish        always publish the exporter (default: only when missing or older than exporter/ sources)
  --no-publish     use $EXPORTER_BIN as it is
  --source REV     publish exporter/ as of git revision REV (git archive into out/src) instead of the working tree
  --compare REV    also scrape an xx-exporter built from git revision REV (git archive) reading the same database,
                   in the same rounds: the ratio of the two is what this noisy machine can tell
  --statements     also load pg_stat_statements and report each exporter's queries (adds a little overhead)
  --quick          small database (10% of the rows) and 200 scrapes: a smoke test of the harness
EOF
}

parse_args() {
  while (($#)); do
    case $1 in
      --messages) MESSAGES=$2; shift ;;
      --rounds) ROUNDS=$2; shift ;;
      --filters) FILTERS=$2; shift ;;
      --count) COUNT=$2; shift ;;
      --warmup) WARMUP=$2; shift ;;
      --publish) PUBLISH=always ;;
      --no-publish) PUBLISH=never ;;
      --source) SOURCE=$2; PUBLISH=always; shift ;;
      --compare) COMPARE=$2; shift ;;
      --statements) STATEMENTS=1 ;;
      --quick) MESSAGES=45000 ROUNDS=12000 FILTERS=6000 COUNT=200 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  ((COUNT >= 200)) || die "--count must be at least 200"
}

# --- steps ----------------------------------------------------------------------------------------------------

check_tools() {
  find_postgres
  [[ -x $PG_EXPORTER ]] || die "$PG_EXPORTER missing (apt-get install -y --no-install-recommends prometheus-postgres-exporter)"
  command -v python3 >/dev/null || die "python3 missing"
}

# cmix_gateway with the gateway schema and generated data; then VACUUM ANALYZE (so autovacuum has nothing left to do
# during the measurement) and a CHECKPOINT (so no load-time writes are still pending).
load_database() {
  log "loading cmix_gateway: $ROUNDS rounds, $MESSAGES mixed_messages, $FILTERS bloom filters"
  sql -d postgres <<EOF
CREATE DATABASE cmix_gateway;
CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE_PASSWORD';
GRANT pg_monitor TO $ROLE;
GRANT CONNECT ON DATABASE cmix_gateway TO $ROLE;
EOF
  sql -d cmix_gateway -f "$BENCH/../../demo/gateway-schema.sql"
  sql -d cmix_gateway -v rounds="$ROUNDS" -v messages="$MESSAGES" -v filters="$FILTERS" -v recipients="$RECIPIENTS" \
    -f "$BENCH/gateway-data.sql"
  sql -d cmix_gateway -c "GRANT SELECT ON client_rounds TO $ROLE" -c "VACUUM ANALYZE" -c "CHECKPOINT"
  if ((STATEMENTS)); then sql -d cmix_gateway -c "CREATE EXTENSION pg_stat_statements"; fi
  DB_BYTES=$(sql -d cmix_gateway -Atc "SELECT pg_database_size('cmix_gateway')")
  log "cmix_gateway is $((DB_BYTES / 1048576)) MiB"
  sql -d cmix_gateway -c "SELECT relname AS table, pg_size_pretty(pg_total_relation_size(relid)) AS total,
      n_live_tup AS rows FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC" >"$RESULTS/tables.txt"
}

# Both exporters as the same pg_monitor role, TCP to 127.0.0.1 without TLS, listening on 127.0.0.1 only.
# A third process, xx-exporter without any database, is scraped alike: its RSS is the baseline of everything
# but the Postgres collector (web host, runtime, idle log followers).
start_exporters() {
  XX_PORT=$(free_port) PGX_PORT=$(free_port) BASE_PORT=$(free_port) CMP_PORT=$(free_port)
  while (($(printf '%s\n' "$XX_PORT" "$PGX_PORT" "$BASE_PORT" "$CMP_PORT" | sort -u | wc -l) < 4)); do
    PGX_PORT=$(free_port) BASE_PORT=$(free_port) CMP_PORT=$(free_port)
  done
  mkdir -p "$TMP/logs"   # empty: the log followers find no files and idle
  local common=(--logs.dir="$TMP/logs")
  # Builds with the chain collector have it on by default (ws://127.0.0.1:9944): off, only Postgres is measured.
  if [[ $("$EXPORTER_BIN" --help) == *--chain.rpc-url* ]]; then common+=(--chain.rpc-url=); fi
  # Builds with the DNS check resolve two public names at each scrape, waiting up to its timeout (5 s) on this
  # offline machine: off. An environment variable, because older builds (--compare) ignore it where a flag would stop them.
  export XX_EXPORTER_CHECKS__DNSNAMES=
  start_bg "$EXPORTER_BIN" --web.listen-address="127.0.0.1:$BASE_PORT" "${common[@]}" >"$TMP/xx-exporter-no-postgres.log" 2>&1
  BASE_PID=$!
  local gateway=(--postgres.gateway.host=127.0.0.1 --postgres.gateway.port="$PG_PORT" --postgres.gateway.user="$ROLE"
    --postgres.gateway.database=cmix_gateway --postgres.gateway.sslmode=disable)
  XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD=$ROLE_PASSWORD start_bg "$EXPORTER_BIN" \
    --web.listen-address="127.0.0.1:$XX_PORT" "${common[@]}" "${gateway[@]}" >"$TMP/xx-exporter.log" 2>&1
  XX_PID=$!
  if [[ -n $COMPARE ]]; then
    XX_EXPORTER_POSTGRES__GATEWAY__PASSWORD=$ROLE_PASSWORD start_bg "$COMPARE_BIN" \
      --web.listen-address="127.0.0.1:$CMP_PORT" "${common[@]}" "${gateway[@]}" >"$TMP/xx-exporter-compare.log" 2>&1
    CMP_PID=$!
    wait_http "http://127.0.0.1:$CMP_PORT/metrics" "xx-exporter from $COMPARE" "$CMP_PID" "$TMP/xx-exporter-compare.log"
    log "xx-exporter from $COMPARE on 127.0.0.1:$CMP_PORT (pid $CMP_PID)"
  fi
  DATA_SOURCE_NAME="postgresql://$ROLE:$ROLE_PASSWORD@127.0.0.1:$PG_PORT/cmix_gateway?sslmode=disable" \
    start_bg "$PG_EXPORTER" --web.listen-address="127.0.0.1:$PGX_PORT" --log.level=warn >"$TMP/postgres_exporter.log" 2>&1
  PGX_PID=$!
  wait_http "http://127.0.0.1:$XX_PORT/metrics" xx-exporter "$XX_PID" "$TMP/xx-exporter.log"
  wait_http "http://127.0.0.1:$PGX_PORT/metrics" postgres_exporter "$PGX_PID" "$TMP/postgres_exporter.log"
  wait_http "http://127.0.0.1:$BASE_PORT/metrics" xx-exporter-no-postgres "$BASE_PID" "$TMP/xx-exporter-no-postgres.log"
  log "xx-exporter on 127.0.0.1:$XX_PORT (pid $XX_PID), postgres_exporter on 127.0.0.1:$PGX_PORT (pid $PGX_PID)"
}

measure() {
  log "scraping: $WARMUP warm-up + $COUNT timed scrapes of each, interleaved in shuffled order"
  python3 "$BENCH/scrape.py" --warmup "$WARMUP" --count "$COUNT" --json "$RESULTS/scrapes.json" \
    "xx-exporter=http://127.0.0.1:$XX_PORT/metrics" "postgres_exporter=http://127.0.0.1:$PGX_PORT/metrics" \
    "xx-exporter-no-postgres=http://127.0.0.1:$BASE_PORT/metrics" \
    ${COMPARE:+"xx-exporter-compare=http://127.0.0.1:$CMP_PORT/metrics"} >&2
  printf '{"xx-exporter": [%s, %s], "postgres_exporter": [%s, %s], "xx-exporter-no-postgres": [%s, %s]%s}\n' \
    "$(rss_kib "$XX_PID" VmRSS)" "$(rss_kib "$XX_PID" VmHWM)" "$(rss_kib "$PGX_PID" VmRSS)" "$(rss_kib "$PGX_PID" VmHWM)" \
    "$(rss_kib "$BASE_PID" VmRSS)" "$(rss_kib "$BASE_PID" VmHWM)" \
    "${COMPARE:+, \"xx-exporter-compare\": [$(rss_kib "$CMP_PID" VmRSS), $(rss_kib "$CMP_PID" VmHWM)]}" >"$RESULTS/rss.json"
  curl -fsS "http://127.0.0.1:$XX_PORT/metrics" >"$RESULTS/xx-exporter.metrics.txt"
  curl -fsS "http://127.0.0.1:$PGX_PORT/metrics" >"$RESULTS/postgres_exporter.metrics.txt"
}

# Server-side time per statement and role (pg_stat_statements), to see which query dominates.
report_statements() {
  ((STATEMENTS)) || return 0
  sql -d cmix_gateway -P pager=off -c "
    SELECT round(mean_exec_time::numeric, 3) AS mean_ms, round(max_exec_time::numeric, 3) AS max_ms, calls,
           round(total_exec_time::numeric, 1) AS total_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
    WHERE r.rolname = '$ROLE' AND calls >= $COUNT
    ORDER BY total_exec_time DESC LIMIT 30" | tee "$RESULTS/statements.txt" >&2
}

machine_facts() {
  host_facts
  echo "- PostgreSQL: $(sql -d postgres -Atc 'SHOW server_version'); postgres_exporter:" \
    "$("$PG_EXPORTER" --version 2>&1 | head -1 | sed 's/^postgres_exporter, //')"
  exporter_facts
  if [[ -n $COMPARE ]]; then EXPORTER_BIN=$COMPARE_BIN exporter_facts; fi
}

report() {
  local db_mb
  db_mb=$(awk -v b="$DB_BYTES" 'BEGIN { printf "%.0f", b / 1e6 }')
  python3 - "$RESULTS/scrapes.json" "$RESULTS/rss.json" "$db_mb" "$COMPARE" >"$RESULTS/summary.md" <<'EOF'
import json, sys
r, rss = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
x, p = r["xx-exporter"], r["postgres_exporter"]
print(f"cmix_gateway: {sys.argv[3]} MB (pg_database_size); {x['scrapes']} timed scrapes per exporter\n")
print("| exporter | median ms | p99 ms | mean ms | max ms | server-side median / p99 ms | RSS MiB (peak) | series (Postgres) |")
print("|---|---|---|---|---|---|---|---|")
for name, s in r.items():
    cur, peak = rss[name]
    server = f"{s['server_median_ms']:.2f} / {s['server_p99_ms']:.2f}" if s["server_median_ms"] is not None else "-"
    print(f"| {name} | {s['median_ms']:.2f} | {s['p99_ms']:.2f} | {s['mean_ms']:.2f} | {s['max_ms']:.1f} | "
          f"{server} | {cur / 1024:.1f} ({peak / 1024:.1f}) | {s['series']} ({s['postgres_series']}) |")
print(f"| ratio xx-exporter / postgres_exporter | {x['median_ms'] / p['median_ms']:.2f} | {x['p99_ms'] / p['p99_ms']:.2f} | "
      f"{x['mean_ms'] / p['mean_ms']:.2f} | | | {rss['xx-exporter'][0] / rss['postgres_exporter'][0]:.2f} | |")
if (c := r.get("xx-exporter-compare")) is not None:
    print(f"| ratio xx-exporter-compare / postgres_exporter | {c['median_ms'] / p['median_ms']:.2f} | {c['p99_ms'] / p['p99_ms']:.2f} | "
          f"{c['mean_ms'] / p['mean_ms']:.2f} | | | | |")
    print(f"| ratio xx-exporter / xx-exporter-compare (built from {sys.argv[4]}) | {x['median_ms'] / c['median_ms']:.2f} | "
          f"{x['p99_ms'] / c['p99_ms']:.2f} | {x['mean_ms'] / c['mean_ms']:.2f} | | "
          f"{x['server_median_ms'] / c['server_median_ms']:.2f} | {rss['xx-exporter'][0] / rss['xx-exporter-compare'][0]:.2f} | |")
EOF
  end_summary
}

main() {
  parse_args "$@"
  check_tools
  new_results
  publish_exporter
  if [[ -n $COMPARE ]]; then
    EXPORTER_BIN=$COMPARE_BIN SOURCE=$COMPARE PUBLISH=$([[ $PUBLISH == never ]] && echo never || echo auto) publish_exporter
  fi
  make_tmp xx-pg-bench
  if ((STATEMENTS)); then PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"; fi
  start_cluster
  load_database
  start_exporters
  measure
  report_statements
  report
}

main "$@"

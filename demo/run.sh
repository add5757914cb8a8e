#!/usr/bin/env bash
# The demo without Docker (README.md "Try it: the demo"): the simulated node (simulator/), the exporter, Debian's
# Prometheus and Alertmanager with the shipped rules and routing, a throwaway Postgres when the server binaries are
# installed, and a webhook that prints every notification; all on free 127.0.0.1 ports, in a temporary folder
# that is removed, with every process, on Ctrl-C, SIGTERM or exit.
#
#   demo/run.sh                      # the simulated eras and rounds of demo/demo.env
#   demo/run.sh --clock              # only say which alerts that clock can and cannot show
#   demo/run.sh --config-only DIR --exporter 127.0.0.1:19420 --alertmanager 127.0.0.1:9093 \
#       --prometheus 127.0.0.1:9090 --webhook http://127.0.0.1:5001/webhook
#                                    # only write the Prometheus and Alertmanager configuration (the end-to-end
#                                    # tests run the stack on exactly this)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
me=demo/run.sh

usage() {
    cat <<EOF
usage: $me [--era-seconds N] [--round-seconds N] [--scenario healthy|troubled] [--no-postgres] [--bin DIR]
           [--interval-seconds N] [--compress-for]
       $me --clock [--era-seconds N] [--round-seconds N] [--scenario S] [--interval-seconds N] [--compress-for]
       $me --config-only DIR --exporter HOST:PORT --alertmanager HOST:PORT --prometheus HOST:PORT --webhook URL
           [--node-exporter HOST:PORT] [--site NAME] [--interval-seconds N] [--compress-for]

  --era-seconds N, --round-seconds N, --scenario S
                      the simulated clock and story (default: XX_DEMO_* in demo/demo.env)
  --no-postgres       no Postgres even if its server binaries are installed (the Postgres and gateway
                      database series and alerts are then not shown)
  --bin DIR           run xx-exporter.dll and xx-simulator.dll from DIR instead of building them
  --clock             print which alerts the simulated clock can and cannot show, and exit
  --config-only DIR   write DIR/prometheus (prometheus.yml, rules/) and DIR/alertmanager (alertmanager.yml,
                      templates/) from the shipped files for these addresses, and exit
  --node-exporter HOST:PORT
                      the node_exporter the job "node" scrapes, as this host's (default: the shipped target)
  --site NAME         the site label of the exporter's target (default: demo)
  --interval-seconds N
                      scrape and rule evaluation every N s (default: 15 s, as shipped)
  --compress-for      minutes in the rules' for: become seconds and hours minutes (the tests' fast clock)
EOF
}

die() {
    echo "$me: $*" >&2
    exit 2
}

# A value of demo/demo.env, which the Docker demo reads too: one clock for both demos.
demo_env() {
    local value
    value=$(sed -n "s/^$1=//p" "$repo/demo/demo.env" | tail -n 1)
    [[ -n $value ]] || die "demo/demo.env has no $1"
    printf '%s' "$value"
}

era_seconds=$(demo_env XX_DEMO_ERA_SECONDS)
round_seconds=$(demo_env XX_DEMO_ROUND_SECONDS)
scenario=$(demo_env XX_DEMO_SCENARIO)
config_only="" clock_only="" postgres=yes bin="" site=demo interval="" compress_for=""
exporter="" alertmanager="" prometheus="" webhook="" node_exporter=""
while (($# > 0)); do
    option=$1
    shift
    case $option in
        -h | --help) usage; exit 0 ;;
        --clock) clock_only=yes; continue ;;
        --compress-for) compress_for=yes; continue ;;
        --no-postgres) postgres=""; continue ;;
    esac
    (($# > 0)) || die "$option needs a value (see $me --help)"
    value=$1
    shift
    case $option in
        --config-only) config_only=$value ;;
        --exporter) exporter=$value ;;
        --alertmanager) alertmanager=$value ;;
        --prometheus) prometheus=$value ;;
        --webhook) webhook=$value ;;
        --node-exporter) node_exporter=$value ;;
        --site) site=$value ;;
        --interval-seconds) interval=$value ;;
        --era-seconds) era_seconds=$value ;;
        --round-seconds) round_seconds=$value ;;
        --scenario) scenario=$value ;;
        --bin) bin=$value ;;
        *) die "unknown option $option (see $me --help)" ;;
    esac
done
[[ $era_seconds =~ ^[1-9][0-9]*$ ]] || die "--era-seconds $era_seconds: expected a whole number of seconds (demo/demo.env XX_DEMO_ERA_SECONDS)"
[[ $round_seconds =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--round-seconds $round_seconds: expected a number of seconds (demo/demo.env XX_DEMO_ROUND_SECONDS)"
[[ $scenario == healthy || $scenario == troubled ]] || die "--scenario $scenario: expected healthy or troubled (demo/demo.env XX_DEMO_SCENARIO)"
[[ -z $interval || $interval =~ ^[1-9][0-9]*$ ]] || die "--interval-seconds $interval: expected a whole number of seconds"

# ---- The configuration: the shipped files with only the addresses (and, for tests, the clock) changed ----------

# Prints TEXT with every OLD replaced by NEW; fails naming FILE when the shipped file no longer holds OLD.
replace() {
    local file=$1 text=$2 old=$3 new=$4
    [[ $text == *"$old"* ]] || die "$file no longer contains \"$old\": update write_configs in $me to match it"
    printf '%s' "${text//"$old"/"$new"}"
}

# The rules' for: with minutes as seconds and hours as minutes (--compress-for), or as shipped.
rules_for_clock() {
    if [[ -n $compress_for ]]; then
        sed -E 's/^([[:space:]]+for: )([0-9]+)m\b/\1\2s/; s/^([[:space:]]+for: )([0-9]+)h\b/\1\2m/' "$1"
    else
        cat "$1"
    fi
}

write_configs() {
    local out=$1 text rules
    for address in "$exporter" "$alertmanager" "$prometheus"; do
        [[ $address =~ ^127\.0\.0\.1:[0-9]+$ ]] || die "--config-only needs --exporter, --alertmanager and --prometheus as 127.0.0.1:PORT (got \"$address\")"
    done
    [[ $webhook == http://127.0.0.1:* ]] || die "--config-only needs --webhook http://127.0.0.1:PORT/PATH (got \"$webhook\")"
    mkdir -p "$out/prometheus/rules" "$out/alertmanager/templates"

    rules=$repo/prometheus/prometheus.yml
    text=$(<"$rules")
    text=$(replace "$rules" "$text" "'alertmanager:9093'" "'$alertmanager'")
    text=$(replace "$rules" "$text" "'xx-exporter:19420'" "'$exporter'")
    text=$(replace "$rules" "$text" "site: home" "site: $site")
    text=$(replace "$rules" "$text" "'localhost:9090'" "'$prometheus'")
    # The native demo has no Grafana: nothing to scrape there (XxMonitoringTargetDown would fire).
    text=$(replace "$rules" "$text" "- targets: ['grafana:3000']" "- targets: []")
    if [[ -n $node_exporter ]]; then
        text=$(replace "$rules" "$text" "'node-exporter:9100'" "'$node_exporter'")
        text=$(replace "$rules" "$text" "instance: xx-exporter:19420" "instance: $exporter")
    else
        # No node_exporter: nothing to scrape for the host (XxNodeExporterDown would fire).
        text=$(replace "$rules" "$text" "- targets: ['node-exporter:9100']" "- targets: []")
    fi
    if [[ -n $interval ]]; then
        text=$(replace "$rules" "$text" "scrape_interval: 15s" "scrape_interval: ${interval}s")
        text=$(replace "$rules" "$text" "scrape_timeout: 10s" "scrape_timeout: $((interval < 10 ? interval : 10))s")
        text=$(replace "$rules" "$text" "evaluation_interval: 15s" "evaluation_interval: ${interval}s")
    fi
    printf '%s\n' "$text" >"$out/prometheus/prometheus.yml"
    for rules in "$repo"/prometheus/rules/*.yml; do
        rules_for_clock "$rules" >"$out/prometheus/rules/$(basename "$rules")"
    done

    rules=$repo/alertmanager/alertmanager.yml
    text=$(replace "$rules" "$(<"$rules")" "'http://127.0.0.1:5001/'" "'$webhook'")
    # The dead man's switch's heartbeat goes to /heartbeat beside the webhook.
    text=$(replace "$rules" "$text" "'http://127.0.0.1:5001/heartbeat'" "'${webhook%/*}/heartbeat'")
    printf '%s\n' "$text" >"$out/alertmanager/alertmanager.yml"
    cp "$repo"/alertmanager/templates/* "$out/alertmanager/templates/"
}

if [[ -n $config_only ]]; then
    write_configs "$config_only"
    exit 0
fi

# ---- The clock: which alerts the simulated eras and rounds can show ---------------------------------------------

# Seconds of a Prometheus duration such as 5m, 2h or 1h30m.
seconds_of() {
    local rest=$1 total=0
    while [[ $rest =~ ^([0-9]+)([smhd])(.*)$ ]]; do
        case ${BASH_REMATCH[2]} in
            s) ((total += BASH_REMATCH[1])) ;;
            m) ((total += BASH_REMATCH[1] * 60)) ;;
            h) ((total += BASH_REMATCH[1] * 3600)) ;;
            d) ((total += BASH_REMATCH[1] * 86400)) ;;
        esac
        rest=${BASH_REMATCH[3]}
    done
    [[ -z $rest ]] || die "prometheus/rules: for: $1 is not a duration this script reads"
    printf '%s' "$total"
}

# The for: of an alert in the shipped rules (in seconds, compressed like the generated rules).
# The for: of an alert, or of one tier of it: for_seconds NAME or for_seconds NAME:SEVERITY.
for_seconds() {
    local shipped
    shipped=$(awk -v alert="${1%%:*}" -v tier="${1#*:}" '$1 == "-" && $2 == "alert:" { name = $3; wait = "" }
        $1 == "for:" { wait = $2 }
        $1 == "severity:" && name == alert && wait != "" && (tier == alert || tier == $2) { print wait; exit }' \
        "$repo/prometheus/rules/xx-alerts.yml")
    [[ -n $shipped ]] || die "prometheus/rules/xx-alerts.yml has no alert $1 with a for: (update clock_report in $me)"
    shipped=$(seconds_of "$shipped")
    [[ -n $compress_for ]] && shipped=$((shipped / 60))
    printf '%s' "$shipped"
}

# For each alert the troubled timeline causes (simulator/README.md): how long it holds the alert's condition at
# a stretch, with eras of $era_seconds s, and when. An alert shows if that is longer than its for: plus two rule
# evaluations.
clock_report() {
    local era=$era_seconds crash_loop_rounds margin=$((2 * ${interval:-15}))
    echo "The simulated clock: eras of $era s, a round every $round_seconds s, the $scenario scenario."
    if [[ $scenario == healthy ]]; then
        echo "  The healthy node fires no alert."
        return
    fi
    while IFS='|' read -r alert holds when; do
        local needed
        needed=$(for_seconds "$alert")
        if ((holds > needed + margin)); then
            echo "  can show     $alert (for: ${needed} s): its condition holds $holds s, $when"
        else
            echo "  cannot show  $alert (for: ${needed} s): its condition holds only $((holds > 0 ? holds : 0)) s, $when"
        fi
    done <<EOF
XxValidatorMissedEra|$era|the whole era after each missed one (at start, then every fourth era)
XxValidatorNotElectedNextEra|$((era / 3))|the last third of every fourth era, once the lost election is known
XxValidatorEnteringActiveSet|$((era / 3))|the last third of the waiting era, once its election is known
XxValidatorEraPointsLow:warning|$((era * 9 / 10))|the missed era, once the active set's median passes 1000 points
XxValidatorEraPointsLow:critical|$((era - 7200))|the missed era from 2 h after its start (the rule compares with 2 h before)
EOF
    # Every tenth round fails and crashes cMix: five crashes within 15 minutes need 40 rounds in 900 s.
    crash_loop_rounds=$(awk -v r="$round_seconds" 'BEGIN { print (40 * r <= 900) ? "yes" : "no" }')
    if [[ $crash_loop_rounds == yes ]]; then
        echo "  can show     XxServiceDown: five failed rounds (and crashes) within 15 minutes; as routed it holds XxCmixRoundFailureRatioHigh back"
    else
        echo "  can show     XxCmixRoundFailureRatioHigh (for: $(for_seconds XxCmixRoundFailureRatioHigh) s): one round in ten fails, from the 20th round on"
        echo "  cannot show  XxServiceDown: five crashes within 15 minutes need a round every 22.5 s or faster"
    fi
}

if [[ -n $clock_only ]]; then
    clock_report
    exit 0
fi

# ---- The demo ---------------------------------------------------------------------------------------------------

need() {
    command -v "$1" >/dev/null || die "$1 not found: $2"
}
need python3 "apt-get install python3 (the webhook and the readiness checks)"
need prometheus "apt-get install prometheus"
need prometheus-alertmanager "apt-get install prometheus-alertmanager"
need dotnet "install the .NET 10 SDK (README.md \"Try it: the demo\")"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xx-demo.XXXXXX")
pids=() names=() pg_ctl=() pg_data=""

cleanup() {
    trap - EXIT INT TERM
    local i alive
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    # Ten seconds to stop cleanly, then killed.
    for ((i = 0; i < 50; i++)); do
        alive=""
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=yes; done
        [[ -n $alive ]] || break
        sleep 0.2
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ -n $pg_data ]]; then "${pg_ctl[@]}" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$tmp"
    echo "$me: stopped everything and removed $tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Distinct ports that were free a moment ago on 127.0.0.1: held together, so no two are the same.
read -r rpc_port exporter_port prometheus_port alertmanager_port webhook_port postgres_port node_port < <(python3 -c '
import socket
held = [socket.socket() for _ in range(7)]
for s in held: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in held])')

# Runs a server in the background with its output in $tmp/NAME.log (the webhook's goes to the terminal).
start() {
    local name=$1
    shift
    if [[ $name == webhook ]]; then "$@" & else "$@" >"$tmp/$name.log" 2>&1 & fi
    pids+=($!)
    names+=("$name")
}

# Waits until URL answers 2xx (tcp://HOST:PORT: accepts a connection) while the last server started still runs.
# The check runs in the background: bash runs a trap (Ctrl-C, a kill) once its foreground command ends, but interrupts a wait.
wait_ready() {
    local name=${names[-1]} pid=${pids[-1]}
    python3 - "$1" "$pid" <<'EOF' &
import os, socket, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        if url.startswith("tcp://"):
            host, port = url[6:].split(":")
            socket.create_connection((host, int(port)), timeout=1).close()
        else:
            urllib.request.urlopen(url, timeout=2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
EOF
    if ! wait $!; then
        echo "$me: $name did not come up on $1; the end of its log:" >&2
        tail -n 20 "$tmp/$name.log" >&2 || true
        exit 1
    fi
}

if [[ -z $bin ]]; then
    # A Release build beside the tests' Debug one: the first takes a minute or two, later ones seconds.
    echo "$me: building the simulator and the exporter (dotnet build -c Release; the first build takes a minute or two)"
    dotnet build "$repo/simulator/XxSimulator.csproj" -c Release -nologo -v quiet >"$tmp/build.log" 2>&1 \
        || { tail -n 30 "$tmp/build.log" >&2; die "the build failed (above)"; }
    exporter_bin=$repo/exporter/bin/Release/net10.0
    simulator_bin=$repo/simulator/bin/Release/net10.0
else
    exporter_bin=$bin simulator_bin=$bin
fi

# A throwaway PostgreSQL cluster with the two xx databases, as demo/postgres-init.sh sets them up for Docker.
postgres_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -n $postgres && -x $postgres_bin/initdb ]]; then
    pg_dir=$tmp/postgres
    mkdir "$pg_dir"
    cp "$repo/demo/postgres-password" "$pg_dir/password"
    as_postgres=()
    if ((EUID == 0)); then
        # PostgreSQL refuses to run as root: its cluster belongs to the postgres user.
        chmod 755 "$tmp"
        chown -R postgres: "$pg_dir"
        as_postgres=(runuser -u postgres --)
    fi
    "${as_postgres[@]}" "$postgres_bin/initdb" -D "$pg_dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile="$pg_dir/password" --no-sync -E UTF8 --locale=C.UTF-8 >"$tmp/postgres-init.log" 2>&1 \
        || { cat "$tmp/postgres-init.log" >&2; die "initdb failed (above)"; }
    pg_ctl=("${as_postgres[@]}" "$postgres_bin/pg_ctl") pg_data=$pg_dir/data
    "${pg_ctl[@]}" -D "$pg_data" -l "$pg_dir/server.log" -w \
        -o "-p $postgres_port -c listen_addresses=127.0.0.1 -k $pg_dir -c fsync=off" start >>"$tmp/postgres-init.log" 2>&1 \
        || { cat "$pg_dir/server.log" >&2; die "PostgreSQL did not start (above)"; }
    PGHOST=127.0.0.1 PGPORT=$postgres_port PGPASSWORD=$(<"$repo/demo/postgres-password") POSTGRES_USER=postgres \
        POSTGRES_PASSWORD_FILE=$repo/demo/postgres-password XX_GATEWAY_SCHEMA=$repo/demo/gateway-schema.sql \
        sh "$repo/demo/postgres-init.sh" >>"$tmp/postgres-init.log" 2>&1 \
        || { cat "$tmp/postgres-init.log" >&2; die "demo/postgres-init.sh failed (above)"; }
    gateway_database=(--gateway-database "Host=127.0.0.1;Port=$postgres_port;Database=cmix_gateway;Username=postgres"
        --gateway-database-password-file "$repo/demo/postgres-password")
    exporter_postgres=()
    for database in node gateway; do
        exporter_postgres+=(--postgres.$database.host 127.0.0.1 --postgres.$database.port "$postgres_port"
            --postgres.$database.user xx_exporter --postgres.$database.password-file "$repo/demo/postgres-password"
            --postgres.$database.sslmode disable)
    done
    probes=chain_rpc=127.0.0.1:$rpc_port,postgres=127.0.0.1:$postgres_port
else
    postgres=""
    gateway_database=() exporter_postgres=()
    probes=chain_rpc=127.0.0.1:$rpc_port
fi

mkdir "$tmp/log" "$tmp/cred" "$tmp/backup"
start simulator dotnet "$simulator_bin/xx-simulator.dll" node --logs "$tmp/log" --cred "$tmp/cred" --backups "$tmp/backup" \
    --listen "127.0.0.1:$rpc_port" --era-seconds "$era_seconds" --round-seconds "$round_seconds" --scenario "$scenario" \
    "${gateway_database[@]}"
wait_ready "tcp://127.0.0.1:$rpc_port"

# The simulated gateway has no config file and its node no cMix port to name in one: that check is off here.
start exporter dotnet "$exporter_bin/xx-exporter.dll" --web.listen-address "127.0.0.1:$exporter_port" \
    --logs.dir "$tmp/log" --logs.positions-file "$tmp/positions.json" \
    --chain.rpc-url "ws://127.0.0.1:$rpc_port" --chain.idf-path "$tmp/cred/cmix-IDF.json" \
    "${exporter_postgres[@]}" \
    --checks.backups "cmix_node=$tmp/backup/cmix_node,cmix_gateway=$tmp/backup/cmix_gateway,chain=$tmp/backup/chain" \
    --checks.certificates "$tmp/cred/*.crt" --checks.probes "$probes" --checks.gateway-config "" \
    --status.alertmanager-url "http://127.0.0.1:$alertmanager_port/" --status.alert-matchers 'alertname!="XxWatchdog"'
wait_ready "http://127.0.0.1:$exporter_port/-/ready"

start webhook python3 "$repo/demo/webhook.py" "$webhook_port"
wait_ready "tcp://127.0.0.1:$webhook_port"

# The host itself (docs/operations.md "The host"), if Debian's node_exporter is installed.
if command -v prometheus-node-exporter >/dev/null; then
    node_exporter=127.0.0.1:$node_port
    start node-exporter prometheus-node-exporter --web.listen-address="$node_exporter"
    wait_ready "http://$node_exporter/metrics"
fi

exporter=127.0.0.1:$exporter_port alertmanager=127.0.0.1:$alertmanager_port prometheus=127.0.0.1:$prometheus_port
webhook=http://127.0.0.1:$webhook_port/webhook
write_configs "$tmp"
start alertmanager prometheus-alertmanager --config.file="$tmp/alertmanager/alertmanager.yml" \
    --web.listen-address="$alertmanager" --cluster.listen-address= --storage.path="$tmp/alertmanager/data"
wait_ready "http://$alertmanager/-/ready"
start prometheus prometheus --config.file="$tmp/prometheus/prometheus.yml" --web.listen-address="$prometheus" \
    --storage.tsdb.path="$tmp/prometheus/data"
wait_ready "http://$prometheus/-/ready"

# Debian's Prometheus 2.42 ships only the classic web pages; upstream's have /alerts.
alerts_page=$(python3 - "http://$prometheus" <<'EOF'
import sys, urllib.request
for path in ("/alerts", "/classic/alerts", "/"):
    try:
        urllib.request.urlopen(sys.argv[1] + path, timeout=5).close()
        break
    except OSError:
        pass
print(sys.argv[1] + path)
EOF
)

echo
echo "The demo is running on a simulated node (Ctrl-C stops it and removes $tmp):"
echo "  exporter status page  http://$exporter/"
echo "  Prometheus alerts     $alerts_page"
echo "  Alertmanager          http://$alertmanager/"
echo "  simulated chain RPC   ws://127.0.0.1:$rpc_port"
if [[ -n $postgres ]]; then
    echo "  Postgres              127.0.0.1:$postgres_port (cmix_node, cmix_gateway; user xx_exporter, password in demo/postgres-password)"
else
    echo "  no Postgres (PostgreSQL's server binaries not found, or --no-postgres): the Postgres and gateway database"
    echo "  series and alerts are not shown"
fi
if [[ -n $node_exporter ]]; then
    echo "  node_exporter         http://$node_exporter/metrics"
else
    echo "  no node_exporter (apt-get install prometheus-node-exporter): the host alerts are not shown"
fi
echo "  logs of each process  $tmp/*.log"
clock_report
echo "Notifications that reach the webhook ($webhook) are printed below as they arrive."
echo

# Until a signal, or until one of the servers stops on its own.
wait -n || true
for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
        echo "$me: ${names[$i]} stopped on its own; the end of its log:" >&2
        tail -n 20 "$tmp/${names[$i]}.log" >&2 || true
    fi
done
exit 1

#!/bin/bash
# Two sites and a centre as real networks (TwoSitesEndToEndTests.cs runs this under `unshare --net --mount`, so the
# only namespaces it can reach are the ones made here and nothing may leave the machine). Every host is a network
# namespace behind its site's router namespace, which masquerades out of its uplink to the centre and drops whatever
# the centre starts; the centre has no route to the sites' LANs. Each host runs what prometheus/examples/host-agent.yml
# expects on its loopback (the exporter on 19420, node_exporter on 9100, the agent on 9095) and pushes to the centre:
# a Prometheus with the remote-write receiver (TLS and basic auth) evaluating the shipped rules, and the shipped
# Alertmanager. Results go to $OUT as `key<TAB>value` lines; the C# test judges them.
# Environment: BIN (xx-exporter, xx-simulator), REPO, WORK (an empty folder), OUT, PASSWORD (basic auth; WORK/web.yml
# holds its bcrypt hash), TIMEOUT_S (the longest wait for any one event).
set -euo pipefail

log() { printf '%s %s\n' "$(date -u +%T)" "$*" >&2; }
result() { printf '%s\t%s\n' "$1" "$2" >> "$OUT"; }
now() { date +%s; }

# Our own /run/netns (the mount namespace is ours): namespace names cannot meet another test's.
mkdir -p /run/netns && mount -t tmpfs xx-two-sites /run/netns
ip link set lo up
# Second guard: were a route to leak, the sites' and uplinks' ranges still lead nowhere from here.
ip route add blackhole 10.77.0.0/16
ip route add blackhole 192.168.0.0/16

cleanup() {
    for ns in $(ip netns list | cut -d' ' -f1); do ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true; done
}
trap cleanup EXIT
trap "exit 1" INT TERM

CENTRAL=10.77.0.1
ip netns add centre
ip -n centre link set lo up
ip -n centre addr add $CENTRAL/32 dev lo
ip netns exec centre sysctl -qw net.ipv4.ip_forward=0

# site index host...: router namespace <site>, uplink 10.77.<i>.2/30 to the centre, one /30 per host on the LAN.
make_site() {
    local site=$1 i=$2; shift 2
    ip netns add "$site"
    ip -n "$site" link set lo up
    ip link add up0 netns "$site" type veth peer name "to-$site" netns centre
    ip -n "$site" addr add "10.77.$i.2/30" dev up0 && ip -n "$site" link set up0 up
    ip -n centre addr add "10.77.$i.1/30" dev "to-$site" && ip -n centre link set "to-$site" up
    ip -n "$site" route add default via "10.77.$i.1"
    ip netns exec "$site" sysctl -qw net.ipv4.ip_forward=1
    # Out through NAT; nothing the centre starts gets in, to the router or past it.
    ip netns exec "$site" nft -f - <<NFT
table inet xx {
  chain masq { type nat hook postrouting priority srcnat; oifname "up0" masquerade; }
  chain inbound { type filter hook input priority filter; iifname "up0" ct state established,related accept; iifname "up0" drop; }
  chain passing { type filter hook forward priority filter; iifname "up0" ct state established,related accept; iifname "up0" drop; }
}
NFT
    local h=0
    for host in "$@"; do
        local ns="$site-$host" a=$((h * 4))
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip link add lan0 netns "$ns" type veth peer name "h$h" netns "$site"
        ip -n "$site" addr add "192.168.$i.$((a + 1))/30" dev "h$h" && ip -n "$site" link set "h$h" up
        ip -n "$ns" addr add "192.168.$i.$((a + 2))/30" dev lan0 && ip -n "$ns" link set lan0 up
        ip -n "$ns" route add default via "192.168.$i.$((a + 1))"
        h=$((h + 1))
    done
}
make_site home 1 node gateway
make_site cloud 2 node

# ---- the centre ---------------------------------------------------------------------------------------------
C=$WORK/centre
mkdir -p "$C/rules" "$C/data" "$C/am"
cp -r "$REPO/alertmanager/." "$C/am/"
# The shipped rules; `for:` longer than a minute cut to one, so the cross-site alerts fire within the test (promtool
# tests both sides of every shipped `for:`). The vanishing alerts' windows are as shipped.
perl -pe 's/^(\s+for: )(\d+)([mh])\s*$/$1 . (($3 eq "h" || $2 > 1) ? "1m" : "$2$3") . "\n"/e' \
    "$REPO/prometheus/rules/xx-alerts.yml" > "$C/rules/xx-alerts.yml"
cat > "$C/prometheus.yml" <<YML
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files: ['$C/rules/*.yml']
alerting:
  alertmanagers:
    - static_configs: [{targets: ['127.0.0.1:9093']}]
YML
Q=(ip netns exec centre curl -sf --cacert "$WORK/ca.crt" -u "xx-agent:$PASSWORD")
ip netns exec centre prometheus-alertmanager --config.file="$C/am/alertmanager.yml" --cluster.listen-address= \
    --web.listen-address=127.0.0.1:9093 --storage.path="$C/am-data" > "$C/alertmanager.log" 2>&1 &
ip netns exec centre prometheus --config.file="$C/prometheus.yml" --storage.tsdb.path="$C/data" \
    --web.listen-address=$CENTRAL:9090 --web.config.file="$WORK/web.yml" --web.enable-remote-write-receiver \
    > "$C/prometheus.log" 2>&1 &

query() {   # an instant query at the receiver; prints the result array
    "${Q[@]}" "https://$CENTRAL:9090/api/v1/query" --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} | jq -c '.data.result'
}
metric() {  # one of the receiver's own metrics, summed over its labels
    "${Q[@]}" "https://$CENTRAL:9090/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 { sum += $2 } END { printf "%.0f\n", sum }'
}
wait_for() {  # wait_for DESCRIPTION COMMAND...: until COMMAND succeeds, at most TIMEOUT_S
    local started; started=$(now)
    until "${@:2}"; do
        if (( $(now) - started > TIMEOUT_S )); then log "gave up waiting: $1"; result failed "$1"; exit 1; fi
        sleep 3
    done
}
firing() { [ "$(query "ALERTS{alertstate=\"firing\",$1}" | jq length)" -gt 0 ]; }

wait_for "the receiver to be ready" "${Q[@]}" -o /dev/null "https://$CENTRAL:9090/-/ready"
sleep 2
result receiver_rss_before "$(metric process_resident_memory_bytes)"

# ---- the hosts ------------------------------------------------------------------------------------------------
# The shipped agent config: only the receiver's address and where its CA and password files are change.
sed -e "s#https://metrics.example.net/api/v1/write#https://$CENTRAL:9090/api/v1/write#" \
    -e "s#/etc/prometheus/central-ca.crt#$WORK/ca.crt#" -e "s#/etc/prometheus/central.password#$WORK/central.password#" \
    "$REPO/prometheus/examples/host-agent.yml" > "$WORK/host-agent.yml"
[ "$(grep -c "$CENTRAL\|$WORK" "$WORK/host-agent.yml")" = 3 ] || { result failed "host-agent.yml changed shape"; exit 1; }
printf '%s' "$PASSWORD" > "$WORK/central.password"

start_host() {   # start_host SITE HOST INSTANCE SIMULATED(yes|no)
    local ns="$1-$2" d="$WORK/$1-$2"
    mkdir -p "$d/log" "$d/cred"
    local chain=()
    if [ "$4" = yes ]; then
        # Both simulated nodes are one node (the same IDF and session keys) run at two sites.
        ip netns exec "$ns" "$BIN/xx-simulator" node --logs "$d/log" --cred "$d/cred" --listen 127.0.0.1:9944 \
            > "$d/simulator.log" 2>&1 &
        chain=(--chain.rpc-url ws://127.0.0.1:9944 --chain.idf-path "$d/cred/cmix-IDF.json")
    else
        chain=(--chain.rpc-url "" --logs.enabled "")
    fi
    ip netns exec "$ns" "$BIN/xx-exporter" --web.listen-address 127.0.0.1:19420 --log.level warn --logs.dir "$d/log" \
        "${chain[@]}" --checks.backups "" --checks.backup-sources "" > "$d/exporter.log" 2>&1 &
    ip netns exec "$ns" prometheus-node-exporter --web.listen-address=127.0.0.1:9100 > "$d/node-exporter.log" 2>&1 &
    ip netns exec "$ns" env XX_SITE="$1" XX_INSTANCE="$3" XX_VALIDATOR=validator-1 \
        prometheus --enable-feature=agent,expand-external-labels --config.file="$WORK/host-agent.yml" \
        --storage.agent.path="$d/agent" --storage.agent.retention.max-time=12h --web.listen-address=127.0.0.1:9095 \
        > "$d/agent.log" 2>&1 &
}
start_host home node node.home.invalid:19420 yes
start_host home gateway gateway.home.invalid:19420 no
start_host cloud node node.cloud.invalid:19420 yes
STARTED=$(now)

hosts_arrived() { [ "$(query 'count(up{job="xx-exporter"} == 1)' | jq -r '.[0].value[1] // 0')" = 3 ]; }
wait_for "all three hosts to arrive at the centre" hosts_arrived
result hosts_arrived_after_s $(( $(now) - STARTED ))
result up "$(query 'up')"

# ---- isolation: the centre reaches nothing at a site ----------------------------------------------------------
ip netns exec home-node python3 -m http.server --bind 0.0.0.0 8000 > /dev/null 2>&1 &
ip netns exec home python3 -m http.server --bind 0.0.0.0 8000 > /dev/null 2>&1 &
probe() { if ip netns exec "$1" curl -s -o /dev/null --max-time 3 "http://$2:8000/"; then echo reached; else echo refused; fi; }
for _ in $(seq 20); do [ "$(probe home-node 127.0.0.1)" = reached ] && [ "$(probe home 127.0.0.1)" = reached ] && break; sleep 1; done
result site_host_from_site "$(probe home-node 127.0.0.1)"
result router_from_centre "$(probe centre 10.77.1.2)"
result host_from_centre "$(probe centre 192.168.1.2)"
result route_from_centre_to_lan "$(ip -n centre route get 192.168.1.2 2>&1 | head -n 1)"

# ---- the cross-site alerts fire in the central ruler ----------------------------------------------------------
for alert in XxNodeActiveAtTwoSites XxValidatorSessionKeysLiveTwice XxNodeIdentityOnTwoHosts; do
    wait_for "$alert to fire" firing "alertname=\"$alert\""
    result "fired_$alert" "$(query "ALERTS{alertstate=\"firing\",alertname=\"$alert\"}")"
    result "fired_${alert}_after_s" $(( $(now) - STARTED ))
done

# ---- sizing, from the receiver's own metrics over a minute ----------------------------------------------------
result series_per_instance "$(query 'count by (instance, job) ({instance=~".+"})')"
s0=$(metric prometheus_tsdb_head_samples_appended_total); t0=$(now); d0=$(du -sb "$C/data" | cut -f1)
sleep 60
s1=$(metric prometheus_tsdb_head_samples_appended_total); t1=$(now); d1=$(du -sb "$C/data" | cut -f1)
result samples_appended "$s0 $s1 $((t1 - t0))"
result receiver_disk_bytes "$d0 $d1"
result receiver_rss_after "$(metric process_resident_memory_bytes)"
result receiver_head_series "$(metric prometheus_tsdb_head_series)"
# XxRemoteWriteFailing's "behind" as the centre computes it from what the agents send about themselves.
result behind_by_host "$(query 'max by (instance) (prometheus_remote_storage_highest_timestamp_in_seconds - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds)')"
result samples_per_s_by_host "$(query 'sum by (instance) (rate(prometheus_remote_storage_samples_total{job="prometheus-agent"}[1m]))')"
result agent_wal_bytes "$(du -sb "$WORK/home-node/agent" | cut -f1)"
result agent_rss "$(ip netns exec home-node curl -s 127.0.0.1:9095/metrics | awk '$1 == "process_resident_memory_bytes" { print $2 }')"

# ---- a host vanishes (powered off: every process killed), a site's uplink is cut -------------------------------
ip netns pids home-gateway | xargs -r kill -9
ip -n cloud link set up0 down
CUT=$(now)
result cut_at "$CUT"
wait_for "XxHostVanished for the gateway" firing 'alertname="XxHostVanished",instance="gateway.home.invalid:19420"'
result vanished_host_after_s $(( $(now) - CUT ))
wait_for "XxSiteVanished for cloud" firing 'alertname="XxSiteVanished",site="cloud"'
result vanished_site_after_s $(( $(now) - CUT ))
result vanished "$(query 'ALERTS{alertstate="firing",alertname=~"XxHostVanished|XxSiteVanished"}')"
sleep 5
am_settled() {
    ip netns exec centre curl -sf http://127.0.0.1:9093/api/v2/alerts > "$WORK/am-alerts.json" &&
        [ "$(jq '[.[] | select(.labels.alertname == "XxHostVanished")] | length' "$WORK/am-alerts.json")" = 2 ]
}
wait_for "Alertmanager to hold both vanished hosts" am_settled
result alertmanager "$(jq -c '[.[] | select(.labels.alertname | test("Vanished")) | {alertname: .labels.alertname, instance: .labels.instance, site: .labels.site, state: .status.state, inhibited: (.status.inhibitedBy | length > 0)}]' "$WORK/am-alerts.json")"
result home_still_arriving "$(query 'count(up{job="xx-exporter",instance="node.home.invalid:19420"})' | jq -r '.[0].value[1] // 0')"

# ---- the uplink is back: the cloud agent sends what its WAL kept ------------------------------------------------
ip -n cloud link set up0 up
ip -n cloud route replace default via 10.77.2.1   # gone with the link, as a router's would be
RESTORED=$(now)
OUTAGE=$((RESTORED - CUT))
result outage_s "$OUTAGE"
caught_up() {
    local n
    n=$(query "count_over_time(up{instance=\"node.cloud.invalid:19420\",job=\"xx-exporter\"}[${OUTAGE}s])" "$RESTORED" | jq -r '.[0].value[1] // 0')
    result outage_samples "$n"
    [ "$n" -ge $(( OUTAGE / 15 - 1 )) ]
}
wait_for "the cloud agent to send the outage's samples" caught_up
result caught_up_after_s $(( $(now) - RESTORED ))
result done yes

#!/usr/bin/env python3
"""Times sequential scrapes of xx-exporter's /metrics with only the chain collector reading a node, and counts the
JSON-RPC requests each scrape sends (xx_chain_rpc_requests_total).

First --warmup untimed scrapes (run.sh has already made and timed the very first one, which loads the runtime
metadata and reads the finished eras). Then --count timed rounds; in each, in a freshly shuffled order so slow
phases of a noisy machine hit all alike: one scrape of the exporter; with --compare, one of another build of it
reading the same node; with --baseline, one scrape of a second
exporter without the chain collector (what the web host and the other families cost); with --node, the same
steady-state calls sent straight to the node (rpc_reference.py) over HTTP POST and over a WebSocket.

One keep-alive HTTP connection to the exporter (as Prometheus keeps one); no gzip. A scrape's time runs from
sending the request to having read the whole body (time.perf_counter). Every answer must show the chain up and
the staking collection successful, else the run stops.

usage: scrape.py --url http://127.0.0.1:PORT/metrics --json OUT [--warmup N] [--count N] [--pid PID]
                 [--compare http://127.0.0.1:PORT/metrics --compare-pid PID]
                 [--baseline http://127.0.0.1:PORT/metrics] [--node http://127.0.0.1:PORT --keys keys.json]
"""
import argparse
import json
import os
import random
import re
import statistics
import sys
import time
import urllib.parse

# keepalive.py is shared with bench/postgres, one folder up; nothing compiled is written beside it or rpc_reference.py.
sys.dont_write_bytecode = True
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keepalive import KeepAlive, percentile, series, timings  # noqa: E402
from rpc_reference import HttpTransport, Reference, WebSocketTransport  # noqa: E402

UP = re.compile(r"^xx_chain_up 1$", re.M)
OK = re.compile(r'^xx_exporter_collector_success\{collector="(chain|staking)"\} 1$', re.M)
REQUESTS = re.compile(r"^xx_chain_rpc_requests_total (\S+)$", re.M)
DURATION = re.compile(r'^xx_exporter_collector_duration_seconds\{collector="(chain|staking)"\} (\S+)$', re.M)


class Exporter:
    def __init__(self, url, name="exporter", chain=True):
        self.name, self.chain = name, chain
        self.http = KeepAlive(url)
        self.times, self.server, self.staking, self.deltas = [], [], [], []
        self.requests = 0.0
        self.body = ""

    def scrape(self):
        """One scrape; returns (client ms, requests this scrape sent, chain collector ms)."""
        text, elapsed = self.http.scrape(self.name)
        self.body = text
        if not self.chain:
            return elapsed, 0.0, 0.0
        if not UP.search(text) or len(OK.findall(text)) != 2:
            sys.exit("exporter: the answer does not show the chain up and both collections successful:\n"
                     + "\n".join(l for l in text.splitlines() if l.startswith(("xx_chain_up", "xx_exporter_collector_success"))))
        requests = float(REQUESTS.search(text).group(1))
        durations = {k: float(v) * 1000 for k, v in DURATION.findall(text)}
        delta, self.requests = requests - self.requests, requests
        self.last_staking_ms = durations["staking"]
        return elapsed, delta, durations["chain"]

    def round(self, record):
        elapsed, delta, server = self.scrape()
        if record:
            self.times.append(elapsed)
        if record and self.chain:
            self.server.append(server)
            self.staking.append(self.last_staking_ms)
            self.deltas.append(delta)


def cpu_ms(pid):
    """User + system CPU time of a process so far (in clock ticks, usually 10 ms)."""
    if pid is None:
        return None
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--warmup", type=int, default=9, help="untimed scrapes (rounds of the references) first")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--pid", type=int, help="the exporter's pid, for its CPU time per scrape")
    parser.add_argument("--baseline", help="/metrics of an exporter without the chain collector")
    parser.add_argument("--baseline-pid", type=int, help="the baseline exporter's pid")
    parser.add_argument("--compare", help="/metrics of a second exporter with the chain collector (another build)")
    parser.add_argument("--compare-pid", type=int, help="the compared exporter's pid")
    parser.add_argument("--node", help="the node's http:// URL, for the raw JSON-RPC reference")
    parser.add_argument("--keys", help="storage keys for the reference (storage_keys.cjs)")
    args = parser.parse_args()
    if args.warmup < 1 or args.count < 1:
        sys.exit("--warmup and --count must be at least 1 (the request count is a delta from the last warm-up scrape)")

    exporter = Exporter(args.url)
    runners = [exporter]
    if args.compare:
        runners.append(Exporter(args.compare, "compare"))
    if args.baseline:
        runners.append(Exporter(args.baseline, "baseline", chain=False))
    for runner in runners:
        for _ in range(args.warmup):
            runner.scrape()
    if args.node:
        with open(args.keys) as f:
            keys = json.load(f)
        ws_url = urllib.parse.urlunsplit(("ws",) + urllib.parse.urlsplit(args.node)[1:])
        references = [Reference(HttpTransport(args.node), keys), Reference(WebSocketTransport(ws_url), keys)]
        runners += references
        for reference in references:
            for _ in range(args.warmup):
                reference.round(record=False)

    rng = random.Random(1)
    pids = {"exporter": args.pid, "compare": args.compare_pid, "baseline": args.baseline_pid}
    cpu_before, wall_before = {name: cpu_ms(pid) for name, pid in pids.items()}, time.perf_counter()
    for _ in range(args.count):
        order = runners[:]
        rng.shuffle(order)
        for runner in order:
            runner.round(record=True)
    cpu_after = {name: cpu_ms(pid) for name, pid in pids.items()}
    cpu_per_scrape = {name: (cpu_after[name] - cpu_before[name]) / args.count if pids[name] else None for name in pids}

    e = exporter
    results = {
        "exporter": {
            **timings(e.times),
            "server_median_ms": statistics.median(e.server),
            "server_p99_ms": percentile(e.server, 99),
            "staking_median_ms": statistics.median(e.staking),
            "requests_per_scrape": sum(e.deltas) / len(e.deltas),
            "requests_per_scrape_min": min(e.deltas),
            "requests_per_scrape_max": max(e.deltas),
            "requests_total": e.requests,
            "cpu_ms_per_scrape": cpu_per_scrape["exporter"],
            "series": series(e.body),
            "body_bytes": len(e.body.encode()),
        },
        "wall_s": time.perf_counter() - wall_before,
    }
    for runner in runners[1:]:
        if isinstance(runner, Exporter):
            results[runner.name] = {"scrapes": len(runner.times), "median_ms": statistics.median(runner.times),
                                    "p99_ms": percentile(runner.times, 99), "mean_ms": statistics.fmean(runner.times),
                                    "series": series(runner.body),
                                    "body_bytes": len(runner.body.encode()),
                                    "cpu_ms_per_scrape": cpu_per_scrape[runner.name]}
        else:
            results[f"reference_{runner.name}"] = runner.summary()
            runner.transport.close()
    with open(args.json, "w") as f:
        json.dump(results, f, indent=2)
    x = results["exporter"]
    print(f"exporter: median {x['median_ms']:.2f} ms, p99 {x['p99_ms']:.2f} ms (chain collector median "
          f"{x['server_median_ms']:.2f} ms), {x['requests_per_scrape']:g} requests/scrape", file=sys.stderr)
    if (c := results.get("compare")) is not None:
        print(f"compared exporter: median {c['median_ms']:.2f} ms, p99 {c['p99_ms']:.2f} ms", file=sys.stderr)
    if "baseline" in results:
        b = results["baseline"]
        print(f"exporter without the chain collector: median {b['median_ms']:.2f} ms, p99 {b['p99_ms']:.2f} ms",
              file=sys.stderr)
    for name in ("http", "ws"):
        if (r := results.get(f"reference_{name}")) is not None:
            print(f"raw JSON-RPC over {name}: median {r['median_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms for "
                  f"{r['calls_per_round']} calls", file=sys.stderr)


if __name__ == "__main__":
    main()

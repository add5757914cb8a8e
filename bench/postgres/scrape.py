#!/usr/bin/env python3
"""Times sequential scrapes of several /metrics endpoints, interleaved.

Each round scrapes every endpoint once, in a freshly shuffled order, so slow phases of a noisy machine hit all
of them alike. One keep-alive HTTP connection per endpoint (as Prometheus does); no gzip (each exporter's
plain text format). The time is from sending the request to having read the whole body (time.perf_counter).

usage: scrape.py --warmup N --count N --json OUT NAME=URL [NAME=URL ...]
"""
import argparse
import json
import os
import random
import re
import statistics
import sys

# keepalive.py is shared with bench/chain, one folder up; nothing compiled is written beside it.
sys.dont_write_bytecode = True
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keepalive import KeepAlive, percentile, series, timings  # noqa: E402

# Per exporter: a line that must be in every answer (the database was read), and the server-side duration of
# the database collection (for the report: where the time goes).
CHECKS = {
    "xx-exporter": (re.compile(r'^xx_postgres_up\{database="cmix_gateway"\} 1$', re.M),
                    re.compile(r'^xx_exporter_collector_duration_seconds\{collector="postgres_cmix_gateway"\} (\S+)$', re.M)),
    "postgres_exporter": (re.compile(r'^pg_up(\{[^}]*\})? 1$', re.M),
                          re.compile(r'^pg_exporter_last_scrape_duration_seconds(\{[^}]*\})? (\S+)$', re.M)),
}
CHECKS["xx-exporter-compare"] = CHECKS["xx-exporter"]  # another build of it (run.sh --compare)


# The Postgres collector's families (the other xx_gateway_* series come from the gateway log).
XX_POSTGRES = ("xx_postgres_", "xx_gateway_last_stored_round_", "xx_gateway_estimated_rows")


class Endpoint:
    def __init__(self, name, url):
        self.name = name
        self.http = KeepAlive(url)
        self.times = []
        self.server = []
        self.body = ""

    def scrape(self, record):
        text, elapsed = self.http.scrape(self.name)
        up, duration = CHECKS.get(self.name, (None, None))
        if up is not None and not up.search(text):
            sys.exit(f"{self.name}: the answer does not show the database as up")
        if record:
            self.times.append(elapsed)
            if duration is not None and (m := duration.search(text)):
                self.server.append(float(m.groups()[-1]) * 1000)
        self.body = text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--json", required=True)
    parser.add_argument("endpoints", nargs="+")
    args = parser.parse_args()
    endpoints = [Endpoint(*e.split("=", 1)) for e in args.endpoints]
    rng = random.Random(1)
    for round_ in range(args.warmup + args.count):
        order = endpoints[:]
        rng.shuffle(order)
        for endpoint in order:
            endpoint.scrape(record=round_ >= args.warmup)
    results = {}
    for e in endpoints:
        results[e.name] = {
            **timings(e.times),
            "server_median_ms": statistics.median(e.server) if e.server else None,
            "server_p99_ms": percentile(e.server, 99) if e.server else None,
            "series": series(e.body),
            "postgres_series": series(e.body, ("pg_",) if e.name == "postgres_exporter" else XX_POSTGRES),
            "body_bytes": len(e.body.encode()),
        }
    with open(args.json, "w") as f:
        json.dump(results, f, indent=2)
    for name, r in results.items():
        print(f"{name}: median {r['median_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, server-side median "
              f"{r['server_median_ms'] or 0:.2f} ms, {r['series']} series ({r['body_bytes']} bytes)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Times sequential scrapes of several /metrics endpoints, interleaved.

Each round scrapes every endpoint once, in a freshly shuffled order, so slow phases of a noisy machine hit all
of them alike. One keep-alive HTTP connection per endpoint (as Prometheus does); no gzip (each exporter's
plain text format). The time is from sending the request to having read the whole body (time.perf_counter).

usage: scrape.py --warmup N --count N --json OUT NAME=URL [NAME=URL ...]
"""
import argparse
import http.client
import json
import math
import random
import re
import statistics
import sys
import time
import urllib.parse

# Per exporter: a line that must be in every answer (the database was read), and the server-side duration of
# the database collection (for the report: where the time goes).
CHECKS = {
    "xx-exporter": (re.compile(r'^xx_postgres_up\{database="cmix_gateway"\} 1$', re.M),
                    re.compile(r'^xx_exporter_collector_duration_seconds\{collector="postgres_cmix_gateway"\} (\S+)$', re.M)),
    "postgres_exporter": (re.compile(r'^pg_up(\{[^}]*\})? 1$', re.M),
                          re.compile(r'^pg_exporter_last_scrape_duration_seconds(\{[^}]*\})? (\S+)$', re.M)),
}


# The Postgres collector's families (the other xx_gateway_* series come from the gateway log).
XX_POSTGRES = ("xx_postgres_", "xx_gateway_last_stored_round_", "xx_gateway_estimated_rows")


class Endpoint:
    def __init__(self, name, url):
        self.name = name
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.connection = None
        self.times = []
        self.server = []
        self.body = ""

    def scrape(self, record):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        started = time.perf_counter()
        self.connection.request("GET", self.path, headers={"Accept": "text/plain"})
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            sys.exit(f"{self.name}: HTTP {response.status}")
        if response.will_close:
            self.connection.close()
            self.connection = None
        text = body.decode()
        up, duration = CHECKS.get(self.name, (None, None))
        if up is not None and not up.search(text):
            sys.exit(f"{self.name}: the answer does not show the database as up")
        if record:
            self.times.append(elapsed * 1000)
            if duration is not None and (m := duration.search(text)):
                self.server.append(float(m.groups()[-1]) * 1000)
        self.body = text


def percentile(values, p):
    """Nearest-rank percentile (p99 of 1000 samples is the 990th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def series(text, prefixes=None):
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    if prefixes:
        lines = [l for l in lines if l.startswith(prefixes)]
    return len(lines)


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
            "scrapes": len(e.times),
            "median_ms": statistics.median(e.times),
            "p99_ms": percentile(e.times, 99),
            "mean_ms": statistics.fmean(e.times),
            "min_ms": min(e.times),
            "max_ms": max(e.times),
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

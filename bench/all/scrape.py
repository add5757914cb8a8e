#!/usr/bin/env python3
"""Scrapes several running exporters alike and follows their memory (bench/all/run.sh).

Each exporter is NAME=URL@PID. First one scrape each, then their "start" memory; then --count rounds, each
scraping every exporter once in a freshly shuffled order (slow phases of a noisy machine hit all alike), one
keep-alive connection each (keepalive.py). /proc/PID/status is read every --sample rounds for the peak of VmRSS;
at the end VmRSS, VmHWM, RssAnon and RssFile, and /proc/PID/smaps_rollup. Every answer must show all collectors
successful except those named by --may-fail, else the run stops: memory of error paths is not what is measured.

With --rate R the rounds are paced at R a second (a soak: growth shows as VmRSS rising over the run's
minutes, so VmRSS is also kept per minute); without it they follow each other at once.

With --connections N each round scrapes every exporter N times at once, over N keep-alive connections (N
Prometheus servers): --rate 50 --connections 2 is 100 scrapes a second.

usage: scrape.py --count N --json OUT [--rate R] [--connections N] [--sample N] [--may-fail NAME,...] NAME=URL@PID [NAME=URL@PID ...]
"""
import argparse
import json
import os
import random
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# keepalive.py is shared with the other benchmarks, one folder up; nothing compiled is written beside it.
sys.dont_write_bytecode = True
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keepalive import KeepAlive, series, timings  # noqa: E402

SUCCESS = re.compile(r'^xx_exporter_collector_success\{collector="([^"]+)"\} (\S+)$', re.M)
STATUS = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads")


def status(pid):
    """The STATUS values of /proc/PID/status (KiB; Threads a count)."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in STATUS:
                values[key] = int(rest.split()[0])
    return values


def rollup(pid):
    """/proc/PID/smaps_rollup in KiB: Rss, Pss, Pss_Anon, Pss_File, Anonymous, Private_Dirty..."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1])
    return values


def mappings(pid):
    """Rss (KiB) of /proc/PID/smaps grouped by what holds it: each mapped file, the brk heap, and anonymous
    mappings by size class (the GC reserves its heap as one huge mapping; thread stacks are 8 MiB; glibc's
    per-thread malloc arenas 64 MiB)."""
    groups = {}
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
                start, end = (int(x, 16) for x in parts[0].split("-"))
                size = (end - start) // 1024
                path = parts[5] if len(parts) > 5 else ""
                if path.startswith("/"):
                    name = os.path.basename(path)
                elif path:
                    name = path
                elif size >= 1 << 20:
                    name = "anon: mappings of 1 GiB and more (GC reservation)"
                elif size >= 60 << 10:
                    name = "anon: 60 MiB-1 GiB (malloc arenas, GC)"
                elif 8 << 10 <= size <= (8 << 10) + 8:
                    name = "anon: 8 MiB (thread stacks)"
                else:
                    name = "anon: other"
            elif parts[0] == "Rss:":
                groups[name] = groups.get(name, 0) + int(parts[1])
    return dict(sorted(((k, v) for k, v in groups.items() if v), key=lambda kv: -kv[1]))


class Exporter:
    def __init__(self, spec, may_fail, connections):
        self.name, rest = spec.split("=", 1)
        url, pid = rest.rsplit("@", 1)
        self.pid = int(pid)
        self.connections = [KeepAlive(url) for _ in range(connections)]
        self.may_fail = may_fail
        self.times, self.peak, self.body, self.per_minute = [], 0, "", {}
        self.tolerated = {}  # collector -> scrapes in which it failed, of those --may-fail names

    def scrape(self, record, connection=0):
        text, elapsed = self.connections[connection].scrape(self.name)
        failed = [c for c, v in SUCCESS.findall(text) if v != "1" and c not in self.may_fail]
        if failed:
            sys.exit(f"{self.name}: collectors not successful: {', '.join(failed)}")
        for collector, value in SUCCESS.findall(text):
            if value != "1":
                self.tolerated[collector] = self.tolerated.get(collector, 0) + 1
        if record:
            self.times.append(elapsed)
        self.body = text

    def sample(self, minute):
        rss = status(self.pid)["VmRSS"]
        self.peak = max(self.peak, rss)
        self.per_minute[minute] = rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1200)
    parser.add_argument("--sample", type=int, default=10, help="read VmRSS every this many rounds")
    parser.add_argument("--rate", type=float, default=0, help="rounds a second (0: as fast as they go)")
    parser.add_argument("--connections", type=int, default=1, help="concurrent scrapes of each exporter in a round")
    parser.add_argument("--may-fail", default="", help="collectors allowed to report failure (comma-separated)")
    parser.add_argument("--json", required=True)
    parser.add_argument("exporters", nargs="+")
    args = parser.parse_args()
    exporters = [Exporter(spec, set(filter(None, args.may_fail.split(","))), args.connections) for spec in args.exporters]
    pool = ThreadPoolExecutor(args.connections)
    for e in exporters:
        e.scrape(record=False)
    start = {e.name: status(e.pid) for e in exporters}
    rng = random.Random(1)
    began = time.monotonic()
    for round_ in range(args.count):
        if args.rate > 0:
            time.sleep(max(0.0, began + round_ / args.rate - time.monotonic()))
        order = exporters[:]
        rng.shuffle(order)
        for e in order:
            list(pool.map(lambda c, e=e: e.scrape(True, c), range(args.connections)))
        if round_ % args.sample == 0:
            for e in exporters:
                e.sample(int((time.monotonic() - began) // 60))
    seconds = time.monotonic() - began
    results = {}
    for e in exporters:
        e.sample(int(seconds // 60))
        results[e.name] = {
            **timings(e.times),
            "start": start[e.name],
            "peak_sampled_kib": e.peak,
            "end": status(e.pid),
            "rollup": rollup(e.pid),
            "mappings": mappings(e.pid),
            "collectors": dict(SUCCESS.findall(e.body)),
            "series": series(e.body),
            "body_bytes": len(e.body.encode()),
            "seconds": seconds,
            "rounds_per_second": args.count / seconds,
            "scrapes_per_second": args.count * args.connections / seconds,
            "vmrss_kib_per_minute": e.per_minute,
            "tolerated_failures": e.tolerated,
        }
    with open(args.json, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()

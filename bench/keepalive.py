"""Shared by the benchmarks' timing scripts (bench/chain, bench/postgres): one keep-alive HTTP connection with the
request timed, the nearest-rank percentile, the timing statistics and a series count of a /metrics answer.
Standard library only.

The scripts run as `python3 bench/<name>/scrape.py`, so they put this folder on sys.path before importing it.
"""
import http.client
import statistics
import sys
import time
import urllib.parse


class KeepAlive:
    """One keep-alive HTTP connection to one URL (as Prometheus keeps one per target), reopened only when the
    server says it closes it; no gzip."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.connection = None

    def request(self, method="GET", body=None, headers=None):
        """Returns (status, body, ms): the time runs from sending the request to having read the whole body
        (time.perf_counter)."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        started = time.perf_counter()
        self.connection.request(method, self.path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.will_close:
            self.close()
        return response.status, data, elapsed

    def scrape(self, name):
        """GET of the plain text format; stops the run on anything but 200. Returns (text, ms)."""
        status, data, elapsed = self.request("GET", headers={"Accept": "text/plain"})
        if status != 200:
            sys.exit(f"{name}: HTTP {status}")
        return data.decode(), elapsed

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def percentile(values, p):
    """Nearest-rank percentile (p99 of 1000 samples is the 990th smallest, of 200 the 198th)."""
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)]  # ceil in integers: exact


def timings(ms):
    """The statistics both reports use of a list of scrape times (ms), in the order scrapes.json has them."""
    return {
        "scrapes": len(ms),
        "median_ms": statistics.median(ms),
        "p99_ms": percentile(ms, 99),
        "mean_ms": statistics.fmean(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
    }


def series(text, prefixes=None):
    """Series in a /metrics answer (lines that are not comments), or only those starting with one of prefixes."""
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    if prefixes:
        lines = [l for l in lines if l.startswith(prefixes)]
    return len(lines)

#!/usr/bin/env python3
"""The summary of one bench/all/run.sh run (Markdown): memory and scrape times of each exporter, and the ratios of
the candidate to the baseline when there is one. usage: report.py RESULTS_DIR"""
import json
import pathlib
import sys

TARGET_MIB = 31  # mtail (~15 MiB) + postgres_exporter (~16 MiB), the two tools the exporter replaces

results = pathlib.Path(sys.argv[1])
runs = json.loads((results / "scrapes.json").read_text())
mib = lambda kib: kib / 1024

def minutes(run):
    """VmRSS (KiB) in each minute of the scraping, in order."""
    return [kib for _, kib in sorted(run["vmrss_kib_per_minute"].items(), key=lambda kv: int(kv[0]))]


rows = [
    ("VmRSS at start (after the first scrape)", lambda r: mib(r["start"]["VmRSS"]), "{:.1f}"),
    ("VmRSS peak (VmHWM, start-up included)", lambda r: mib(r["end"]["VmHWM"]), "{:.1f}"),
    ("VmRSS peak while scraped (sampled)", lambda r: mib(r["peak_sampled_kib"]), "{:.1f}"),
    ("VmRSS at the end", lambda r: mib(r["end"]["VmRSS"]), "{:.1f}"),
    ("&nbsp; RssAnon at the end", lambda r: mib(r["end"]["RssAnon"]), "{:.1f}"),
    ("&nbsp; RssFile at the end", lambda r: mib(r["end"]["RssFile"]), "{:.1f}"),
    ("&nbsp; smaps_rollup Anonymous / Pss_File", lambda r: (mib(r["rollup"]["Anonymous"]), mib(r["rollup"]["Pss_File"])),
     "{0[0]:.1f} / {0[1]:.1f}"),
    ("RssAnon at start", lambda r: mib(r["start"]["RssAnon"]), "{:.1f}"),
    ("scrape p50 ms", lambda r: r["median_ms"], "{:.2f}"),
    ("scrape p99 ms", lambda r: r["p99_ms"], "{:.2f}"),
    ("scrape mean ms", lambda r: r["mean_ms"], "{:.2f}"),
    ("threads at the end", lambda r: r["end"]["Threads"], "{}"),
    ("series per scrape", lambda r: r["series"], "{}"),
    ("scrapes a second (achieved)", lambda r: r.get("scrapes_per_second", r.get("rounds_per_second", 0)), "{:.1f}"),
    ("VmRSS first / last minute", lambda r: (mib(minutes(r)[0]), mib(minutes(r)[-1])),
     "{0[0]:.1f} / {0[1]:.1f}"),
    ("scrapes with a collector failing (--may-fail)",
     lambda r: ", ".join(f"{c} {n}" for c, n in sorted(r.get("tolerated_failures", {}).items())) or "none", "{}"),
]
names = list(runs)
for name in names:
    size = results / f"{name}.size"
    runs[name]["binary_mb"] = int(size.read_text()) / 1e6 if size.exists() else float("nan")
rows.append(("executable MB", lambda r: r["binary_mb"], "{:.1f}"))

first = runs[names[0]]
print(f"{first['scrapes']} scrapes of each exporter; all collectors on: "
      + ", ".join(f"{c} {'ok' if v == '1' else 'FAILED'}" for c, v in sorted(first["collectors"].items())) + "\n")
print("| MiB unless said | " + " | ".join(names) + (" | candidate ÷ baseline |" if len(names) > 1 else " |"))
print("|---|" + "---:|" * (len(names) + (len(names) > 1)))
for label, get, fmt in rows:
    cells = [fmt.format(get(runs[n])) for n in names]
    if len(names) > 1:
        a, b = get(runs["candidate"]), get(runs["baseline"])
        ratio = "" if isinstance(a, (tuple, str)) else f"{a / b:.3f}" if b else ""
        cells.append(ratio)
    print(f"| {label} | " + " | ".join(cells) + " |")
end = mib(runs["candidate"]["end"]["VmRSS"])
print(f"\nTarget: at most {TARGET_MIB} MiB (mtail ~15 + postgres_exporter ~16); the candidate ends at {end:.1f} MiB "
      f"({end / TARGET_MIB:.2f} of it).")

print("\nWhere the RSS at the end is (/proc/PID/smaps, KiB, the largest groups):\n")
print("| mapping | " + " | ".join(names) + " |")
print("|---|" + "---:|" * len(names))
keys = list(runs["candidate"]["mappings"])[:12]
for key in keys:
    print(f"| {key} | " + " | ".join(str(runs[n]["mappings"].get(key, 0)) for n in names) + " |")

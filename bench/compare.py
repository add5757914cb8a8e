#!/usr/bin/env python3
"""Count checks for bench/run.sh. Prints a Markdown table per check and exits 1 if any count differs.

  compare.py oneshot --exporter E.prom --mtail M.prom --truth T.json --wc N
      exporter vs mtail on the counters both count the same way, exporter vs the simulator's ground truth,
      mtail's signal-line counters vs ground truth, line counts vs wc -l.
  compare.py live --truth T.json [--exporter E.prom] [--mtail M.prom]
      the running exporter's counters after the feed vs the feed's ground truth (mtail: lines, info only).
"""
import argparse
import json
import math
import re
import sys

# Families that xx.mtail computes exactly as the exporter does (same name, labels and definition).
SAME_WAY = [
    "xx_log_lines_total",
    "xx_log_records_total",
    "xx_log_continuation_lines_total",
    "xx_log_last_record_timestamp_seconds",
    "xx_cmix_rounds_completed_total",
    "xx_cmix_round_duration_seconds",  # histogram: buckets, sum, count
    "xx_cmix_last_round_completed_timestamp_seconds",
    "xx_cmix_starts_total",
    "xx_cmix_crashes_total",
    "xx_cmix_version_info",
    "xx_cmix_scheduling_errors_total",
    "xx_cmix_database_errors_total",
]
GO_LEVELS = ["trace", "debug", "info", "warn", "error", "critical", "fatal"]
REASONS = ["phase_timeout", "participatory_fail", "team_error", "other"]
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(path):
    """Prometheus text -> {(name, ((label, value), ...)): float}, without mtail's prog label."""
    series = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = SAMPLE.match(line)
            if not m or line.startswith("#"):
                continue
            name, labels, value = m.groups()
            pairs = []
            for key, val in LABEL.findall(labels or ""):
                if key == "prog":
                    continue
                if key == "le":  # "5" (mtail) and "5.0"/"5" (exporter) are the same bucket
                    val = "+Inf" if val == "+Inf" else repr(float(val))
                pairs.append((key, val))
            series[(name, tuple(sorted(pairs)))] = float(value)
    return series


def get(series, name, **labels):
    return series.get((name, tuple(sorted(labels.items()))), 0.0)


def family(name):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in SAME_WAY:
            return name[: -len(suffix)]
    return name


def same(a, b):
    return a == b or math.isclose(a, b, rel_tol=1e-12)


def fmt(v):
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)


class Report:
    def __init__(self):
        self.failed = 0

    def table(self, title, columns, rows):
        """rows: (cells..., ok or None for information only)."""
        print(f"\n**{title}**\n")
        print("| " + " | ".join(columns + ["check"]) + " |")
        print("|" + "---|" * (len(columns) + 1))
        for *cells, ok in rows:
            mark = "info" if ok is None else ("ok" if ok else "**DIFFERS**")
            if ok is False:
                self.failed += 1
            print("| " + " | ".join(str(c) for c in cells) + f" | {mark} |")


def show(name, labels):
    inner = ",".join(f'{k}="{v}"' for k, v in labels)
    return f"`{name}{{{inner}}}`" if inner else f"`{name}`"


def oneshot(args, report):
    exp, mt = parse(args.exporter), parse(args.mtail)
    truth = json.load(open(args.truth))
    keys = sorted({k for k in list(exp) + list(mt) if family(k[0]) in SAME_WAY}, key=numeric_le)
    rows = [(show(*k), fmt(get_key(exp, k)), fmt(get_key(mt, k)), same(get_key(exp, k), get_key(mt, k))) for k in keys]
    report.table("exporter vs mtail (counted the same way; a series missing on one side counts as 0)",
                 ["series", "exporter", "mtail"], rows)

    rows = [("lines", fmt(get(exp, "xx_log_lines_total", log="cmix")), truth["Lines"]["cmix"], args.wc)]
    rows = [(n, e, t, w, float(e) == t == w) for n, e, t, w in rows]
    for level in GO_LEVELS:
        e, t = get(exp, "xx_log_records_total", log="cmix", level=level), truth["Records"].get(f"cmix/{level}", 0)
        rows.append((f"records {level}", fmt(e), t, "", e == t))
    for label, name, t in [("rounds completed", "xx_cmix_rounds_completed_total", truth["RoundsCompleted"]),
                           ("starts", "xx_cmix_starts_total", truth["CmixStarts"]),
                           ("crashes", "xx_cmix_crashes_total", truth["CmixCrashes"])]:
        e = get(exp, name)
        rows.append((label, fmt(e), t, "", e == t))
    for reason in REASONS:
        e, t = get(exp, "xx_cmix_round_failures_total", reason=reason), truth["RoundFailures"][reason]
        rows.append((f"round failures {reason}", fmt(e), t, "", e == t))
    for reason in ["oversized_line", "bad_timestamp", "orphan_line"]:
        e = get(exp, "xx_log_skipped_total", log="cmix", reason=reason)
        rows.append((f"skipped {reason}", fmt(e), 0, "", e == 0))
    report.table("exporter vs simulator ground truth", ["count", "exporter", "ground truth", "wc -l"], rows)

    rows = [("lines (the UTF-8-cleaned copy was read to its end)", "xx_log_lines_total", get(mt, "xx_log_lines_total", log="cmix"), args.wc)]
    crashes, fails = truth["CmixCrashes"], truth["RoundFailures"]
    for label, name, t in [("`panic:` lines = crashes", "xx_mtail_cmix_panic_lines_total", crashes),
                           ("`Error encountered - closing server` = crashes", "xx_mtail_cmix_error_encountered_total", crashes),
                           ("phase timeouts in progress = phase_timeout failures", "xx_mtail_cmix_phase_timeouts_total", fails["phase_timeout"]),
                           ("participatory fails in progress = participatory_fail failures", "xx_mtail_cmix_participatory_fails_in_progress_total", fails["participatory_fail"]),
                           ("`ReceiveRoundError` = team_error failures", "xx_mtail_cmix_team_errors_total", fails["team_error"])]:
        rows.append((label, name, get(mt, name), t))
    report.table("mtail vs ground truth (the simulator writes exactly one such line per event)",
                 ["what", "mtail series", "mtail", "expected"], [(a, f"`{n}`", fmt(m), t, m == t) for a, n, m, t in rows])


def numeric_le(key):
    """Sort histogram buckets by bound, not as text."""
    name, labels = key
    return name, [(k, float(v) if k == "le" else 0.0, v) for k, v in labels]


def get_key(series, key):
    return series.get(key, 0.0)


def live(args, report):
    truth = json.load(open(args.truth))
    if args.exporter:
        live_exporter(parse(args.exporter), truth, report)
    if args.mtail:
        mt = parse(args.mtail)
        report.table("running mtail (cmix.log only) vs the feed's ground truth: information, see the UTF-8 note",
                     ["count", "mtail", "ground truth"],
                     [("lines cmix", fmt(get(mt, "xx_log_lines_total", log="cmix")), truth["Lines"]["cmix"], None)])


def live_exporter(exp, truth, report):
    rows = []
    for log, t in sorted(truth["Lines"].items()):
        rows.append((f"lines {log}", fmt(get(exp, "xx_log_lines_total", log=log)), t))
    levels = {(log, level) for log in truth["Lines"] for level in GO_LEVELS
              if (("xx_log_records_total", tuple(sorted({"log": log, "level": level}.items()))) in exp)}
    for log, level in sorted(levels):
        rows.append((f"records {log}/{level}", fmt(get(exp, "xx_log_records_total", log=log, level=level)),
                     truth["Records"].get(f"{log}/{level}", 0)))
    rows.append(("cmix rounds completed", fmt(get(exp, "xx_cmix_rounds_completed_total")), truth["RoundsCompleted"]))
    rows.append(("cmix starts", fmt(get(exp, "xx_cmix_starts_total")), truth["CmixStarts"]))
    rows.append(("cmix crashes", fmt(get(exp, "xx_cmix_crashes_total")), truth["CmixCrashes"]))
    for reason in REASONS:
        rows.append((f"cmix round failures {reason}", fmt(get(exp, "xx_cmix_round_failures_total", reason=reason)),
                     truth["RoundFailures"][reason]))
    rows.append(("cmix wrapper restarts", fmt(get(exp, "xx_wrapper_restarts_total", service="cmix")), truth["WrapperRestarts"]))
    report.table("running exporter (lines appended after start) vs the feed's ground truth",
                 ["count", "exporter", "ground truth"], [(n, e, t, float(e) == t) for n, e, t in rows])


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    one = sub.add_parser("oneshot")
    one.add_argument("--exporter", required=True)
    one.add_argument("--mtail", required=True)
    one.add_argument("--truth", required=True)
    one.add_argument("--wc", type=int, required=True)
    tail = sub.add_parser("live")
    tail.add_argument("--exporter")
    tail.add_argument("--truth", required=True)
    tail.add_argument("--mtail")
    args = parser.parse_args()
    report = Report()
    (oneshot if args.mode == "oneshot" else live)(args, report)
    if report.failed:
        print(f"\n{report.failed} count(s) DIFFER", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

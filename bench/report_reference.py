#!/usr/bin/env python3
"""The reference for `perfgate report … export --format json`, in plain Python.

One json.loads per line, the same strict rules for a record (src/oplog/operation_log_reader.hpp),
the same periods, statistics and flags (src/oplog/operation_report.hpp): percentiles by nearest
rank, the value at rank ceil(p*N) of the sorted durations; averages summed in record order.
bench/report-vs-python.sh times it against perfgate and checks that both print the same numbers.

  python3 bench/report_reference.py --input LOG [--input LOG2] [--now TIME --days N] [--slowest N]
"""
import argparse
import datetime
import gzip
import heapq
import json
import re
import sys

NS_PER_DAY = 86_400 * 10**9
TIMESTAMP = re.compile(
    rb"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})")
EPOCH = datetime.date(1970, 1, 1)


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def timestamp_ns(text):
    """ns since the epoch for the ISO-8601 forms perfgate accepts, else None."""
    m = TIMESTAMP.fullmatch(text.encode())
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        days = (datetime.date(year, month, day) - EPOCH).days
    except ValueError:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    fraction = m.group(7) or b""
    ns = int(fraction.ljust(9, b"0")) if fraction else 0
    zone = m.group(8)
    offset = 0
    if zone != b"Z":
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (-1 if zone[:1] == b"-" else 1)
    ns += (days * 86400 + hour * 3600 + minute * 60 + second - offset) * 10**9
    return ns if -2**63 <= ns < 2**63 else None  # what 64-bit nanoseconds hold, as perfgate


def parse(line):
    """(timestamp text, ns, operation, duration, success, session) or None for a malformed line."""
    try:
        obj = json.loads(line, parse_constant=reject_constant)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError too
        return None
    if type(obj) is not dict:
        return None
    ts, op, d, ok = obj.get("timestamp"), obj.get("operation_type"), obj.get("duration_ms"), obj.get("success")
    if ts is None or op is None or d is None or ok is None:
        return None
    if type(op) is not str or not op or type(d) not in (int, float) or type(ok) is not bool or type(ts) is not str:
        return None
    if d < 0 or d != d or d == float("inf"):  # json.loads reads 1e400 as inf; strict JSON has no inf
        return None
    ns = timestamp_ns(ts)
    if ns is None:
        return None
    session = obj.get("session_id")
    if session is not None and type(session) is not str:
        return None
    err = obj.get("error")
    if err is not None and type(err) is not str:
        return None
    ctx = obj.get("context")
    if ctx is not None and type(ctx) is not dict:
        return None
    return ts, ns, op, float(d), ok, session


def nearest_rank(sorted_values, percent):
    n = len(sorted_values)
    rank = min(max((n * percent + 99) // 100, 1), n)
    return sorted_values[rank - 1]


def iso_ms(ns):
    ms = ns // 10**6
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", action="append", required=True)
    ap.add_argument("--now")
    ap.add_argument("--days", type=int)
    ap.add_argument("--slowest", type=int, default=10)
    args = ap.parse_args()

    period = previous = None
    if args.days:
        now = timestamp_ns(args.now)
        period = (now - args.days * NS_PER_DAY, now)
        previous = (period[0] - args.days * NS_PER_DAY, period[0])

    durations, successes, sums = {}, {}, {}
    before_sum, before_count = {}, {}
    lines = records = malformed = 0
    first_malformed = []
    heap = []  # (duration, -sequence, row): the least slow on top
    sequence = 0
    first_ns = last_ns = None
    for path in args.input:
        f = gzip.open(path, "rb") if path.endswith(".gz") else (sys.stdin.buffer if path == "-" else open(path, "rb"))
        for number, line in enumerate(f, 1):
            lines += 1
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            rec = parse(line) if line.strip(b" \t\r\n") else None
            if rec is None:
                malformed += 1
                if len(first_malformed) < 10:
                    first_malformed.append({"file": path, "line": number})
                continue
            records += 1
            sequence += 1
            ts, ns, op, d, ok, session = rec
            if period and not (period[0] <= ns < period[1]):
                if previous[0] <= ns < previous[1]:
                    before_sum[op] = before_sum.get(op, 0.0) + d
                    before_count[op] = before_count.get(op, 0) + 1
                continue
            if op not in durations:
                durations[op], successes[op], sums[op] = [], 0, 0.0
            durations[op].append(d)
            successes[op] += ok
            sums[op] += d
            first_ns = ns if first_ns is None else min(first_ns, ns)
            last_ns = ns if last_ns is None else max(last_ns, ns)
            if args.slowest > 0:
                entry = (d, -sequence, {"timestamp": ts, "operation_type": op, "duration_ms": d, "session_id": session,
                                        "file": path, "line": number})
                if len(heap) < args.slowest:
                    heapq.heappush(heap, entry)
                elif entry[:2] > heap[0][:2]:
                    heapq.heapreplace(heap, entry)
        if f is not sys.stdin.buffer:
            f.close()

    operations = []
    total = successful = 0
    for op in sorted(durations):
        values = sorted(durations[op])
        n = len(values)
        avg = sums[op] / n
        p95, p99 = nearest_rank(values, 95), nearest_rank(values, 99)
        failures = n - successes[op]
        flags = []
        if p95 > 2.0 * avg:
            flags.append("p95_over_2x_avg")
        prev = before_sum[op] / before_count[op] if op in before_count else None
        if prev is not None and avg > prev * 1.2:
            flags.append("avg_up_over_20pct")
        if failures * 100 > n:
            flags.append("error_rate_over_1pct")
        operations.append({"operation_type": op, "count": n, "success": successes[op], "error_rate": failures / n,
                           "avg_ms": avg, "p95_ms": p95, "p99_ms": p99, "min_ms": values[0], "max_ms": values[-1],
                           "previous_avg_ms": prev, "flags": flags})
        total += n
        successful += successes[op]

    def period_json(p):
        return {"from": iso_ms(p[0]), "to": iso_ms(p[1])} if p else {"from": None, "to": None}

    if period is None and first_ns is not None:
        period = (first_ns, last_ns)
    slowest = [row for _, _, row in sorted(heap, key=lambda e: (e[0], e[1]), reverse=True)]
    report = {
        "schema": "perfgate.oplog-report/v1",
        "period": period_json(period),
        "previous_period": period_json(previous) if previous else None,
        "operations": operations,
        "reliability": {"total": total, "successful": successful, "failed": total - successful,
                        "error_rate": (total - successful) / total if total else 0.0},
        "slowest": slowest,
        "malformed": malformed,
        "skipped_lines": {"count": malformed, "first": first_malformed},
        "input": {"files": args.input, "lines": lines, "records": records},
        "warnings": [],
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# perfgate report vs a plain-Python reference (bench/report_reference.py: json.loads per line,
# the same statistics), on one generated operation log of SIZE_MB (default 1000) MB:
#   perfgate report --input LOG --now NOW export --format json    vs    python3 bench/report_reference.py
# perfgate runs twice per round: with --threads 1 pinned to one CPU (CPU=1), and with its default
# (one thread per core) on the CPUs in CPUS (default: all of them); Python is pinned to CPU.
# RUNS (default 3) rounds, in sequence; prints the medians, MB/s (10^6 bytes per second of the
# uncompressed log) and the ratios, checks that both perfgate runs printed the same bytes and
# that Python printed the same numbers (counts exactly, floats within 1e-9 relative), and shows
# the load average before and after (the machine is quiet when it stays well under 1).
# The log is generated once with a fixed seed and kept in WORK (default /tmp/perfgate-report-bench);
# DAYS=N adds --days N (the last N days, compared with the N before) to both.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${SIZE_MB:-1000}
runs=${RUNS:-3}
cpu=${CPU:-1}
cpus=${CPUS:-0-$(($(nproc) - 1))}
perfgate=${PERFGATE:-build/perfgate}
work=${WORK:-/tmp/perfgate-report-bench}
now="2026-01-06T00:00:00Z"
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh), or set PERFGATE=path"; exit 2; }
mkdir -p "$work"
log="$work/oplog-${size_mb}MB.jsonl"
days_args=()
[ -n "${DAYS:-}" ] && days_args=(--days "$DAYS")

free_mb=$(df -Pm "$work" | awk 'NR==2 {print $4}')
if [ ! -s "$log" ] && [ "$free_mb" -lt $((size_mb * 2 + 500)) ]; then
  echo "not enough space in $work: ${free_mb} MB free, need about $((size_mb * 2 + 500)) MB"; exit 2
fi

if [ ! -s "$log" ]; then
  echo "generating $log (${size_mb} MB, fixed seed) ..."
  python3 - "$log" "$size_mb" "$now" <<'PY'
# A realistic operation log: 36 operation types, each with its own lognormal durations and
# failure rate (about 1% over all), timestamps over the 60 days before NOW in order, sessions,
# errors, small contexts. Python's random with a fixed seed: the same bytes on every machine.
import datetime, math, random, sys
path, size_mb, now = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(20260106)
verbs = ["agent_register", "agent_heartbeat", "task_dispatch", "task_complete", "message_send", "message_receive",
         "db_query", "db_write", "cache_get", "cache_set", "http_call", "webhook_deliver"]
objects = ["", "_batch", "_retry"]
ops = [v + o for v in verbs for o in objects]
params = {op: (math.log(rng.uniform(2, 400)), rng.uniform(0.2, 1.1), rng.choice([0.001, 0.005, 0.01, 0.012, 0.02]))
          for op in ops}
weights = [rng.uniform(0.2, 5) for _ in ops]
end = datetime.datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()
start = end - 60 * 86400
target = size_mb * 1_000_000
avg_line = 190
step = (end - start) / (target / avg_line)
t = start
written = 0
errors = ["timeout", "connection reset by peer", "upstream returned 503", "validation failed: missing field"]
with open(path, "w") as f:
    chunk = []
    while written < target:
        t += rng.expovariate(1 / step)
        if t >= end:
            t = start + rng.random() * (end - start)
        op = rng.choices(ops, weights)[0]
        mu, sigma, fail = params[op]
        d = rng.lognormvariate(mu, sigma)
        # Day-of-period drift so some operations slow down in the last weeks.
        if op.startswith("db_") and t > end - 14 * 86400:
            d *= 1.3
        ok = rng.random() >= fail
        ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        dur = f"{d:.3f}" if rng.random() < 0.8 else str(int(d))
        err = "null" if ok else '"' + rng.choice(errors) + '"'
        success = "true" if ok else "false"
        line = (f'{{"timestamp":"{ts}","operation_type":"{op}","duration_ms":{dur},"success":{success},'
                f'"session_id":"ses_{rng.getrandbits(48):012x}","error":{err},'
                f'"context":{{"agents":{rng.randint(1, 64)},"region":"{rng.choice(["eu-west-1", "us-east-1"])}"}}}}\n')
        chunk.append(line)
        written += len(line)
        if len(chunk) >= 100_000:
            f.write("".join(chunk))
            chunk = []
    f.write("".join(chunk))
PY
fi
bytes=$(stat -c %s "$log")
lines=$(wc -l < "$log")
echo "log: $log, $bytes bytes, $lines lines"
cat "$log" > /dev/null  # both runs read from the page cache

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timed() {  # timed CPUS OUT CMD...: prints wall seconds and max RSS (KB) of CMD on CPUS, its stdout in OUT
  local on=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" taskset -c "$on" "$@" > "$out"
  cat "$work/time"
}
mbps() { python3 -c "print($bytes/1e6/$1)"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -a one_s many_s py_s
for i in $(seq "$runs"); do
  read -r s kb < <(timed "$cpu" "$work/perfgate-1.json" "$perfgate" report --input "$log" --now "$now" --threads 1 \
                     export --format json "${days_args[@]}" 2>/dev/null)
  one_s+=("$s")
  printf 'run %d  perfgate --threads 1 %5.2f s (%6.1f MB/s, max RSS %d MB)' "$i" "$s" "$(mbps "$s")" $((kb / 1024))
  read -r s kb < <(timed "$cpus" "$work/perfgate.json" "$perfgate" report --input "$log" --now "$now" \
                     export --format json "${days_args[@]}" 2>/dev/null)
  many_s+=("$s")
  printf '   perfgate %5.2f s (%6.1f MB/s, max RSS %d MB)' "$s" "$(mbps "$s")" $((kb / 1024))
  read -r s kb < <(timed "$cpu" "$work/python.json" python3 bench/report_reference.py --input "$log" --now "$now" \
                     "${days_args[@]}")
  py_s+=("$s")
  printf '   python %6.2f s (%5.1f MB/s, max RSS %d MB)\n' "$s" "$(mbps "$s")" $((kb / 1024))
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

cmp -s "$work/perfgate-1.json" "$work/perfgate.json" \
  || { echo "PERFGATE WITH 1 THREAD AND WITH $(nproc) PRINTED DIFFERENT BYTES"; exit 1; }
echo "perfgate printed the same bytes with 1 thread and with one per core"
python3 - "$work/perfgate.json" "$work/python.json" <<'PY'
# Same numbers: every count exactly, every float within 1e-9 relative, the same flags and slowest.
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
problems = []
def same(x, y, where):
    if isinstance(x, float) or isinstance(y, float):
        if x is None or y is None or not math.isclose(x, y, rel_tol=1e-9, abs_tol=0):
            problems.append(f"{where}: {x} != {y}")
    elif x != y:
        problems.append(f"{where}: {x!r} != {y!r}")
for key in ("period", "previous_period", "reliability", "input"):
    for k in set(a[key] or {}) | set(b[key] or {}):
        same((a[key] or {}).get(k), (b[key] or {}).get(k), f"{key}.{k}")
same(len(a["operations"]), len(b["operations"]), "operations")
for x, y in zip(a["operations"], b["operations"]):
    for k in x:
        same(x[k], y.get(k), f"operations[{x['operation_type']}].{k}")
same(len(a["slowest"]), len(b["slowest"]), "slowest")
for i, (x, y) in enumerate(zip(a["slowest"], b["slowest"])):
    for k in x:
        same(x[k], y.get(k), f"slowest[{i}].{k}")
same(a["skipped_lines"]["count"], b["skipped_lines"]["count"], "skipped_lines.count")
same([(m["file"], m["line"]) for m in a["skipped_lines"]["first"]],
     [(m["file"], m["line"]) for m in b["skipped_lines"]["first"]], "skipped_lines.first")
if problems:
    print("OUTPUTS DIFFER:\n  " + "\n  ".join(problems[:20]))
    sys.exit(1)
flags = sum(len(op["flags"]) for op in a["operations"])
print(f"outputs agree: {len(a['operations'])} operations, {a['reliability']['total']} records, {flags} flags")
PY

one=$(printf '%s\n' "${one_s[@]}" | median)
many=$(printf '%s\n' "${many_s[@]}" | median)
py=$(printf '%s\n' "${py_s[@]}" | median)
echo
echo "median of $runs runs ($((bytes / 1000000)) MB, $lines lines):"
printf '  perfgate report, one thread per core (CPUs %s): %7.2f s  %8.1f MB/s\n' "$cpus" "$many" "$(mbps "$many")"
printf '  perfgate report --threads 1 (CPU %s):           %7.2f s  %8.1f MB/s\n' "$cpu" "$one" "$(mbps "$one")"
printf '  python json (CPU %s):                           %7.2f s  %8.1f MB/s\n' "$cpu" "$py" "$(mbps "$py")"
printf '  ratio (python time / perfgate time): %.1fx, with one thread %.1fx; threads speed-up %.2fx\n' \
  "$(python3 -c "print($py/$many)")" "$(python3 -c "print($py/$one)")" "$(python3 -c "print($one/$many)")"

#!/usr/bin/env bash
# The cost of perfgate exec's protocol itself: the C++ echo worker (examples/exec/echo_worker.cpp,
# built as build/exec-echo-worker) answers every operation at once, so what is measured is
# perfgate's side of the pipes and the round trip through them. Open model at increasing rates
# through 2 workers (64 in flight each); per rate: achieved ops/s, whether the result is valid
# (perfgate kept its schedule and its thread had CPU to spare), perfgate's CPU per operation
# (its loop thread over the measured window, from the result document), and the p50/p99 latency
# an operation gains by going through the protocol (the worker does nothing).
# Usage: bench/exec-echo.sh [RATE...]   (default 10000 20000 50000 80000 120000)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-5s}
workers=${WORKERS:-2}
in_flight=${IN_FLIGHT:-64}
perfgate=${PERFGATE:-build/perfgate}
worker=${WORKER:-build/exec-echo-worker}
[ -x "$perfgate" ] && [ -x "$worker" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(10000 20000 50000 80000 120000)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $workers workers, $in_flight in flight each, $duration per rate"
printf '| rate (ops/s) | achieved (ops/s) | valid | perfgate CPU per op (us) | p50 (us) | p99 (us) | p50 uncorrected (us) |\n'
printf '|---|---|---|---|---|---|---|\n'
for rate in "${rates[@]}"; do
  "$perfgate" exec --rate "$rate" -d "$duration" --workers "$workers" --in-flight "$in_flight" --quiet \
      --json "$work/r.json" -- "$worker" > "$work/out.txt" 2>&1 || true
  python3 - "$work/r.json" "$rate" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"][0]
lat, unc = b["latency_ms"], b["latency_uncorrected_ms"]
valid = "yes" if b["valid"] else "no: " + b["invalid_reason"].split(":")[0]
print(f"| {int(sys.argv[2]):,} | {b['throughput_rps']:,.0f} | {valid} | {b['client']['cpu_us_per_request']:.2f} | "
      f"{lat['p50'] * 1000:.0f} | {lat['p99'] * 1000:.0f} | {unc['p50'] * 1000:.0f} |")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# What profiling costs the profiled service: `perfgate serve` (pinned to CPU 0) loaded by
# `perfgate http` (pinned to CPU 1), with and without `perfgate profile --pid` sampling it at
# 99 Hz (the rate `profile: true` in suites uses), interleaved: plain, profiled, plain, ...
# Prints each run's requests/s and the service's CPU microseconds per request (user+system of
# serve over the run / requests: on a busy machine this is far steadier than requests/s), the
# medians and the median ratios profiled/plain; the target is a throughput loss of at most 2%
# (requests/s ratio >= 0.98, CPU per request ratio <= 1.02).
# Usage: bench/profile-overhead.sh   (RUNS=5 DURATION=10 CONNECTIONS=50 to change the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
duration=${DURATION:-10}
connections=${CONNECTIONS:-50}
perfgate=${PERFGATE:-build/perfgate}
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }
command -v perf >/dev/null || { echo "perf is not installed (Debian: linux-perf)"; exit 3; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
taskset -c 0 "$perfgate" serve --port "$port" --quiet &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/"

# serve's user+system CPU so far, in clock ticks.
serve_ticks() { awk '{print $14 + $15}' "/proc/$serve_pid/stat"; }

# One load run; prints "requests/s cpu_us_per_request" (the CPU over the whole run, warm-up
# included, divided by every request sent).
load() {
  local before after
  before=$(serve_ticks)
  taskset -c 1 "$perfgate" http "$url" -c "$connections" -t 1 -d "${duration}s" --warmup 1s --quiet \
    --json "$work/http.json" >/dev/null
  after=$(serve_ticks)
  python3 - "$work/http.json" "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"][0]
seconds = (float(sys.argv[3]) - float(sys.argv[2])) / float(sys.argv[4])
# the warm-up's requests are not in the document: scale them in by time
requests = b["requests"]["total"] * (b["duration_s"] + 1.0) / b["duration_s"]
print(f'{b["throughput_rps"]:.1f} {1e6 * seconds / requests:.2f}')
PY
}

plain=() profiled=()
for i in $(seq "$runs"); do
  plain+=("$(load)")
  # perf runs for the whole load (warm-up included), so that every measured second is sampled.
  "$perfgate" profile --pid "$serve_pid" --duration "$((duration + 3))s" --quiet --folded "$work/p.folded" &
  profile_pid=$!
  sleep 1
  profiled+=("$(load)")
  wait "$profile_pid"
  echo "run $i: plain ${plain[-1]} (req/s, serve CPU us/request), profiled ${profiled[-1]}"
done

python3 - "${plain[*]}" "${profiled[*]}" <<'PY'
import statistics, sys
def pairs(text):
    v = [float(x) for x in text.split()]
    return v[0::2], v[1::2]
plain_rps, plain_cpu = pairs(sys.argv[1])
prof_rps, prof_cpu = pairs(sys.argv[2])
rps = statistics.median(b / a for a, b in zip(plain_rps, prof_rps))
cpu = statistics.median(b / a for a, b in zip(plain_cpu, prof_cpu))
print(f"median plain {statistics.median(plain_rps):.0f} req/s, {statistics.median(plain_cpu):.2f} us/request; "
      f"profiled {statistics.median(prof_rps):.0f} req/s, {statistics.median(prof_cpu):.2f} us/request")
print(f"median ratios profiled/plain: requests/s {rps:.4f}, serve CPU per request {cpu:.4f} (target: loss <= 2%)")
PY

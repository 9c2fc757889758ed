#!/usr/bin/env bash
# perfgate's latency percentiles against an independent measurement of the same requests:
# the LD_PRELOAD shim of the test suite (tests/shim/io_timestamps.cpp) timestamps every
# send() and read() of perfgate's sockets; a request's latency is from its send to the last
# read before the next send on that socket. Closed model against `perfgate serve`, one
# client thread, 20,000 requests at each -c. Prints both, side by side.
# Usage: bench/latency-vs-shim.sh [CONNECTIONS...]   (default: 1 10 100 300)
set -euo pipefail
cd "$(dirname "$0")/.."
perfgate=${PERFGATE:-build/perfgate}
shim=${SHIM:-build/tests/libperfgate_io_shim.so}
[ -x "$perfgate" ] && [ -f "$shim" ] || { echo "build perfgate and its tests first (scripts/build.sh)"; exit 2; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$perfgate" serve --quiet --port "$port" &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
printf '%6s  %-9s %9s %9s %9s\n' "-c" "" "p50 ms" "p90 ms" "p99 ms"
for c in "${@:-1 10 100 300}"; do
  for connections in $c; do
    LD_PRELOAD="$PWD/$shim" PERFGATE_SHIM_OUT="$work/shim.log" "$perfgate" http "http://127.0.0.1:$port/health" \
      --quiet -t 1 -c "$connections" -n 20000 --json "$work/pg.json" > /dev/null
    python3 - "$work/shim.log" "$work/pg.json" "$connections" <<'PY'
import json, math, sys
open_requests, latencies = {}, []
def finish(fd):
    o = open_requests.pop(fd, None)
    if o and o[1] is not None: latencies.append((o[1] - o[0]) / 1e6)
for line in open(sys.argv[1]):
    if line.startswith("overflow"): continue
    fd, kind, ns, nbytes = line.split(); ns = int(ns)
    if kind == "s":
        finish(fd)
        if int(nbytes) > 0: open_requests[fd] = [ns, None]
    elif kind == "r":
        if fd in open_requests: open_requests[fd][1] = ns
    else: finish(fd)
for fd in list(open_requests): finish(fd)
latencies.sort()
pct = lambda p: latencies[max(1, math.ceil(p / 100 * len(latencies))) - 1]
lat = json.load(open(sys.argv[2]))["benchmarks"][0]["latency_ms"]
c = sys.argv[3]
print(f"{c:>6}  {'perfgate':<9} {lat['p50']:9.3f} {lat['p90']:9.3f} {lat['p99']:9.3f}")
print(f"{'':>6}  {'shim':<9} {pct(50):9.3f} {pct(90):9.3f} {pct(99):9.3f}   ({len(latencies)} requests)")
PY
  done
done

#!/usr/bin/env bash
# A 24 h soak's memory stays flat: perfgate's own RSS after 10 minutes of a soak at 1,000 req/s
# must be at most its RSS after 1 minute + 5 MB (checkpoints and interval logs are streamed, the
# engine's per-second histograms forgotten once logged; only the service samples and one p95 per
# checkpoint accumulate). Soaks `perfgate serve` (monitored) with one open-model benchmark and
# reads perfgate's VmRSS from /proc at 1 minute and at the end.
# Usage: bench/soak-memory.sh   (DURATION=10m FIRST=60 RATE=1000 CHECKPOINT=1m PERFGATE=build/perfgate)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-10m}
first=${FIRST:-60}
rate=${RATE:-1000}
checkpoint=${CHECKPOINT:-1m}
perfgate=$(realpath "${PERFGATE:-build/perfgate}")
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -INT "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/suite.yaml" <<EOF
name: soak-memory
services:
  - name: serve
    command: exec $perfgate serve --port $port --quiet
    ready: http://127.0.0.1:$port/health
    monitor: true
benchmarks:
  - name: health
    http: {url: "http://127.0.0.1:$port/health", rate: $rate/s, connections: 20, threads: 1, duration: 1s}
soak: {duration: $duration, checkpoint: $checkpoint, on_drift: warn, on_leak: warn}
EOF

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
(cd "$work" && exec "$perfgate" run suite.yaml --store h.db -q > out.txt 2>&1) &
pid=$!
sleep "$first"
rss_first=$(rss_kb "$pid")
echo "perfgate RSS after ${first}s: ${rss_first} kB"
last=$rss_first
# Until the soak ends: the largest RSS seen, sampled every 10 s.
while kill -0 "$pid" 2>/dev/null; do
  now=$(rss_kb "$pid" 2>/dev/null || echo "")
  [ -n "$now" ] && [ "$now" -gt "$last" ] && last=$now
  sleep 10
done
wait "$pid" && status=0 || status=$?
pid=""
echo "perfgate RSS peak after that, until the end of the ${duration} soak: ${last} kB (exit $status)"
tail -n 4 "$work/out.txt"
growth=$((last - rss_first))
echo "growth: ${growth} kB (target: at most 5120 kB)"
[ "$growth" -le 5120 ]

#!/usr/bin/env bash
# perfgate sse fan-out: SUBSCRIBERS subscribers (default 1000) on ONE client thread, perfgate
# publishing RATE events/s (default 100) to `perfgate serve`, which broadcasts each to every
# subscriber: SUBSCRIBERS x RATE events/s received in total (100,000/s by default).
# serve is pinned to CPU 0, perfgate to CPU 1. Prints per run: events received per second,
# the delivery latency, whether the result is valid (the subscriber thread not CPU-bound, the
# publisher on schedule), and the client CPU per delivered event: of the subscriber thread
# (the document's client.cpu_s) and of the whole process (user+sys by /usr/bin/time, the
# publisher thread and start-up included). Then the load average, since a busy machine shows.
# Usage: bench/sse-fanout.sh   (SUBSCRIBERS, RATE, DURATION seconds, RUNS, PERFGATE in the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
subscribers=${SUBSCRIBERS:-1000}
rate=${RATE:-100}
duration=${DURATION:-10}
runs=${RUNS:-3}
perfgate=${PERFGATE:-build/perfgate}
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
taskset -c 0 "$perfgate" serve --port "$port" --max-connections $((subscribers + 100)) --quiet &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done

for i in $(seq "$runs"); do
  /usr/bin/time -f "%U %S" -o "$work/time.txt" taskset -c 1 "$perfgate" sse "http://127.0.0.1:$port/events" \
    --publish "http://127.0.0.1:$port/publish" --subscribers "$subscribers" --threads 1 --rate "$rate" \
    -d "${duration}s" --timeout 5s --quiet --json "$work/sse.json" > /dev/null
  python3 - "$work/sse.json" "$work/time.txt" "$i" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"][0]
user, system = map(float, open(sys.argv[2]).read().split())
events = b["events"]["received"]
m = {x["name"]: x["value"] for x in b["metrics"]}
print(f"run {sys.argv[3]}  {b['throughput_rps']:9.0f} events/s  received {events}  lost {b['events']['lost']}  "
      f"delivery p50 {m['delivery_p50']:.2f} ms  p99 {m['delivery_p99']:.2f} ms  max {m['delivery_max']:.2f} ms  "
      f"valid {b['valid']}{'' if b['valid'] else ' (' + b['invalid_reason'] + ')'}")
print(f"       subscriber thread {b['client']['cpu_us_per_event']:.2f} us CPU/event "
      f"({100 * b['client']['cpu_fraction']:.0f}% busy); whole process {(user + system) * 1e6 / max(events, 1):.2f} us CPU/event")
PY
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)"

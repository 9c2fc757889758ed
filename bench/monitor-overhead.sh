#!/usr/bin/env bash
# What monitoring costs the monitored service: `perfgate serve` under `perfgate http` in a suite,
# with and without `monitor: true` on the service, in interleaved runs (plain, monitored, plain,
# monitored, ...; the order flips every round, so that neither variant always follows the other)
# so that a drift of the machine hits both alike. serve is pinned to CPU 0 and perfgate (the load
# and the sampling thread) to CPU 1 when the machine has two CPUs or more. Prints each run's
# requests/s and the medians, and the loss: 1 - median(monitored)/median(plain) (target: at most
# 2%). Then the sampling's own cost, which does not drown in the machine's noise: perfgate's CPU
# seconds over a 10 s `sleep` benchmark with the service monitored and without.
# Usage: bench/monitor-overhead.sh   (RUNS=5 DURATION=10s CONNECTIONS=20 INTERVAL=250ms PERFGATE=build/perfgate)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-20}
interval=${INTERVAL:-250ms}
perfgate=$(realpath "${PERFGATE:-build/perfgate}")
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
serve_pin="" client_pin=""
if [ "$(nproc)" -ge 2 ]; then serve_pin="taskset -c 0"; client_pin="taskset -c 1"; fi

# A suite of one service and one closed-model http benchmark; $1 is the service's extra keys.
write_suite() {
  cat > "$work/$1.yaml" <<EOF
name: monitor-overhead-$1
services:
  - name: serve
    command: exec $serve_pin $perfgate serve --port $port --quiet
    ready: http://127.0.0.1:$port/health
$2
benchmarks:
  - name: health
    http: {url: "http://127.0.0.1:$port/health", connections: $connections, threads: 1, duration: $duration, warmup: 1s}
EOF
}
write_suite plain ""
write_suite monitored "    monitor: {interval: $interval}"
# --- slot for the engineer "profile": a third variant, `profile: true` at 99 Hz ---------------
# write_suite profiled "    profile: true"
# variants+=(profiled)
# -----------------------------------------------------------------------------------------------
variants=(plain monitored)

# Requests/s of one run of the variant's suite.
measure() {
  $client_pin "$perfgate" run "$work/$1.yaml" --store "$work/history.db" --baseline none -q --json "$work/$1.json" \
    > /dev/null
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["benchmarks"][0]["throughput_rps"])' "$work/$1.json"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A results
for i in $(seq "$runs"); do
  order=("${variants[@]}")
  if [ $((i % 2)) -eq 0 ]; then mapfile -t order < <(printf '%s\n' "${variants[@]}" | tac); fi
  for v in "${order[@]}"; do
    rps=$(measure "$v")
    results[$v]+="$rps "
    printf 'run %d  %-10s %10.0f req/s\n' "$i" "$v" "$rps"
  done
done

echo
echo "median of $runs interleaved runs ($connections connections, $duration, sampling every $interval):"
plain=$(printf '%s\n' ${results[plain]} | median)
for v in "${variants[@]}"; do
  m=$(printf '%s\n' ${results[$v]} | median)
  printf '  %-10s %10.0f req/s  (%+.2f%% against plain)\n' "$v" "$m" "$(python3 -c "print(100*($m/$plain-1))")"
done

# The sampling thread's CPU: perfgate idles in a `sleep 10` benchmark, with the service sampled
# every $interval and every 10ms, and without; the difference over the wall time is its cost.
idle_suite() {
  cat > "$work/idle-$1.yaml" <<EOF
name: monitor-cost-$1
services:
  - name: serve
    command: exec $perfgate serve --port $port --quiet
    ready: http://127.0.0.1:$port/health
$2
benchmarks:
  - name: wait
    cmd: {command: "sleep 10", runs: 1}
EOF
  /usr/bin/time -f "%U %S %e" -o "$work/idle-$1.time" "$perfgate" run "$work/idle-$1.yaml" --store "$work/history.db" \
    --baseline none -q > /dev/null
  awk '{printf "%.3f", $1 + $2}' "$work/idle-$1.time"
}
echo
echo "perfgate's own CPU over a 10 s idle benchmark:"
base=$(idle_suite plain "")
for every in "$interval" 10ms; do
  cpu=$(idle_suite "every-$every" "    monitor: {interval: $every}")
  printf '  sampling every %-6s %.3f s CPU (without: %.3f s): %.2f%% of one CPU\n' "$every" "$cpu" "$base" \
    "$(python3 -c "print(100*($cpu-$base)/10)")"
done

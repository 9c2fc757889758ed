#!/usr/bin/env bash
# perfgate http vs wrk against nginx on loopback, in the same run.
# nginx (one worker, access log off, `return 200`) is pinned to CPU 0, the client to CPU 1;
# one client thread, 50 connections, 10 s; three runs of each, alternating. Prints requests/s
# and client CPU microseconds per request (user+sys of the client process / requests),
# the medians, and the ratios perfgate/wrk.
# Usage: bench/http-vs-wrk.sh [--rate R] [--templated]
#   --rate R: also run perfgate's open model at R req/s
#   --templated: also run perfgate's closed model posting a templated body (${seq}, ${uuid},
#     written per request) beside the same POST with a fixed body of the same length, and print
#     the ratio of their CPU per request (the target: within 5%)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
duration=${DURATION:-10}
connections=${CONNECTIONS:-50}
open_rate=""
templated=""
while [ $# -gt 0 ]; do
  case $1 in
    --rate) open_rate=$2; shift 2 ;;
    --templated) templated=1; shift ;;
    *) echo "usage: bench/http-vs-wrk.sh [--rate R] [--templated]"; exit 2 ;;
  esac
done
# The fixed body has the length the templated one has for a 6-digit seq.
templated_body='{"seq": ${seq}, "id": "${uuid}", "kind": "order"}'
fixed_body='{"seq": 123456, "id": "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "kind": "order"}'
perfgate=${PERFGATE:-build/perfgate}
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
. bench/lib/nginx.sh
write_nginx_conf "$work" "$port"
taskset -c 0 nginx -p "$work" -c "$work/nginx.conf" &
nginx_pid=$!
trap 'kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/"

# Runs a client under /usr/bin/time; prints "requests cpu_seconds".
measure() {
  local kind=$1; shift
  local out="$work/out.txt" timing="$work/time.txt"
  /usr/bin/time -f "%U %S" -o "$timing" taskset -c 1 "$@" > "$out" 2>&1
  local cpu requests
  cpu=$(awk '{print $1 + $2}' "$timing")
  if [ "$kind" = wrk ]; then
    requests=$(awk '/requests in/ {print $1}' "$out")
  else
    requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["benchmarks"][0]["requests"]["total"])' "$work/pg.json")
  fi
  echo "$requests $cpu"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -a wrk_rps wrk_cpu pg_rps pg_cpu open_rps open_cpu fixed_cpu tpl_cpu
for i in $(seq "$runs"); do
  read -r req cpu < <(measure wrk wrk -t1 -c"$connections" -d"${duration}s" "$url")
  wrk_rps+=("$(python3 -c "print($req/$duration)")"); wrk_cpu+=("$(python3 -c "print($cpu*1e6/$req)")")
  printf 'run %d  wrk       %10.0f req/s  %6.2f us CPU/request\n' "$i" "${wrk_rps[-1]}" "${wrk_cpu[-1]}"
  read -r req cpu < <(measure perfgate "$perfgate" http "$url" -t1 -c"$connections" -d"${duration}s" --quiet --json "$work/pg.json")
  pg_rps+=("$(python3 -c "print($req/$duration)")"); pg_cpu+=("$(python3 -c "print($cpu*1e6/$req)")")
  printf 'run %d  perfgate  %10.0f req/s  %6.2f us CPU/request\n' "$i" "${pg_rps[-1]}" "${pg_cpu[-1]}"
  if [ -n "$open_rate" ]; then
    read -r req cpu < <(measure perfgate "$perfgate" http "$url" -t1 -c"$connections" -d"${duration}s" --rate "$open_rate" --quiet --json "$work/pg.json")
    open_rps+=("$(python3 -c "print($req/$duration)")"); open_cpu+=("$(python3 -c "print($cpu*1e6/$req)")")
    printf 'run %d  perfgate --rate %s  %10.0f req/s (%.2f%% of the rate)  %6.2f us CPU/request\n' "$i" "$open_rate" \
      "${open_rps[-1]}" "$(python3 -c "print(100*${open_rps[-1]}/$open_rate)")" "${open_cpu[-1]}"
  fi
  if [ -n "$templated" ]; then
    read -r req cpu < <(measure perfgate "$perfgate" http "$url" -t1 -c"$connections" -d"${duration}s" -m POST \
      -b "$fixed_body" --quiet --json "$work/pg.json")
    fixed_cpu+=("$(python3 -c "print($cpu*1e6/$req)")")
    printf 'run %d  perfgate POST fixed body      %10.0f req/s  %6.2f us CPU/request\n' "$i" \
      "$(python3 -c "print($req/$duration)")" "${fixed_cpu[-1]}"
    read -r req cpu < <(measure perfgate "$perfgate" http "$url" -t1 -c"$connections" -d"${duration}s" -m POST \
      -b "$templated_body" --quiet --json "$work/pg.json")
    tpl_cpu+=("$(python3 -c "print($cpu*1e6/$req)")")
    printf 'run %d  perfgate POST templated body  %10.0f req/s  %6.2f us CPU/request\n' "$i" \
      "$(python3 -c "print($req/$duration)")" "${tpl_cpu[-1]}"
  fi
done

m_wrk_rps=$(printf '%s\n' "${wrk_rps[@]}" | median); m_wrk_cpu=$(printf '%s\n' "${wrk_cpu[@]}" | median)
m_pg_rps=$(printf '%s\n' "${pg_rps[@]}" | median); m_pg_cpu=$(printf '%s\n' "${pg_cpu[@]}" | median)
echo
echo "median of $runs runs (nginx on CPU 0, client on CPU 1, 1 thread, $connections connections, ${duration}s):"
printf '  wrk       %10.0f req/s  %6.2f us CPU/request\n' "$m_wrk_rps" "$m_wrk_cpu"
printf '  perfgate  %10.0f req/s  %6.2f us CPU/request\n' "$m_pg_rps" "$m_pg_cpu"
printf '  ratio perfgate/wrk: requests/s %.3f, CPU per request %.3f\n' \
  "$(python3 -c "print($m_pg_rps/$m_wrk_rps)")" "$(python3 -c "print($m_pg_cpu/$m_wrk_cpu)")"
if [ -n "$open_rate" ]; then
  m_open_rps=$(printf '%s\n' "${open_rps[@]}" | median); m_open_cpu=$(printf '%s\n' "${open_cpu[@]}" | median)
  printf '  perfgate open model at %s req/s: achieved %.0f req/s (%.2f%%), %.2f us CPU/request (%.3f of closed)\n' \
    "$open_rate" "$m_open_rps" "$(python3 -c "print(100*$m_open_rps/$open_rate)")" "$m_open_cpu" \
    "$(python3 -c "print($m_open_cpu/$m_pg_cpu)")"
fi
if [ -n "$templated" ]; then
  m_fixed_cpu=$(printf '%s\n' "${fixed_cpu[@]}" | median); m_tpl_cpu=$(printf '%s\n' "${tpl_cpu[@]}" | median)
  printf '  perfgate POST: fixed body %.2f us CPU/request, templated body %.2f us (ratio templated/fixed %.3f)\n' \
    "$m_fixed_cpu" "$m_tpl_cpu" "$(python3 -c "print($m_tpl_cpu/$m_fixed_cpu)")"
fi

#!/usr/bin/env bash
# Interleaved runs of several clients against the nginx started by start_nginx.sh.
# Usage: PORT=18431 RUNS=3 DURATION=10 ./compare.sh variants.txt   (lines: "name|command with @URL@ @PORT@ @D@")
set -uo pipefail
port=${PORT:-18431}; runs=${RUNS:-3}; d=${DURATION:-10}; list=$1
out=${OUT:-$(mktemp /tmp/uring-results-XXXXXX)}
tmp=$(mktemp -d)
mapfile -t lines < <(grep -v '^#' "$list" | grep -v '^$')
for r in $(seq "$runs"); do
  for line in "${lines[@]}"; do
    name=${line%%|*}; cmd=${line#*|}
    cmd=${cmd//@URL@/http://127.0.0.1:$port/}; cmd=${cmd//@PORT@/$port}; cmd=${cmd//@D@/$d}; cmd=${cmd//@JSON@/$tmp/pg.json}
    for attempt in 1 2 3 4; do
    python3 "$(dirname "$0")"/quiet.py wait
    b0=$(python3 "$(dirname "$0")"/quiet.py snap)
    /usr/bin/time -f "%U %S" -o "$tmp/time" taskset -c 1 $cmd > "$tmp/out" 2>&1
    b1=$(python3 "$(dirname "$0")"/quiet.py snap)
    cpu=$(awk '{print $1+$2}' "$tmp/time")
    if grep -q "requests in" "$tmp/out"; then req=$(awk '/requests in/ {print $1}' "$tmp/out")
    elif grep -q "^requests " "$tmp/out"; then req=$(awk '/^requests / {print $2}' "$tmp/out")
    else req=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["benchmarks"][0]["requests"]["total"])' "$tmp/pg.json"); fi
    other=$(python3 -c "b0='$b0'.split(); b1='$b1'.split(); print(round((float(b1[0])-float(b0[0])) - (float(b1[1])-float(b0[1])) - $cpu, 2))")
    if python3 -c "import sys; sys.exit(0 if $other <= 0.04*$d+0.15 else 1)"; then break; fi
    echo "  (retry $name: other CPU ${other}s during the run)" >&2
    done
    extra=other_cpu_s=$other" "$(grep -E "p50_us|submit_and_wait" "$tmp/out" | tr '\n' ' ')
    printf '%s run=%d req=%s cpu=%s rps=%.0f us_per_req=%.3f %s\n' "$name" "$r" "$req" "$cpu" \
      "$(python3 -c "print($req/$d)")" "$(python3 -c "print($cpu*1e6/$req)")" "$extra" | tee -a "$out"
  done
done
echo "--- medians ($runs runs x ${d}s) from $out"
python3 - "$out" <<'PY'
import sys, statistics, collections
rows = collections.OrderedDict()
for l in open(sys.argv[1]):
    f = l.split(); name = f[0]; kv = dict(x.split('=',1) for x in f[1:] if '=' in x)
    rows.setdefault(name, []).append((float(kv['rps']), float(kv['us_per_req'])))
base = statistics.median(u for _, u in rows['wrk']) if 'wrk' in rows else None
base_rps = statistics.median(r for r, _ in rows['wrk']) if 'wrk' in rows else None
print(f"{'variant':28s} {'req/s':>9s} {'us/req':>7s} {'rps/wrk':>8s} {'cpu/wrk':>8s}  runs(us/req)")
for n, v in rows.items():
    r = statistics.median(x for x, _ in v); u = statistics.median(y for _, y in v)
    print(f"{n:28s} {r:9.0f} {u:7.3f} {r/base_rps if base else 0:8.3f} {u/base if base else 0:8.3f}  " + " ".join(f"{y:.2f}" for _, y in v))
PY
rm -rf "$tmp"

#!/usr/bin/env bash
# The cost of `perfgate monitor` itself: at 10 Hz on a tree of 50 processes (a shell and 49
# sleeping children), the monitor's CPU seconds (user + system, from /usr/bin/time) divided by
# the wall time. Target: <= 1% of one CPU. RUNS=N repeats (default 3), DURATION=S per run
# (default 30), INTERVAL (default 100ms), CHILDREN (default 49).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
duration=${DURATION:-30}
interval=${INTERVAL:-100ms}
children=${CHILDREN:-49}
perfgate=${PERFGATE:-build/perfgate}
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }
work=$(mktemp -d)
tree_pid=""
cleanup() {
  if [ -n "$tree_pid" ]; then kill -- "-$tree_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The tree: its own process group, so that it is ended whole.
setsid sh -c "for i in \$(seq $children); do sleep 3600 & done; wait" &
tree_pid=$!
sleep 1
echo "tree: pid $tree_pid, $(pgrep -g "$tree_pid" | wc -l) processes; /proc holds $(ls -d /proc/[0-9]* | wc -l) processes in all"

for i in $(seq "$runs"); do
  /usr/bin/time -f "%U %S %e" -o "$work/time" "$perfgate" monitor --quiet --interval "$interval" \
    --duration "${duration}s" --pid "$tree_pid" --json "$work/m.json" >"$work/out" || true
  # (a leak verdict's exit 1 adds a line before the figures: the figures are the last line)
  read -r user sys wall < <(tail -n 1 "$work/time")
  samples=$(python3 -c "import json; print(json.load(open('$work/m.json'))['benchmarks'][0]['samples'])")
  seen=$(sed -n 's/.*processes at the end: \([0-9]*\).*/\1/p' "$work/out")
  python3 -c "
u, s, w = $user, $sys, $wall
print(f'run $i: {$samples} samples of {$seen} processes in {w:.1f} s wall; monitor CPU {u + s:.2f} s '
      f'(user {u:.2f}, sys {s:.2f}) = {100 * (u + s) / w:.2f}% of one CPU')"
done

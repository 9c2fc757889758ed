#!/usr/bin/env bash
# perfgate cmd vs hyperfine, in the same run, alternating, eleven times each (RUNS=N to change):
#  1. `-N --runs 500 true`: the wall time of the whole benchmarking process (its overhead per run);
#  2. `--runs 30 'sleep 0.01'`: the mean and the stddev each reports.
# Prints medians and ratios perfgate/hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-11}
perfgate=${PERFGATE:-build/perfgate}
[ -x "$perfgate" ] || { echo "build perfgate first (scripts/build.sh)"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
wall() { /usr/bin/time -f "%e" -o "$work/t" "$@" >/dev/null 2>&1; cat "$work/t"; }
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

declare -a pg_wall hf_wall pg_mean hf_mean pg_sd hf_sd
for i in $(seq "$runs"); do
  hf_wall+=("$(wall hyperfine -N --runs 500 --style none true)")
  pg_wall+=("$(wall "$perfgate" cmd -q -N --runs 500 true)")
  hyperfine --runs 30 --style none 'sleep 0.01' --export-json "$work/hf.json" >/dev/null 2>&1
  "$perfgate" cmd -q --runs 30 'sleep 0.01' --json "$work/pg.json" >/dev/null
  hf_mean+=("$(field "$work/hf.json" 'd["results"][0]["mean"]')"); hf_sd+=("$(field "$work/hf.json" 'd["results"][0]["stddev"]')")
  pg_mean+=("$(field "$work/pg.json" 'd["benchmarks"][0]["wall_s"]["mean"]')"); pg_sd+=("$(field "$work/pg.json" 'd["benchmarks"][0]["wall_s"]["stddev"]')")
  printf 'run %d  -N --runs 500 true: hyperfine %.2fs, perfgate %.2fs   sleep 0.01: hyperfine %.3f ± %.3f ms, perfgate %.3f ± %.3f ms\n' \
    "$i" "${hf_wall[-1]}" "${pg_wall[-1]}" "$(python3 -c "print(${hf_mean[-1]}*1e3)")" "$(python3 -c "print(${hf_sd[-1]}*1e3)")" \
    "$(python3 -c "print(${pg_mean[-1]}*1e3)")" "$(python3 -c "print(${pg_sd[-1]}*1e3)")"
done
m() { printf '%s\n' "$@" | median; }
hw=$(m "${hf_wall[@]}"); pw=$(m "${pg_wall[@]}")
hm=$(m "${hf_mean[@]}"); pm=$(m "${pg_mean[@]}"); hs=$(m "${hf_sd[@]}"); ps=$(m "${pg_sd[@]}")
echo
echo "median of $runs runs:"
printf '  -N --runs 500 true, whole process: hyperfine %.2f s, perfgate %.2f s, ratio %.3f\n' "$hw" "$pw" "$(python3 -c "print($pw/$hw)")"
printf '  sleep 0.01 mean:   hyperfine %.3f ms, perfgate %.3f ms, ratio %.3f\n' "$(python3 -c "print($hm*1e3)")" "$(python3 -c "print($pm*1e3)")" "$(python3 -c "print($pm/$hm)")"
printf '  sleep 0.01 stddev: hyperfine %.3f ms, perfgate %.3f ms, ratio %.3f\n' "$(python3 -c "print($hs*1e3)")" "$(python3 -c "print($ps*1e3)")" "$(python3 -c "print($ps/$hs)")"

#!/usr/bin/env bash
# Writes docs/cli.md, the CLI reference, from the real --help of every verb of a built perfgate:
#   scripts/cli-reference.sh [build/perfgate] > docs/cli.md
# tests/integration/cli_reference_test.cpp fails when a flag of a verb is missing from it, so
# run this after adding or changing a flag.
set -euo pipefail
perfgate=${1:-build/perfgate}

verbs=$("$perfgate" help | awk '/^Verbs:/ {on = 1; next} on && /^$/ {exit} on {print $1}')

cat <<'HEAD'
# CLI reference

Every verb of `perfgate` and every flag, as `perfgate VERB --help` prints it (this page is
generated from it by `scripts/cli-reference.sh`; a test fails when a flag is missing here).
The suite keys are in [suite.md](suite.md), the result document in [schema.md](schema.md).

## Exit codes

Every verb answers alike:

| code | meaning |
|---:|---|
| 0 | done: every threshold passed, no regression |
| 1 | a threshold failed, a metric regressed beyond the allowed change, a leak or drift was found |
| 2 | usage or configuration error: a bad flag or value (named, with `file:line:column` for a suite), nothing was measured |
| 3 | the run could not be done: target unreachable, nothing completed, a service or worker died |
| 130 | interrupted (SIGINT/SIGTERM), after writing what was measured |

## perfgate

```text
HEAD
"$perfgate" help
echo '```'

for verb in $verbs; do
  echo
  echo "## perfgate $verb"
  echo
  echo '```text'
  "$perfgate" "$verb" --help
  echo '```'
  # A verb's subcommands have their own flags.
  subcommands=$("$perfgate" "$verb" --help | awk '/^Subcommands:/ {on = 1; next} on && /^[^ ]/ {exit} on && NF {print $1}')
  for sub in $subcommands; do
    echo
    echo "### perfgate $verb $sub"
    echo
    echo '```text'
    "$perfgate" "$verb" "$sub" --help
    echo '```'
    if [[ $verb == report && $sub == trends ]]; then
      echo
      echo 'With `--input LOG`, `report trends` is the operation-log trend instead:'
      echo
      echo '```text'
      "$perfgate" report --input - trends --help
      echo '```'
    fi
  done
done

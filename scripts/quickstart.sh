#!/usr/bin/env bash
# The quick start: `perfgate run examples/quickstart.yaml` twice. The suite starts its own
# target (`perfgate serve`), loads it in the closed and the open model, times a command and
# checks the thresholds; each run is stored in .perfgate/history.db, and the second run is
# compared with the first. Then `perfgate history` lists what the store holds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PERFGATE="$PWD/build/perfgate"
export QUICKSTART_PORT=${PORT:-18080}
echo "== first run"
build/perfgate run examples/quickstart.yaml --tag source=quickstart
echo
echo "== second run: compared with the first"
build/perfgate run examples/quickstart.yaml --tag source=quickstart --markdown .perfgate/quickstart.md --html .perfgate/quickstart.html
echo
echo "== the history"
build/perfgate history --suite quickstart --last 5
echo
echo "The second run's pull-request comment is in .perfgate/quickstart.md and its page in .perfgate/quickstart.html; results and service logs are under .perfgate/runs/."

#!/usr/bin/env bash
# The quick start: starts `perfgate serve` in the background, loads it in the closed and
# the open model, and stops it again.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-18080}
build/perfgate serve --port "$port" --latency 1ms --jitter 500us --quiet &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done
echo "== closed model: 20 connections for 5 s"
build/perfgate http "http://127.0.0.1:$port/health" -c 20 -t 1 -d 5s
echo
echo "== open model: 2,000 req/s for 5 s, latency from the scheduled send"
build/perfgate http "http://127.0.0.1:$port/health" -c 20 -t 1 -d 5s --rate 2000 --json quickstart-result.json
echo
echo "The open-model result document is in quickstart-result.json"

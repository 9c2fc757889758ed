#!/usr/bin/env bash
# Starts nginx (1 worker, access log off, return 200 "ok\n") pinned to CPU 0 on 127.0.0.1:$1.
set -euo pipefail
port=$1
work=$(mktemp -d)
. "$(dirname "$0")/../lib/nginx.sh"
write_nginx_conf "$work" "$port"
setsid taskset -c 0 nginx -p "$work" -c "$work/nginx.conf" > "$work/stdout" 2>&1 < /dev/null &
echo $! > "$work/launcher.pid"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
echo "nginx master pid $(cat $work/launcher.pid)"

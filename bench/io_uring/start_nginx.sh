#!/usr/bin/env bash
# Starts nginx (1 worker, access log off, return 200 "ok\n") pinned to CPU 0 on 127.0.0.1:$1.
set -euo pipefail
port=$1
work=$(mktemp -d)
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work;
  proxy_temp_path $work;
  fastcgi_temp_path $work;
  uwsgi_temp_path $work;
  scgi_temp_path $work;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 "ok\n"; }
  }
}
CONF
setsid taskset -c 0 nginx -p "$work" -c "$work/nginx.conf" > "$work/stdout" 2>&1 < /dev/null &
echo $! > "$work/launcher.pid"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
echo "nginx master pid $(cat $work/launcher.pid)"

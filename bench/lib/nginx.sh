# Sourced by the benchmarks: writes the nginx configuration they all use (one worker,
# access log off, `return 200 "ok\n"`, keep-alive without limit) into a work folder.
# Usage: write_nginx_conf WORK_DIR PORT   (then: taskset -c 0 nginx -p WORK_DIR -c WORK_DIR/nginx.conf)
write_nginx_conf() {
  local work=$1 port=$2
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
}

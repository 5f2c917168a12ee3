# nginx for the web-server tests (sourced): write_nginx_conf DIR PORT NAME... writes
# DIR/nginx.conf — a loopback nginx with bannin's include files (DIR/bannin/http.conf in
# http{}, DIR/bannin/server.conf in each server{}), the access log DIR/access.log in
# vhost_combined form, every temp path under DIR, and one server{} per NAME on
# 127.0.0.1:PORT that answers 200 "ok" to everything. Start it with `nginx -c DIR/nginx.conf`;
# its pid file is DIR/nginx.pid.
write_nginx_conf() {
  local dir=$1 port=$2 name
  shift 2
  mkdir -p "$dir"
  {
    cat <<CONF
pid $dir/nginx.pid;
error_log $dir/error.log;
worker_processes 1;
events {}
http {
    include $dir/bannin/http.conf;
    log_format vhost '\$host:\$server_port \$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent"';
    access_log $dir/access.log vhost;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
CONF
    for name in "$@"; do
      cat <<CONF
    server {
        listen 127.0.0.1:$port;
        server_name $name;
        include $dir/bannin/server.conf;
        location / { return 200 "ok\n"; }
    }
CONF
    done
    echo "}"
  } >"$dir/nginx.conf"
  touch "$dir/access.log"
}

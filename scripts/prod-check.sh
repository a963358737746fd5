#!/usr/bin/env bash
# `make prod-check`: the production topology on this machine, with real parts, checked.
#
#   PostgreSQL 15 + Redis (scripts/services.sh) ─ release (migrate, collectstatic)
#   nginx (Debian's, TLS with a certificate made here) ─┬─ gunicorn A (127.0.0.1:port a)
#                                                      └─ gunicorn B (127.0.0.1:port b)
#   Celery worker, worker-integrations and beat
#
# Every process is started by scripts/entrypoint.sh, the script the Docker image and
# docker-compose.yml run, with production settings (DEBUG=false, a SECRET_KEY, ALLOWED_HOSTS,
# secure cookies, SECURE_PROXY_SSL_HEADER behind the TLS proxy). Then scripts/prod_check.py
# signs in over https through nginx (CSRF and all), logs exits while gunicorn A is killed
# and started again, and checks that every accepted exit is stored exactly once and that the
# dashboard figures (the figures API) catch up. Every process is stopped on exit, pass or fail.
# Logs: kept in $EOR_PROD_CHECK_KEEP (a directory) when set, printed in part on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)

scripts/ensure-packages.sh postgresql redis nginx openssl
export PATH="$root/.venv/bin:$PATH"
py=$root/.venv/bin/python
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d "${TMPDIR:-/tmp}/eor-prod-check.XXXXXX")
chmod 755 "$work"
EOR_SERVICES_DIR=

stop_all() {
    local status=$? pidfile pid
    set +e
    for pidfile in "$work"/*.pid; do
        [ -s "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        # Each process leads its own group (setsid): the group holds its workers too.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    done
    for _ in $(seq 50); do
        alive=0
        for pidfile in "$work"/*.pid; do
            [ -s "$pidfile" ] && kill -0 -- "-$(cat "$pidfile")" 2>/dev/null && alive=1
        done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pidfile in "$work"/*.pid; do
        [ -s "$pidfile" ] && kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null
    done
    wait 2>/dev/null
    if [ $status != 0 ]; then
        for log in "$work"/*.log; do
            echo "---- last lines of $(basename "$log")" >&2
            tail -n 15 "$log" >&2
        done
    fi
    if [ -n "${EOR_PROD_CHECK_KEEP:-}" ]; then
        mkdir -p "$EOR_PROD_CHECK_KEEP" && cp "$work"/*.log "$EOR_PROD_CHECK_KEEP"/ 2>/dev/null
    fi
    [ -n "$EOR_SERVICES_DIR" ] && scripts/services.sh stop "$EOR_SERVICES_DIR"
    rm -rf "$work"
    echo "== prod-check $([ $status = 0 ] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
    exit $status
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME COMMAND…: in the background, in a process group of its own, logging to NAME.log.
start() {
    local name=$1
    shift
    setsid "$@" >>"$work/$name.log" 2>&1 </dev/null &
    echo $! >"$work/$name.pid"
    disown $!  # stopped by its pid file; no "Killed" notice when A is killed on purpose
}

wait_for_port() {
    local port=$1 name=$2
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        kill -0 "$(cat "$work/$name.pid")" 2>/dev/null || { echo "$name exited" >&2; return 1; }
        sleep 0.1
    done
    echo "$name did not listen on $port" >&2
    return 1
}

echo "== PostgreSQL and Redis"
eval "$(scripts/services.sh start)"

# Production settings, as .env.example describes them for a deployment behind a TLS proxy.
export DEBUG=false
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_PROXY_SSL_HEADER=true EOR_TRUSTED_PROXY_COUNT=1
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2} GUNICORN_THREADS=${GUNICORN_THREADS:-2}
export CELERY_CONCURRENCY=${CELERY_CONCURRENCY:-1}
export CELERY_BEAT_SCHEDULE=$work/celerybeat-schedule
unset DJANGO_ALLOW_ASYNC_UNSAFE CELERY_TASK_ALWAYS_EAGER 2>/dev/null || true

echo "== release: migrate and collect static files (scripts/entrypoint.sh release)"
scripts/entrypoint.sh release >"$work/release.log" 2>&1 || { cat "$work/release.log" >&2; exit 1; }

echo "== data: generate_synthetic --preset tiny, rollups computed"
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')
$py manage.py generate_synthetic --preset tiny --seed 1 --password "$password" >"$work/data.log" 2>&1 \
    || { cat "$work/data.log" >&2; exit 1; }
$py manage.py rollup >>"$work/data.log" 2>&1 || { cat "$work/data.log" >&2; exit 1; }

echo "== TLS certificate for 127.0.0.1 (self-signed, made now)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$work/tls.key" -out "$work/tls.crt" >"$work/openssl.log" 2>&1

port_a=$(free_port)
port_b=$(free_port)
port_tls=$(free_port)

echo "== gunicorn A :$port_a, gunicorn B :$port_b, Celery worker, worker-integrations, beat"
start web-a env GUNICORN_BIND=127.0.0.1:$port_a scripts/entrypoint.sh web
start web-b env GUNICORN_BIND=127.0.0.1:$port_b scripts/entrypoint.sh web
start worker scripts/entrypoint.sh worker
start worker-integrations scripts/entrypoint.sh worker-integrations
start beat scripts/entrypoint.sh beat

mkdir -p "$work/nginx"
chmod 777 "$work/nginx"  # as root, nginx's workers run as nobody and write their temp files here
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log $work/nginx-access.log;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    client_max_body_size 50m;

    upstream eor {
        # A failed instance is left alone for 2 s, then tried again.
        server 127.0.0.1:$port_a max_fails=1 fail_timeout=2s;
        server 127.0.0.1:$port_b max_fails=1 fail_timeout=2s;
    }
    server {
        listen 127.0.0.1:$port_tls ssl;
        server_name 127.0.0.1 localhost;
        ssl_certificate $work/tls.crt;
        ssl_certificate_key $work/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass http://eor;
            # Only what was never sent to an instance goes to the other one: a POST that an
            # instance may have started is not replayed by nginx (the client's idempotency
            # key makes its own retry safe).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
NGINX
"$NGINX" -t -q -c "$work/nginx.conf" -p "$work/nginx" 2>"$work/nginx-test.log" \
    || { cat "$work/nginx-test.log" >&2; exit 1; }
start nginx "$NGINX" -c "$work/nginx.conf" -p "$work/nginx" -g "daemon off;"

wait_for_port "$port_a" web-a
wait_for_port "$port_b" web-b
wait_for_port "$port_tls" nginx
echo "   up after $(($(date +%s) - started)) s; https://127.0.0.1:$port_tls"

echo "== sign in, log exits while gunicorn A is killed and restarted, figures catch up"
$py scripts/prod_check.py \
    --url "https://127.0.0.1:$port_tls" --cafile "$work/tls.crt" --password "$password" \
    --web-a-pidfile "$work/web-a.pid" --web-a-port "$port_a" --web-a-log "$work/web-a.log" \
    --web-b-log "$work/web-b.log" --worker-log "$work/worker.log"

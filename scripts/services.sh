#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis on free loopback ports, for CI and benchmarks.
#
#   eval "$(scripts/services.sh start)"     # exports DATABASE_URL, REDIS_URL, EOR_SERVICES_DIR
#   scripts/services.sh stop "$EOR_SERVICES_DIR"
#
# Everything lives in one temporary directory (data, sockets, logs) that `stop` removes.
# As root the cluster runs as the `postgres` user (initdb refuses root). Nothing listens
# beyond 127.0.0.1 and authentication is `trust`: this is for throwaway test data only.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local dir pg_port redis_port
    # A fresh machine has neither: install them (quietly; stdout is the caller's `eval`).
    "$(dirname "$0")/ensure-packages.sh" postgresql redis >&2
    dir=$(mktemp -d "${TMPDIR:-/tmp}/eor-services.XXXXXX")
    chmod 755 "$dir"
    mkdir -p "$dir/pg" "$dir/run"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir/pg" "$dir/run"; fi

    pg_port=$(free_port)
    as_pg "$PG_BIN/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync and friends off: the data is thrown away, speed is what matters.
    # shared_buffers, max_wal_size, checkpoint_timeout: sized as a database server on this
    # 24 GB machine would be, so CI and the benchmarks run the same server.
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/run/postgres.log" -w -t 60 start -o \
        "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/run \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
         -c shared_buffers=4GB -c max_wal_size=8GB -c checkpoint_timeout=30min" \
        >/dev/null || { cat "$dir/run/postgres.log" >&2; exit 1; }
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres eor

    redis_port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
        --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 50); do
        [ -s "$dir/redis.pid" ] && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -p "$redis_port" ping >/dev/null

    cat >"$dir/env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/eor
export REDIS_URL=redis://127.0.0.1:$redis_port/0
export EOR_SERVICES_DIR=$dir
ENV
    cat "$dir/env"
}

stop() {
    local dir=${1:-${EOR_SERVICES_DIR:-}}
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    if [ -f "$dir/pg/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -s "$dir/redis.pid" ]; then
        kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac

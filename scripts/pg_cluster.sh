#!/usr/bin/env bash
# A throwaway PostgreSQL cluster from Debian's packages, for tests and benchmarks:
#
#   scripts/pg_cluster.sh start DIR     initdb in DIR/data, start on a free loopback port (unix
#                                       socket in DIR), create database `modelvet`; prints the
#                                       URL and writes it to DIR/url
#   scripts/pg_cluster.sh restart DIR   stop (fast) and start again on the same port
#   scripts/pg_cluster.sh stop DIR      stop and remove DIR
#   scripts/pg_cluster.sh check         exit 0 when the server binaries are installed
#
# Run as root, the server runs as the `postgres` user (PostgreSQL refuses to run as root). Trust
# authentication on 127.0.0.1 only; durability settings off (fsync): the data is thrown away.
# PG_BIN overrides the binaries' directory (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"

pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && best="$d"
  done
  echo "$best"
}
BIN="$(pg_bin)"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
  local port="$1"
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start
}

case "$cmd" in
  check)
    [ -n "$BIN" ] && [ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ]
    ;;
  start)
    [ -n "$dir" ] || { echo "usage: $0 start DIR" >&2; exit 2; }
    [ -n "$BIN" ] || { echo "pg_cluster: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 3; }
    # A cluster left running by an interrupted run is stopped first.
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -s stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    as_owner "$BIN/initdb" -D "$dir/data" -U modelvet -A trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3; do
      port="$(free_port)"
      if start_server "$port"; then break; fi
      [ "$attempt" -eq 3 ] && { cat "$dir/server.log" >&2; exit 1; }
    done
    echo "$port" >"$dir/port"
    "$BIN/createdb" -h 127.0.0.1 -p "$port" -U modelvet modelvet
    url="postgresql://modelvet@127.0.0.1:$port/modelvet"
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
  restart)
    [ -f "$dir/port" ] || { echo "pg_cluster: no cluster in $dir" >&2; exit 2; }
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w -s stop
    start_server "$(cat "$dir/port")"
    ;;
  stop)
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w -s stop || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|restart|stop DIR | check" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Runs a command with a throwaway Postgres (Debian's `postgresql` binaries, no system service):
# initdb and pg_ctl on a temporary folder, listening on 127.0.0.1 only, as the `postgres`
# user when run as root (Postgres refuses root). The command sees
#   COURIER_TEST_PG=postgres://courier:RANDOM@127.0.0.1:PORT/courier
# and the server is stopped and its folder removed when the command ends, whatever happens.
# TCP connections need a random password made for this run (in the URL, which only this
# command sees; scram-sha-256): no other local user can use the server through 127.0.0.1.
# The Unix socket in the private temporary folder uses trust.
#   scripts/with-postgres.sh cargo test -p courier-node
# COURIER_PG_DURABLE=1 (benchmarks) turns fsync and full-page writes on, with
# synchronous_commit off: the durability of the SQLite node's WAL with synchronous=NORMAL
# (a crash of the node loses nothing committed; the OS losing power may drop the last
# commits). Tests run with fsync off.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS…]" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "Postgres is not installed: apt-get install postgresql (scripts/setup.sh)" >&2; exit 1; }

dir=$(mktemp -d /tmp/courier-pg.XXXXXX)
chmod 755 "$dir"
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

stop() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT INT TERM

password=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
(umask 077; printf '%s\n' "$password" >"$dir/pwfile")
[ "$(id -u)" = 0 ] && chown postgres "$dir/pwfile"
as_pg "$bin/initdb" -D "$dir/data" --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" \
  -U courier --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
durable=off
[ "${COURIER_PG_DURABLE:-0}" = 1 ] && durable=on
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 \
  -c max_connections=500 -c fsync=$durable -c synchronous_commit=off -c full_page_writes=$durable" start >/dev/null \
  || { cat "$dir/log" >&2; exit 1; }
rm -f "$dir/pwfile"
as_pg "$bin/createdb" -h "$dir" -p "$port" -U courier courier

export COURIER_TEST_PG="postgres://courier:$password@127.0.0.1:$port/courier"
export COURIER_PG_BIN="$bin"
echo "throwaway Postgres at 127.0.0.1:$port (fsync=$durable)" >&2
set +e
"$@"
rc=$?
set -e
exit $rc

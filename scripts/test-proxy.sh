#!/usr/bin/env bash
# Exercises docs/deployment.md: docs/deploy/nginx-courier.conf as written: two `courier node` replicas on one
# throwaway Postgres, Debian's nginx in front with a throwaway self-signed certificate, then
#   - gRPC over HTTP/2 + TLS through nginx: a Publish (grpc-status 0),
#   - the HTTP/JSON gateway through nginx: Query finds it (whichever replica answers),
#   - /healthz of each replica directly, and through nginx,
#   - one replica stopped: the gateway and gRPC through nginx still answer,
#   - backup with pg_dump while a replica runs, pg_restore into a new database, served again.
# Usage: scripts/with-postgres.sh scripts/test-proxy.sh   (needs nginx, openssl, curl)
set -euo pipefail
: "${COURIER_TEST_PG:?run under scripts/with-postgres.sh}"
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build -q --locked -p courier-cli
courier="$CARGO_TARGET_DIR/debug/courier"
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/courier-proxy.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
g1=$(free); h1=$(free); g2=$(free); h2=$(free); tls=$(free)

psql_bin=${COURIER_PG_BIN:+$COURIER_PG_BIN/}psql
"$psql_bin" "$COURIER_TEST_PG" -qc "CREATE SCHEMA proxy_test"
db="$COURIER_TEST_PG?options=-csearch_path%3Dproxy_test"
for pair in "$g1 $h1" "$g2 $h2"; do
  set -- $pair
  COURIER_NODE_DB="$db" "$courier" node --no-auth --grpc-addr "127.0.0.1:$1" --http-addr "127.0.0.1:$2" \
    --public-url "https://127.0.0.1:$tls" >"$tmp/node-$1.out" 2>"$tmp/node-$1.err" &
  pids+=($!)
done
for h in $h1 $h2; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$h/healthz" >/dev/null && break; sleep 0.1; done
  echo "replica on $h: $(curl -sf "http://127.0.0.1:$h/healthz")"
done

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$tmp/privkey.pem" -out "$tmp/fullchain.pem" 2>/dev/null
sed -e "s|127.0.0.1:5556|127.0.0.1:$g1|; s|127.0.0.1:6556|127.0.0.1:$g2|" \
    -e "s|127.0.0.1:5555|127.0.0.1:$h1|; s|127.0.0.1:6555|127.0.0.1:$h2|" \
    -e "s|listen 443 |listen 127.0.0.1:$tls |; s|/etc/ssl/courier|$tmp|" \
    "$root/docs/deploy/nginx-courier.conf" >"$tmp/courier.conf"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 256; }
http {
    access_log $tmp/access.log;
    client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fcgi; uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi;
    include $tmp/courier.conf;
}
CONF
nginx -t -q -c "$tmp/nginx.conf" -p "$tmp"
nginx -c "$tmp/nginx.conf" -p "$tmp"
base="https://127.0.0.1:$tls"
for _ in $(seq 50); do curl -skf "$base/healthz" >/dev/null && break; sleep 0.1; done

# gRPC Publish through nginx: PublishRequest{envelopes:[{contentTopic:"/t", timestampNs:5, message:"hi"}]}
# as one length-prefixed gRPC message.
grpc() { # method, hex body → curl's verbose output
  printf '%s' "$2" | xxd -r -p >"$tmp/req.bin"
  curl -sk --http2 -v -X POST "$base/xmtp.message_api.v1.MessageApi/$1" -H 'content-type: application/grpc' \
    -H 'te: trailers' --data-binary @"$tmp/req.bin" -o "$tmp/resp.bin" 2>&1
}
out=$(grpc Publish 000000000c0a0a0a022f7410051a026869)
echo "$out" | grep -q "grpc-status: 0" || { echo "gRPC publish through nginx failed:"; echo "$out" | tail -n 20; exit 1; }
echo "$out" | grep -q "using HTTP/2" || { echo "not HTTP/2"; exit 1; }
echo "ok: gRPC Publish over HTTP/2 and TLS through nginx"

query='{"contentTopics":["/t"],"pagingInfo":{"direction":"SORT_DIRECTION_ASCENDING"}}'
for i in 1 2 3 4; do
  got=$(curl -skf -X POST "$base/message/v1/query" -d "$query")
  echo "$got" | grep -q '"message":"aGk="' || { echo "gateway query through nginx ($i): $got"; exit 1; }
done
echo "ok: gateway Query through nginx finds it on either replica"
curl -skf "$base/healthz" | grep -q '"status":"ok"' && echo "ok: /healthz through nginx"

kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
for i in 1 2 3 4; do
  curl -skf -X POST "$base/message/v1/query" -d "$query" | grep -q '"message":"aGk="' \
    || { echo "gateway query after a replica stopped ($i) failed"; tail -n 5 "$tmp/error.log"; exit 1; }
  grpc Query 00000000040a022f74 | grep -q "grpc-status: 0" \
    || { echo "gRPC query after a replica stopped ($i) failed"; tail -n 5 "$tmp/error.log"; exit 1; }
done
echo "ok: with one replica stopped, nginx serves gRPC and the gateway from the other"

# Backup and restore as docs/deployment.md says: pg_dump while a replica runs, pg_restore into
# a new database, a node on it serves what was published.
bin=${COURIER_PG_BIN:+$COURIER_PG_BIN/}
"${bin}pg_dump" --format=custom --file="$tmp/courier.dump" "$COURIER_TEST_PG"
"${bin}psql" "$COURIER_TEST_PG" -qc "CREATE DATABASE restored"
restored="${COURIER_TEST_PG%/*}/restored"
"${bin}pg_restore" --no-owner --dbname="$restored" "$tmp/courier.dump"
g3=$(free); h3=$(free)
COURIER_NODE_DB="$restored?options=-csearch_path%3Dproxy_test" "$courier" node --no-auth \
  --grpc-addr "127.0.0.1:$g3" --http-addr "127.0.0.1:$h3" >"$tmp/node-3.out" 2>"$tmp/node-3.err" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$h3/healthz" >/dev/null && break; sleep 0.1; done
curl -sf -X POST "http://127.0.0.1:$h3/message/v1/query" -d "$query" | grep -q '"message":"aGk="' \
  || { echo "the restored database does not serve what was published"; cat "$tmp/node-3.err"; exit 1; }
echo "ok: pg_dump while running, pg_restore into a new database, a node on it serves the envelope"

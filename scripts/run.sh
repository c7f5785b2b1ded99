#!/usr/bin/env bash
# Sets up and runs Courier. Until the desktop app lands: builds `courier`, starts a local node
# on the spec's local ports (gRPC 127.0.0.1:5556, HTTP 127.0.0.1:5555), creates two accounts in
# a demo data folder, lets them exchange messages, and keeps the node running (Ctrl-C stops).
# Without a desktop session it runs inside a private D-Bus session with a throwaway keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${COURIER_IN_KEYRING:-}" ]; then
  exec env COURIER_IN_KEYRING=1 scripts/with-keyring.sh "$0" "$@"
fi
step "build courier (release)"
cargo build --release --locked -p courier-cli
courier="${CARGO_TARGET_DIR:-target}/release/courier"
demo=$(mktemp -d)
step "courier node (data in $demo/node.db)"
"$courier" node --db "$demo/node.db" &
node_pid=$!
trap 'kill $node_pid 2>/dev/null; wait $node_pid 2>/dev/null' EXIT
sleep 1
alice=$("$courier" --data-dir "$demo/alice" account create)
bob=$("$courier" --data-dir "$demo/bob" account create)
echo "alice $alice"
echo "bob   $bob"
step "alice → bob"
"$courier" --data-dir "$demo/alice" send "$bob" "Hello Bob, this is Courier."
"$courier" --data-dir "$demo/bob" sync
"$courier" --data-dir "$demo/bob" conversations
"$courier" --data-dir "$demo/bob" send "$alice" "Hi Alice!"
"$courier" --data-dir "$demo/alice" sync
"$courier" --data-dir "$demo/alice" messages "$bob"
step "node running on 127.0.0.1:5556 (gRPC) and 127.0.0.1:5555 (HTTP); try:"
echo "  $courier --data-dir $demo/alice listen"
echo "Ctrl-C stops."
wait $node_pid

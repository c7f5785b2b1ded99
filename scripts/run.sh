#!/usr/bin/env bash
# Sets up and runs Courier: builds the UI and the desktop app (release) and starts it on the
# embedded default (a node another Courier window of this user started at 127.0.0.1:5556, or its
# own built-in node).
# Without a display (a headless machine) it runs the app under Xvfb for a few seconds, saves a
# screenshot, and shows the `courier` CLI talking through the same kind of node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
target="${CARGO_TARGET_DIR:-target}"
step "build Courier (release)"
cargo build --release --locked -p courier-app -p courier-cli
app="$target/release/courier-app"
courier="$target/release/courier"

if [ -z "${COURIER_HEADLESS:-}" ]; then
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    step "starting Courier"
    exec "$app"
  fi
  exec env COURIER_HEADLESS=1 xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keyring.sh "$0" "$@"
fi
step "no display here: running the app under Xvfb"
export NO_AT_BRIDGE=1 COURIER_DATA_DIR
# A profile in a private temporary folder; the node key goes beside it (not ~/.local/share).
COURIER_DATA_DIR="$(mktemp -d)/profile"
"$app" &
app_pid=$!
sleep 8
shot="$target/run-screenshot.png"
import -window root "$shot" 2>/dev/null && echo "screenshot of the app: $shot"
step "the courier CLI through the app's built-in node (127.0.0.1:5556)"
demo=$(mktemp -d)
alice=$("$courier" --data-dir "$demo/alice" account create)
bob=$("$courier" --data-dir "$demo/bob" account create)
"$courier" --data-dir "$demo/alice" send "$bob" "Hello Bob, this is Courier."
"$courier" --data-dir "$demo/bob" sync
"$courier" --data-dir "$demo/bob" messages "$alice"
kill "$app_pid"
# SIGTERM ends the app through its normal exit; let it finish before the D-Bus session goes.
wait "$app_pid" 2>/dev/null || true

#!/usr/bin/env bash
# Builds the UI and the app, then runs the end-to-end test in a real window: Xvfb, a D-Bus
# session with an unlocked gnome-keyring, tauri-driver with WebKitWebDriver.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
export COURIER_APP="$PWD/$target/debug/courier-app"
export COURIER_CLI="$PWD/$target/debug/courier"
export COURIER_SCREENSHOTS="$PWD/$target/e2e-screenshots"
case "$target" in /*) export COURIER_APP="$target/debug/courier-app" COURIER_CLI="$target/debug/courier" COURIER_SCREENSHOTS="$target/e2e-screenshots";; esac
export NO_AT_BRIDGE=1
cargo build --locked -p courier-app -p courier-cli
exec xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keyring.sh node --test tests/e2e/app.test.mjs

#!/usr/bin/env bash
# Sets up and runs Courier. Until the desktop app lands this builds the `courier` command line
# and shows it working: it checks the xmtp-js vectors and emits Courier's own.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
step "build courier (release)"
cargo build --release --locked -p courier-cli
courier=target/release/courier
[ -n "${CARGO_TARGET_DIR:-}" ] && courier="$CARGO_TARGET_DIR/release/courier"
step "courier vectors check (the reference SDK's vectors)"
"$courier" vectors check tests/vectors/xmtp-js/*.json
step "courier vectors emit"
"$courier" vectors emit --out "${1:-out}"

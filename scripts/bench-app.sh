#!/usr/bin/env bash
# The desktop app's figures (BENCHMARKS.md): launch time, memory, binary size. Release build,
# in Xvfb with a private D-Bus keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target";; esac
# One invocation, so the app's crate is compiled (with LTO) once for the binary and the examples.
cargo build --release --locked -p courier-app -p courier-cli -p courier-engine --bins --example populate --example blank_window
export COURIER_APP="$target/release/courier-app" COURIER_CLI="$target/release/courier" COURIER_POPULATE="$target/release/examples/populate" COURIER_BLANK="$target/release/examples/blank_window"
export NO_AT_BRIDGE=1
echo "release binary: $(du -k "$COURIER_APP" | cut -f1) KiB (stripped: $(strip -o /tmp/courier-app.stripped "$COURIER_APP" && du -k /tmp/courier-app.stripped | cut -f1) KiB)"
xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keyring.sh node tests/e2e/bench.mjs

#!/usr/bin/env bash
# Sets up and runs every test of Courier on a fresh Debian/Ubuntu machine (as root, or with
# sudo): system packages, the reference SDK harness (npm), then the Rust workspace tests and
# the reverse-direction check, where the reference SDK opens what Courier produced.
# Nothing is skipped silently: a missing tool is installed or the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step "UI: type check and unit tests"
(cd ui && npx tsc --noEmit && npx vitest run)

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (workspace, inside a D-Bus session with an unlocked gnome-keyring)"
scripts/with-keyring.sh cargo test --workspace --locked

step "the node's test suite again on Postgres (a throwaway server: scripts/with-postgres.sh; same build)"
scripts/with-postgres.sh sh -c "cargo test --locked -p courier-node && keyctl session - env COURIER_TEST_KEYCHAIN=kernel cargo test --locked -p courier-cli --test node_replicas"

step "docs/deploy/nginx-courier.conf as written: TLS, gRPC over HTTP/2 and the gateway in front of two replicas"
scripts/with-postgres.sh scripts/test-proxy.sh

step "TypeScript bindings are up to date with the Rust types (ts-rs ran in cargo test)"
git diff --exit-code -- ui/src/lib/backend/bindings
untracked=$(git ls-files --others --exclude-standard -- ui/src/lib/backend/bindings)
[ -z "$untracked" ] || { echo "new bindings not committed: $untracked"; exit 1; }

step "the app in a real window: Xvfb, tauri-driver, WebKitWebDriver"
tests/e2e/run.sh

step "the Linux bundles: .deb and .rpm built, the .deb installed and started in a real window"
tests/e2e/install.sh

step "keychain fallback: the engine's keychain tests on the kernel keyring"
keyctl session - env COURIER_TEST_KEYCHAIN=kernel cargo test --locked -p courier-engine --test accounts

step "public xmtp-js vectors through the courier binary"
cargo run -q --locked -p courier-cli -- vectors check tests/vectors/xmtp-js/*.json | tail -n 1

step "xmtp-crypto's libsecp256k1 backend: lints, its tests (vectors, property tests, both backends compared) and the vector check"
cargo clippy -q --locked -p xmtp-crypto --all-targets --features libsecp256k1 -- -D warnings
cargo test -q --locked -p xmtp-crypto --features libsecp256k1
cargo run -q --locked -p courier-cli --features libsecp256k1 -- vectors check tests/vectors/xmtp-js/*.json | tail -n 1

step "reverse direction: xmtp-js 13.0.4 opens what Courier produced"
emit_dir=$(mktemp -d)
trap 'rm -rf "$emit_dir"' EXIT
cargo run -q --locked -p courier-cli -- vectors emit --out "$emit_dir" >/dev/null
node tests/xmtpjs-peer/verify.mjs --quiet "$emit_dir/courier_vectors.json"

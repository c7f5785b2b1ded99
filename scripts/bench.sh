#!/usr/bin/env bash
# Measures Courier's protocol operations (criterion, twice: xmtp-crypto's default k256 backend,
# then its libsecp256k1 backend, saved as the criterion baselines `k256` and `libsecp256k1`) and
# the reference SDK's (bench.mjs) in one command, then the node (publish, query, fan-out, each
# against its baseline) and the client's cold sync (against the reference SDK), and prints the
# BENCHMARKS.md tables. Run from anywhere: scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v python3 >/dev/null || apt_install python3
target="${CARGO_TARGET_DIR:-target}"
out="$target/bench"
mkdir -p "$out"
cargo bench -p xmtp-crypto --bench protocol -- --noplot --save-baseline k256 >"$out/criterion-k256.txt"
cargo bench -p xmtp-crypto --bench protocol --features libsecp256k1 -- --noplot --save-baseline libsecp256k1 \
  >"$out/criterion-libsecp256k1.txt"
node tests/xmtpjs-peer/bench.mjs --iterations 300 --warmup 50 --json-out "$out/xmtpjs.json" >"$out/xmtpjs.txt"
python3 scripts/bench_report.py "$target/criterion" "$out/xmtpjs.json" | tee "$out/report.md"
echo
cargo bench -p courier-node --bench node 2>/dev/null | grep -E '^(\||Filled|$)' | tee "$out/node.md"
echo
cargo bench -p courier-engine --bench sync 2>/dev/null | grep -E '^\|' | tee "$out/sync.md"

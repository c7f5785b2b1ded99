#!/usr/bin/env bash
# Measures Courier's protocol operations (criterion, with xmtp-crypto's default k256 backend and
# with its libsecp256k1 backend, saved as the criterion baselines `k256[-N]` and
# `libsecp256k1[-N]`) and the reference SDK's (bench.mjs) in one command, then the node (publish,
# query, fan-out, each against its baseline) and the client's cold sync (against the reference
# SDK), a 20 MB remote attachment through the node (against raw AES-GCM and a loopback copy) and
# a rich 100k thread against a text-only one at the engine level, and prints the BENCHMARKS.md
# tables. Run from anywhere: scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v python3 >/dev/null || apt_install python3
target="${CARGO_TARGET_DIR:-target}"
out="$target/bench"
mkdir -p "$out"
# BENCH_ROUNDS rounds (default 2) of: k256, libsecp256k1, the reference. The report takes each
# figure's best round, so that a round slowed by other work on the machine does not count.
rounds="${BENCH_ROUNDS:-2}"
refs=()
for round in $(seq 1 "$rounds"); do
  suffix=$([ "$round" -eq 1 ] && echo "" || echo "-$round")
  cargo bench -p xmtp-crypto --bench protocol -- --noplot --save-baseline "k256$suffix" \
    >"$out/criterion-k256$suffix.txt"
  cargo bench -p xmtp-crypto --bench protocol --features libsecp256k1 -- --noplot \
    --save-baseline "libsecp256k1$suffix" >"$out/criterion-libsecp256k1$suffix.txt"
  node tests/xmtpjs-peer/bench.mjs --iterations 300 --warmup 50 --json-out "$out/xmtpjs$suffix.json" \
    >"$out/xmtpjs$suffix.txt"
  refs+=("$out/xmtpjs$suffix.json")
done
python3 scripts/bench_report.py "$target/criterion" "$rounds" "${refs[@]}" | tee "$out/report.md"
echo
cargo bench -p courier-node --bench node 2>/dev/null | grep -E '^(\||Filled|$)' | tee "$out/node.md"
echo
COURIER_PG_DURABLE=1 scripts/with-postgres.sh cargo bench -p courier-node --bench pg 2>/dev/null \
  | grep -E '^(\||Loaded|$)' | tee "$out/node-pg.md"
echo
cargo bench -p courier-engine --bench sync 2>/dev/null | grep -E '^\|' | tee "$out/sync.md"
echo
cargo bench -p courier-engine --bench attachments 2>/dev/null | grep -E '^\|' | tee "$out/attachments.md"
echo
cargo bench -p courier-engine --bench thread 2>/dev/null | grep -E '^\|' | tee "$out/thread.md"
echo
cargo bench -p courier-engine --bench encrypted 2>/dev/null | grep -E '^\|' | tee "$out/encrypted.md"

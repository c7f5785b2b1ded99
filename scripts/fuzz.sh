#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder that network input reaches (RELIABILITY.md, "Fuzzing").
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   scripts/fuzz.sh [run] [TARGET...]   fuzz each target (all by default) for FUZZ_SECONDS; exits
#                                       non-zero if any target crashed (reproducers: fuzz/artifacts/)
#   scripts/fuzz.sh cmin [TARGET...]    fold what the runs found into fuzz/corpus/<target>/, minimized
#   scripts/fuzz.sh seed                rewrite the seeds from tests/vectors/xmtp-js, then cmin
#   scripts/fuzz.sh list                the targets
#
# Environment: FUZZ_SECONDS (default 60 per target), FUZZ_RSS_MB (2048), FUZZ_TIMEOUT (seconds
# one input may take, 10), FUZZ_JOBS (1, one process: the machine is shared), FUZZ_ARGS (more libFuzzer flags).
# New inputs go to fuzz/target/work-corpus/<target>/ so the kept corpus stays small; the kept
# corpus and fuzz/regressions/<target>/ are read as seeds. The build dir is fuzz/target.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
export CARGO_TARGET_DIR="$PWD/target"

TARGETS=(envelope v1_message v2_message content invitation contact_bundle gateway_json consent auth_token key_bundle)
SECONDS_EACH="${FUZZ_SECONDS:-60}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"
JOBS="${FUZZ_JOBS:-1}"

# The largest input worth trying per target: a little above the largest real one (an envelope
# with a V2 message is ~1 KB; a publish body with a few of them ~8 KB).
max_len() {
  case "$1" in
    envelope | gateway_json) echo 16384 ;;
    content | v1_message | v2_message | invitation) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# One process is one job; more than one runs libFuzzer's fork mode (logs in fuzz-<n>.log).
parallel() {
  if ((JOBS > 1)); then echo "-jobs=$JOBS -workers=$JOBS"; fi
}

known() {
  local t
  for t in "${TARGETS[@]}"; do [[ "$t" == "$1" ]] && return 0; done
  echo "unknown target: $1 (scripts/fuzz.sh list)" >&2
  exit 2
}

run() {
  local failed=() t
  for t in "$@"; do
    known "$t"
    local work="target/work-corpus/$t"
    mkdir -p "$work" "corpus/$t" "regressions/$t" "artifacts/$t"
    echo "== fuzz $t for ${SECONDS_EACH}s"
    if ! cargo +nightly fuzz run "$t" "$work" "corpus/$t" "regressions/$t" -- \
      -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" -rss_limit_mb="$RSS_MB" \
      -timeout="$TIMEOUT" -print_final_stats=1 $(parallel) ${FUZZ_ARGS:-}; then
      failed+=("$t")
    fi
  done
  if ((${#failed[@]})); then
    echo "CRASH in: ${failed[*]} (reproducers in fuzz/artifacts/<target>/)" >&2
    exit 1
  fi
  echo "no crash in: $*"
}

cmin() {
  local t
  for t in "$@"; do
    known "$t"
    mkdir -p "corpus/$t"
    if [[ -d "target/work-corpus/$t" ]]; then cp -n "target/work-corpus/$t/"* "corpus/$t/" 2>/dev/null || true; fi
    cargo +nightly fuzz cmin "$t" "corpus/$t" -- -max_len="$(max_len "$t")" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
      ${FUZZ_CMIN_ARGS:-}
  done
  du -sh corpus
}

cmd="${1:-run}"
case "$cmd" in
  run | cmin) shift || true ;;
  seed | list) shift ;;
  *) cmd=run ;;
esac
selected=("$@")
((${#selected[@]})) || selected=("${TARGETS[@]}")

case "$cmd" in
  run) run "${selected[@]}" ;;
  cmin) cmin "${selected[@]}" ;;
  seed)
    cargo run --quiet --bin seed -- corpus
    cmin "${TARGETS[@]}"
    ;;
  list) printf '%s\n' "${TARGETS[@]}" ;;
esac

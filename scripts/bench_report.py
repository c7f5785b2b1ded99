#!/usr/bin/env python3
"""Turns criterion runs (xmtp-crypto with its default k256 backend and with the libsecp256k1
backend, saved as criterion baselines `k256`, `k256-2`, … and `libsecp256k1`, `libsecp256k1-2`, …)
and bench.mjs runs, all made in the same command, into the Markdown tables of BENCHMARKS.md: each
backend's median per operation, the reference SDK's, the speed-ups, and each operation against
the sum of the primitives it must perform (primitives measured in the same run with the same
backend). With several rounds, each figure is the best round's median (for the reference too):
other work on a shared machine only ever adds time.

Usage: bench_report.py CRITERION_DIR ROUNDS XMTPJS_JSON [XMTPJS_JSON…]"""
import json
import pathlib
import sys

crit_dir, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
ref_jsons = [pathlib.Path(a) for a in sys.argv[3:]]
BACKENDS = ["k256", "libsecp256k1"]
PRIMITIVES = ["ecdsa_sign", "ecdsa_verify", "ecdsa_recover", "ecdh", "keygen", "hkdf", "aes_gcm_1k"]


def us(name, backend):
    """The best round's median, in µs."""
    best = None
    for r in range(1, rounds + 1):
        baseline = backend if r == 1 else f"{backend}-{r}"
        est = json.loads((crit_dir / name / baseline / "estimates.json").read_text())
        median = est["median"]["point_estimate"] / 1000.0
        best = median if best is None else min(best, median)
    return best


def sums(p):
    """(operation, reference operation, primitives it must perform, their sum) for one backend."""
    sym = p["hkdf"] + p["aes_gcm_1k"]
    return [
        ("v2_message_seal", "v2_message_encrypt_sign", "sign + 2 HKDF + AES-GCM", p["ecdsa_sign"] + p["hkdf"] + sym),
        ("v2_message_open", "v2_message_decrypt_verify", "verify + HKDF + AES-GCM (sender bundle verified once, cached)", p["ecdsa_verify"] + sym),
        ("v2_message_open_uncached", "v2_message_decrypt_verify", "2 verify + recover + HKDF + AES-GCM", 2 * p["ecdsa_verify"] + p["ecdsa_recover"] + sym),
        ("v2_invitation_seal", "v2_invitation_seal", "3 ECDH + HKDF + AES-GCM (peer bundle verified when looked up)", 3 * p["ecdh"] + sym),
        ("v2_invitation_create_full", "v2_invitation_create_full", "2 x 3DH + HMAC + HKDF + seal", 6 * p["ecdh"] + 2 * p["hkdf"] + sym),
        ("v2_invitation_open", "v2_invitation_unseal", "3 ECDH + verify + recover + HKDF + AES-GCM", 3 * p["ecdh"] + p["ecdsa_verify"] + p["ecdsa_recover"] + sym),
        ("v1_message_seal", "v1_message_encrypt", "3 ECDH + HKDF + AES-GCM (peer bundle verified when looked up)", 3 * p["ecdh"] + sym),
        ("v1_message_open", "v1_message_decrypt", "3 ECDH + 2 verify + 2 recover + HKDF + AES-GCM", 3 * p["ecdh"] + 2 * p["ecdsa_verify"] + 2 * p["ecdsa_recover"] + sym),
        ("identity_create", "key_bundle_generate", "2 keygen + 2 sign (k256: made together, sharing inversions)", 2 * p["keygen"] + 2 * p["ecdsa_sign"]),
    ]


refs = [json.loads(p.read_text()) for p in ref_jsons]
ref = refs[0]
ref_us = {}
for run in refs:
    for r in run["results"]:
        ref_us[r["name"]] = min(ref_us.get(r["name"], r["median_us"]), r["median_us"])
prims = {b: {n: us(n, b) for n in PRIMITIVES} for b in BACKENDS}
rows = {b: sums(prims[b]) for b in BACKENDS}

print(f"Reference: xmtp-js {ref['xmtp_js']} on node {ref['node']}, {ref['iterations']} iterations; "
      f"machine: {ref['cpus']} x {ref['cpu_model']}. Best of {rounds} round(s) for every figure.\n")
print("| operation | k256 µs | libsecp256k1 µs | xmtp-js µs | speed-up k256 | speed-up libsecp256k1 "
      "| primitives it must do | op / sum k256 | op / sum libsecp256k1 |")
print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
worst_speedup = {b: None for b in BACKENDS}
worst_overhead = {b: 0.0 for b in BACKENDS}
for i, (name, ref_name, what, _) in enumerate(rows["k256"]):
    theirs = ref_us.get(ref_name)
    mine, speed, over = {}, {}, {}
    for b in BACKENDS:
        mine[b] = us(name, b)
        speed[b] = theirs / mine[b] if theirs else float("nan")
        over[b] = mine[b] / rows[b][i][3]
        if name not in ("v2_message_open_uncached", "v2_invitation_create_full"):
            w = worst_speedup[b]
            worst_speedup[b] = speed[b] if w is None else min(w, speed[b])
        worst_overhead[b] = max(worst_overhead[b], over[b])
    print(f"| `{name}` | {mine['k256']:.1f} | {mine['libsecp256k1']:.1f} | {theirs:.0f} (`{ref_name}`) "
          f"| {speed['k256']:.0f}× | {speed['libsecp256k1']:.0f}× | {what} "
          f"| {over['k256']:.2f} | {over['libsecp256k1']:.2f} |")
print()
print("| primitive | k256 µs | libsecp256k1 µs | k256 / libsecp256k1 |")
print("|---|---:|---:|---:|")
for n in PRIMITIVES:
    k, lib = prims["k256"][n], prims["libsecp256k1"][n]
    print(f"| `{n}` | {k:.2f} | {lib:.2f} | {k / lib:.2f} |")
print()
for b in BACKENDS:
    print(f"{b}: slowest speed-up over the reference {worst_speedup[b]:.0f}× (target ≥ 15×); "
          f"largest overhead over the primitives {worst_overhead[b]:.2f} (target ≤ 1.15).")

#!/usr/bin/env python3
"""Turns a criterion run and a bench.mjs run (made in the same command) into the Markdown
table of BENCHMARKS.md: Courier's median per operation, the reference SDK's, the speed-up, and
the operation against the sum of the primitives it must perform."""
import json
import pathlib
import sys

crit_dir, ref_json = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def us(name):
    est = json.loads((crit_dir / name / "new" / "estimates.json").read_text())
    return est["median"]["point_estimate"] / 1000.0


ref = json.loads(ref_json.read_text())
ref_us = {r["name"]: r["median_us"] for r in ref["results"]}

p = {n: us(n) for n in ["ecdsa_sign", "ecdsa_verify", "ecdsa_recover", "ecdh", "keygen", "hkdf", "aes_gcm_1k"]}
sym = p["hkdf"] + p["aes_gcm_1k"]
# (operation, reference operation, primitives it must perform, their sum)
ops = [
    ("v2_message_seal", "v2_message_encrypt_sign", "sign + 2 HKDF + AES-GCM", p["ecdsa_sign"] + p["hkdf"] + sym),
    ("v2_message_open", "v2_message_decrypt_verify", "verify + HKDF + AES-GCM (sender bundle verified once, cached)", p["ecdsa_verify"] + sym),
    ("v2_message_open_uncached", "v2_message_decrypt_verify", "2 verify + recover + HKDF + AES-GCM", 2 * p["ecdsa_verify"] + p["ecdsa_recover"] + sym),
    ("v2_invitation_seal", "v2_invitation_seal", "3 ECDH + HKDF + AES-GCM (peer bundle verified when looked up)", 3 * p["ecdh"] + sym),
    ("v2_invitation_create_full", "v2_invitation_create_full", "2 x 3DH + HMAC + HKDF + seal", 6 * p["ecdh"] + 2 * p["hkdf"] + sym),
    ("v2_invitation_open", "v2_invitation_unseal", "3 ECDH + verify + recover + HKDF + AES-GCM", 3 * p["ecdh"] + p["ecdsa_verify"] + p["ecdsa_recover"] + sym),
    ("v1_message_seal", "v1_message_encrypt", "3 ECDH + HKDF + AES-GCM (peer bundle verified when looked up)", 3 * p["ecdh"] + sym),
    ("v1_message_open", "v1_message_decrypt", "3 ECDH + 2 verify + 2 recover + HKDF + AES-GCM", 3 * p["ecdh"] + 2 * p["ecdsa_verify"] + 2 * p["ecdsa_recover"] + sym),
    ("identity_create", "key_bundle_generate", "2 keygen + 2 sign (two independent chains, run on 2 cores)", 2 * p["keygen"] + 2 * p["ecdsa_sign"]),
]

print(f"Reference: xmtp-js {ref['xmtp_js']} on node {ref['node']}, {ref['iterations']} iterations; "
      f"machine: {ref['cpus']} x {ref['cpu_model']}.\n")
print("| operation | Courier µs | xmtp-js µs | speed-up | primitives it must do | their sum µs | op / sum |")
print("|---|---:|---:|---:|---|---:|---:|")
worst_speedup, worst_overhead = None, 0.0
for name, ref_name, what, total in ops:
    mine = us(name)
    theirs = ref_us.get(ref_name)
    speed = theirs / mine if theirs else float("nan")
    over = mine / total
    if name != "v2_message_open_uncached" and name != "v2_invitation_create_full":
        worst_speedup = speed if worst_speedup is None else min(worst_speedup, speed)
    worst_overhead = max(worst_overhead, over)
    print(f"| `{name}` | {mine:.1f} | {theirs:.0f} (`{ref_name}`) | {speed:.0f}× | {what} | {total:.1f} | {over:.2f} |")
print()
print("| primitive | Courier µs |")
print("|---|---:|")
for n in ["ecdsa_sign", "ecdsa_verify", "ecdsa_recover", "ecdh", "keygen", "hkdf", "aes_gcm_1k"]:
    print(f"| `{n}` | {p[n]:.2f} |")
print()
print(f"Slowest speed-up over the reference: {worst_speedup:.0f}× (target ≥ 15×). "
      f"Largest overhead over the primitives: {worst_overhead:.2f} (target ≤ 1.3).")

//! Protocol operations and the primitives that bound them. Names match BENCHMARKS.md; the
//! reference SDK's figures come from `tests/xmtpjs-peer/bench.mjs`, run by `scripts/bench.sh`
//! in the same command.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use prost::Message as _;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use xmtp_crypto::content;
use xmtp_crypto::ecc::PrivateKey;
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::{EnvelopeRef, cipher, hash, v1, v2};

fn party(seed: u64) -> (LocalWallet, PrivateKeyBundle) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let wallet = LocalWallet::generate(&mut rng);
    let keys = PrivateKeyBundle::generate(&wallet, 1_700_000_000_000, &mut rng).expect("generate");
    (wallet, keys)
}

fn protocol(c: &mut Criterion) {
    let (wallet_a, a) = party(1);
    let (_, b) = party(2);
    let peer_b = b.as_peer();
    let peer_a = a.as_peer();
    // Same payload as bench.mjs.
    let body = content::text("benchmark message: hello bob, how are you today?").encode_to_vec();
    let now_ns = 1_764_000_000_000_000_000u64;

    let inv = Invitation::deterministic(&a, &peer_b, None);
    let key = *inv.key_material.expose();
    let v2m = v2::seal(&a, &inv.topic, &key, &body, now_ns, true, false, &mut OsRng);
    let sealed_inv = invitation::seal(&a, &peer_b, &inv, now_ns, &mut OsRng);
    let v1m = v1::seal(&a, &peer_b, &body, now_ns / 1_000_000, &mut OsRng).expect("v1 seal");
    let env = |s: &xmtp_crypto::Sealed| (s.topic.clone(), s.timestamp_ns, s.bytes.clone());

    c.bench_function("v2_message_seal", |bch| {
        bch.iter(|| v2::seal(&a, &inv.topic, &key, black_box(&body), now_ns, true, false, &mut OsRng))
    });
    let (t, ts, p) = env(&v2m);
    let warm = BundleCache::new();
    c.bench_function("v2_message_open", |bch| {
        bch.iter(|| {
            v2::open(&inv.topic, &key, EnvelopeRef { topic: &t, timestamp_ns: ts, payload: black_box(&p) }, &warm)
                .expect("open")
        })
    });
    c.bench_function("v2_message_open_uncached", |bch| {
        bch.iter(|| {
            let cold = BundleCache::new();
            v2::open(&inv.topic, &key, EnvelopeRef { topic: &t, timestamp_ns: ts, payload: black_box(&p) }, &cold)
                .expect("open")
        })
    });
    c.bench_function("v2_invitation_seal", |bch| {
        bch.iter(|| invitation::seal(&a, black_box(&peer_b), &inv, now_ns, &mut OsRng))
    });
    c.bench_function("v2_invitation_create_full", |bch| {
        bch.iter(|| {
            let fresh = Invitation::deterministic(&a, black_box(&peer_b), None);
            invitation::seal(&a, &peer_b, &fresh, now_ns, &mut OsRng)
        })
    });
    let (t, ts, p) = env(&sealed_inv);
    c.bench_function("v2_invitation_open", |bch| {
        bch.iter(|| {
            let cold = BundleCache::new();
            invitation::open(&b, EnvelopeRef { topic: &t, timestamp_ns: ts, payload: black_box(&p) }, &cold)
                .expect("open")
        })
    });
    c.bench_function("v1_message_seal", |bch| {
        bch.iter(|| v1::seal(&a, black_box(&peer_b), &body, now_ns / 1_000_000, &mut OsRng).expect("seal"))
    });
    let (t, ts, p) = env(&v1m);
    c.bench_function("v1_message_open", |bch| {
        bch.iter(|| {
            let cold = BundleCache::new();
            v1::open(&b, EnvelopeRef { topic: &t, timestamp_ns: ts, payload: black_box(&p) }, &cold).expect("open")
        })
    });
    c.bench_function("identity_create", |bch| {
        bch.iter(|| PrivateKeyBundle::generate(&wallet_a, 1_700_000_000_000, &mut OsRng).expect("generate"))
    });
    let _ = peer_a;
}

fn primitives(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let k1 = PrivateKey::generate(&mut rng);
    let k2 = PrivateKey::generate(&mut rng);
    let digest = hash::sha256(&[b"digest"]);
    let sig = k1.sign_prehash(&digest);
    c.bench_function("ecdsa_sign", |b| b.iter(|| k1.sign_prehash(black_box(&digest))));
    c.bench_function("ecdsa_verify", |b| {
        b.iter(|| k1.public_key().verify_prehash(black_box(&digest), &sig).expect("verify"))
    });
    c.bench_function("ecdsa_recover", |b| b.iter(|| sig.recover(black_box(&digest)).expect("recover")));
    c.bench_function("ecdh", |b| b.iter(|| k1.ecdh(black_box(k2.public_key()))));
    c.bench_function("keygen", |b| b.iter(|| *PrivateKey::generate(&mut OsRng).public_key()));
    c.bench_function("hkdf", |b| b.iter(|| hash::hkdf_sha256(black_box(&[7u8; 195]), &[1u8; 32], &[])));
    let kb = [9u8; 1024];
    c.bench_function("aes_gcm_1k", |b| {
        b.iter(|| cipher::encrypt_with(&[5u8; 32], black_box(&kb), b"aad", [1; 32], [2; 12]))
    });
    c.bench_function("keccak256_1k", |b| b.iter(|| hash::keccak256(&[black_box(&kb)])));
    c.bench_function("sha256_1k", |b| b.iter(|| hash::sha256(&[black_box(&kb)])));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = protocol, primitives
}
criterion_main!(benches);

//! Round trips between two fresh identities (property tests over content and clocks), every
//! negative case of the spec that the public vectors do not already pin, and "no input panics"
//! checks: random bytes and single-byte mutations of valid artifacts fed to every decoder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use prost::Message as _;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use xmtp_crypto::content;
use xmtp_crypto::invitation::{self, Context, Invitation, InvitationError};
use xmtp_crypto::keys::{BundleCache, BundleError, PeerBundle, PrivateKeyBundle};
use xmtp_crypto::v1::{self, V1Error};
use xmtp_crypto::v2::{self, V2Error};
use xmtp_crypto::wallet::{LocalWallet, WalletSigner};
use xmtp_crypto::{EnvelopeRef, auth, storage, topic};

struct Party {
    wallet: LocalWallet,
    keys: PrivateKeyBundle,
}

fn party(seed: u64) -> Party {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let wallet = LocalWallet::generate(&mut rng);
    let keys = PrivateKeyBundle::generate(&wallet, 1_700_000_000_000 + seed, &mut rng).unwrap();
    Party { wallet, keys }
}

fn env<'a>(s: &'a xmtp_crypto::Sealed) -> EnvelopeRef<'a> {
    EnvelopeRef { topic: &s.topic, timestamp_ns: s.timestamp_ns, payload: &s.bytes }
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(99)
}

#[test]
fn v1_round_trip_both_sides_and_strangers_refused() {
    let (a, b, c) = (party(1), party(2), party(3));
    let cache = BundleCache::new();
    let body = content::text("hi b").encode_to_vec();
    let sealed = v1::seal(&a.keys, &b.keys.as_peer(), &body, 1_700_000_000_123, &mut rng()).unwrap();
    assert_eq!(sealed.topic, topic::dm(a.keys.address(), b.keys.address()));
    assert_eq!(sealed.timestamp_ns, 1_700_000_000_123_000_000);
    for viewer in [&b, &a] {
        let o = v1::open(&viewer.keys, env(&sealed), &cache).unwrap();
        assert_eq!(o.encoded_content, body);
        assert_eq!(&o.sender, a.keys.address());
        assert_eq!(&o.recipient, b.keys.address());
        assert_eq!(o.sent_ms, 1_700_000_000_123);
        assert_eq!(o.id, sealed.id());
    }
    assert_eq!(v1::open(&c.keys, env(&sealed), &cache), Err(V1Error::NotForMe));
    // Same bytes on the intro topics open too; on another dm topic they do not.
    for t in v1::intro_topics(a.keys.address(), b.keys.address()) {
        let e = EnvelopeRef { topic: &t, ..env(&sealed) };
        assert!(v1::open(&b.keys, e, &cache).is_ok());
    }
    let other = topic::dm(a.keys.address(), c.keys.address());
    let e = EnvelopeRef { topic: &other, ..env(&sealed) };
    assert_eq!(v1::open(&b.keys, e, &cache), Err(V1Error::TopicMismatch));
    // A V2 payload is not a V1 message.
    let inv = Invitation::deterministic(&a.keys, &b.keys.as_peer(), None);
    let m2 = v2::seal(&a.keys, &inv.topic, inv.key_material.expose(), &body, 5, true, false, &mut rng());
    assert_eq!(v1::open(&b.keys, EnvelopeRef { topic: &sealed.topic, ..env(&m2) }, &cache), Err(V1Error::NotV1));
}

#[test]
fn v1_after_pre_key_rotation_uses_the_header_pre_key() {
    let (a, b) = (party(4), party(5));
    let cache = BundleCache::new();
    let sealed = v1::seal(&a.keys, &b.keys.as_peer(), b"x", 1, &mut rng()).unwrap();
    let rotated = b.keys.rotate_pre_key(2, &mut rng()).unwrap();
    assert_eq!(rotated.pre_keys().len(), 2);
    assert!(v1::open(&rotated, env(&sealed), &cache).is_ok());
    // A bundle that lost the old pre-key cannot open it.
    let fresh = PrivateKeyBundle::generate(&b.wallet, 3, &mut rng()).unwrap();
    assert_eq!(v1::open(&fresh, env(&sealed), &cache), Err(V1Error::NotForMe));
}

#[test]
fn invitations_deterministic_from_both_sides_and_opened_by_both() {
    let (a, b, c) = (party(6), party(7), party(8));
    let cache = BundleCache::new();
    let ab = Invitation::deterministic(&a.keys, &b.keys.as_peer(), None);
    let ba = Invitation::deterministic(&b.keys, &a.keys.as_peer(), None);
    assert_eq!(ab, ba);
    let ctx = Context { conversation_id: "x.org/1".into(), metadata: Default::default() };
    let with_ctx = Invitation::deterministic(&a.keys, &b.keys.as_peer(), Some(ctx));
    assert_ne!(with_ctx.topic, ab.topic);
    assert_eq!(with_ctx.key_material, ab.key_material, "key material does not depend on the conversation id");

    let sealed = invitation::seal(&a.keys, &b.keys.as_peer(), &with_ctx, 42_000_000, &mut rng());
    let for_b = invitation::open(&b.keys, env(&sealed), &cache).unwrap();
    let for_a = invitation::open(&a.keys, env(&sealed), &cache).unwrap();
    assert_eq!(for_b.invitation, with_ctx);
    assert_eq!(for_a.invitation, with_ctx);
    assert_eq!(&for_b.peer, a.keys.address());
    assert_eq!(&for_a.peer, b.keys.address());
    assert_eq!(&for_b.inviter, a.keys.address());
    assert_eq!(invitation::open(&c.keys, env(&sealed), &cache), Err(InvitationError::NotForMe));
    let shifted = EnvelopeRef { timestamp_ns: 42_000_001, ..env(&sealed) };
    assert_eq!(invitation::open(&b.keys, shifted, &cache), Err(InvitationError::TimestampMismatch));

    let random = Invitation::random(None, &mut rng());
    assert!(random.topic.starts_with("/xmtp/0/m-") && topic::is_valid_chars(&random.topic));
    let sealed = invitation::seal(&b.keys, &a.keys.as_peer(), &random, 7, &mut rng());
    let opened = invitation::open(&a.keys, env(&sealed), &cache).unwrap();
    assert_eq!(opened.invitation, random);
    assert!(!opened.derived, "a random invitation is not the derived one");

    // Deterministic invitations are recognised as derived whoever sealed them, opened by either
    // side (the inviter with the larger or the smaller address), with or without a context; one
    // from a third party naming the pair's topic with its own key is not.
    for (from, to) in [(&a, &b), (&b, &a)] {
        for ctx in [None, Some(Context { conversation_id: "x.org/2".into(), metadata: Default::default() })] {
            let inv = Invitation::deterministic(&from.keys, &to.keys.as_peer(), ctx);
            let sealed = invitation::seal(&from.keys, &to.keys.as_peer(), &inv, 9, &mut rng());
            for reader in [from, to] {
                assert!(invitation::open(&reader.keys, env(&sealed), &cache).unwrap().derived);
            }
        }
    }
    let forged = Invitation { key_material: xmtp_crypto::Secret::new([3; 32]), ..ab.clone() };
    let sealed = invitation::seal(&c.keys, &b.keys.as_peer(), &forged, 11, &mut rng());
    assert!(!invitation::open(&b.keys, env(&sealed), &cache).unwrap().derived);
}

#[test]
fn v2_round_trip_ephemeral_and_negative_cases() {
    let (a, b) = (party(9), party(10));
    let cache = BundleCache::new();
    let inv = Invitation::deterministic(&a.keys, &b.keys.as_peer(), None);
    let key = inv.key_material.expose();
    let body = content::text("v2 hello").encode_to_vec();
    let sealed = v2::seal(&a.keys, &inv.topic, key, &body, 1_700_000_000_000_000_000, true, false, &mut rng());
    let o = v2::open(&inv.topic, key, env(&sealed), &cache).unwrap();
    assert_eq!(o.encoded_content, body);
    assert_eq!(&o.sender, a.keys.address());
    assert_eq!(o.should_push, Some(true));
    let period = v2::thirty_day_period(1_700_000_000_000);
    let mac_key = v2::sender_hmac_key(key, period, a.keys.address());
    assert_eq!(o.sender_hmac.as_deref().map(<[u8]>::len), Some(32));
    assert_ne!(mac_key.expose(), &[0u8; 32]);

    let eph = v2::seal(&a.keys, &inv.topic, key, &body, 1, false, true, &mut rng());
    assert_eq!(eph.topic, topic::ephemeral(&inv.topic).unwrap());
    assert_eq!(v2::open(&inv.topic, key, env(&eph), &cache).unwrap().should_push, Some(false));

    let other = Invitation::random(None, &mut rng());
    assert_eq!(v2::open(&other.topic, key, env(&sealed), &cache), Err(V2Error::TopicMismatch));
    assert!(matches!(v2::open(&inv.topic, other.key_material.expose(), env(&sealed), &cache), Err(V2Error::Cipher(_))));
}

#[test]
fn v2_signed_by_a_key_not_in_the_bundle_is_refused() {
    // SignedContent whose sender bundle is b's but whose signature is a's pre-key.
    let (a, b) = (party(11), party(12));
    let cache = BundleCache::new();
    let inv = Invitation::deterministic(&a.keys, &b.keys.as_peer(), None);
    let key = inv.key_material.expose();
    let header =
        xmtp_crypto::xmtp_proto::message_contents::MessageHeaderV2 { created_ns: 1, topic: inv.topic.to_string() }
            .encode_to_vec();
    let payload = content::text("forged").encode_to_vec();
    let digest = xmtp_crypto::hash::sha256(&[&header, &payload]);
    let sig = a.keys.current_pre_key().secret().sign_prehash(&digest);
    use xmtp_crypto::xmtp_proto::message_contents as pb;
    let signed = pb::SignedContent {
        payload,
        sender: Some(b.keys.signed_public_bundle().clone()),
        signature: Some(xmtp_crypto::keys::signature_to_proto(xmtp_crypto::keys::SignatureKind::EcdsaCompact, &sig)),
    };
    let ct = xmtp_crypto::cipher::encrypt(key, &signed.encode_to_vec(), &header, &mut rng());
    let msg = pb::Message {
        version: Some(pb::message::Version::V2(pb::MessageV2 {
            header_bytes: header,
            ciphertext: Some(ct),
            sender_hmac: None,
            should_push: None,
        })),
    }
    .encode_to_vec();
    let e = EnvelopeRef { topic: &inv.topic, timestamp_ns: 1, payload: &msg };
    assert_eq!(v2::open(&inv.topic, key, e, &cache), Err(V2Error::BadSignature));
}

#[test]
fn stored_bundle_round_trip_and_wrong_wallet() {
    let (a, b) = (party(13), party(14));
    let stored = storage::encrypt(&a.keys, &a.wallet, &mut rng()).unwrap();
    let back = storage::decrypt(&stored, &a.wallet).unwrap();
    assert_eq!(back.encode_v1().expose(), a.keys.encode_v1().expose());
    assert!(matches!(storage::decrypt(&stored, &b.wallet), Err(storage::StorageError::Decrypt(_))));
    // A wallet that returns v in {0,1}: the retry with v+27 opens it.
    let addr = a.wallet.address();
    let zero_one = |text: &[u8]| a.wallet.sign_personal(text).map(|s| s.with_flipped_v_convention());
    assert!(storage::decrypt_with(&stored, zero_one, &addr).is_ok());
}

#[test]
fn private_bundles_v2_refused_and_v1_bare_accepted() {
    let a = party(15);
    assert_eq!(PrivateKeyBundle::decode(a.keys.encode_v2().expose()).unwrap_err(), BundleError::V2BundleNotLoadable);
    assert!(PrivateKeyBundle::decode(&[0xff, 0x01]).is_err());
    let contacts = a.keys.contact_bundles();
    for c in &contacts {
        assert_eq!(PeerBundle::from_contact_bytes(c).unwrap().address(), a.keys.address());
    }
    // Bare PublicKeyBundle from very old clients.
    let bare = a.keys.public_bundle().encode_to_vec();
    assert_eq!(PeerBundle::from_contact_bytes(&bare).unwrap().address(), a.keys.address());
}

#[test]
fn auth_tokens_and_topic_rule() {
    let (a, b) = (party(16), party(17));
    let token = auth::create(&a.keys, 1_000);
    let v = auth::verify(&token, Some(1_000 + auth::TOKEN_MAX_AGE_NS)).unwrap();
    assert_eq!(&v.wallet, a.keys.address());
    assert_eq!(auth::verify(&token, Some(1_001 + auth::TOKEN_MAX_AGE_NS)), Err(auth::AuthError::Expired));
    assert_eq!(auth::parse_bearer(&auth::bearer(&token)).unwrap(), token);
    assert_eq!(auth::parse_bearer("Basic abc"), Err(auth::AuthError::MissingBearer));
    assert_eq!(auth::parse_bearer("Bearer !!"), Err(auth::AuthError::NotBase64));
    assert!(auth::check_topic(a.keys.address(), &topic::contact(a.keys.address())).is_ok());
    assert_eq!(
        auth::check_topic(a.keys.address(), &topic::contact(b.keys.address())),
        Err(auth::AuthError::RestrictedTopic)
    );
    assert_eq!(
        auth::check_topic(a.keys.address(), &topic::private_store(b.keys.address())),
        Err(auth::AuthError::RestrictedTopic)
    );
    assert!(auth::check_topic(a.keys.address(), &topic::invite(b.keys.address())).is_ok());
}

/// Valid artifacts of every kind, to mutate.
fn artifacts() -> (Party, Party, Vec<xmtp_crypto::Sealed>, Invitation, Vec<u8>, Vec<u8>) {
    let (a, b) = (party(20), party(21));
    let inv = Invitation::deterministic(&a.keys, &b.keys.as_peer(), None);
    let body = content::text("mutate me").encode_to_vec();
    let sealed = vec![
        v1::seal(&a.keys, &b.keys.as_peer(), &body, 1, &mut rng()).unwrap(),
        invitation::seal(&a.keys, &b.keys.as_peer(), &inv, 2, &mut rng()),
        v2::seal(&a.keys, &inv.topic, inv.key_material.expose(), &body, 3, true, false, &mut rng()),
    ];
    let stored = storage::encrypt(&a.keys, &a.wallet, &mut rng()).unwrap();
    let token = auth::create(&a.keys, 4);
    (a, b, sealed, inv, stored, token)
}

fn feed_everything(b: &Party, a: &Party, inv: &Invitation, topic: &str, ts: u64, bytes: &[u8]) {
    let cache = BundleCache::new();
    let e = EnvelopeRef { topic, timestamp_ns: ts, payload: bytes };
    let _ = v1::open(&b.keys, e, &cache);
    let _ = invitation::open(&b.keys, e, &cache);
    let _ = v2::open(&inv.topic, inv.key_material.expose(), e, &cache);
    let _ = storage::decrypt(bytes, &a.wallet);
    let _ = auth::verify(bytes, Some(ts));
    let _ = PeerBundle::from_contact_bytes(bytes);
    let _ = PrivateKeyBundle::decode(bytes);
    let _ = content::decode(bytes);
}

#[test]
fn every_single_bit_flip_of_valid_artifacts_is_handled() {
    // Exhaustive over positions (one bit each), so every field of every structure is hit. A
    // flip may still be accepted where the byte is not authenticated (should_push, sender_hmac,
    // unknown fields), but nothing panics and authenticated bytes never open.
    let (a, b, sealed, inv, stored, token) = artifacts();
    let cache = BundleCache::new();
    for s in &sealed {
        for i in 0..s.bytes.len() {
            let mut m = s.bytes.clone();
            m[i] ^= 0x10;
            feed_everything(&b, &a, &inv, &s.topic, s.timestamp_ns, &m);
        }
    }
    for blob in [&stored, &token] {
        for i in 0..blob.len() {
            let mut m = blob.clone();
            m[i] ^= 0x04;
            feed_everything(&b, &a, &inv, "/xmtp/0/x/proto", 1, &m);
        }
    }
    // The V2 message's ciphertext region: every flip there must be refused.
    let v2m = &sealed[2];
    let ok = v2::open(&inv.topic, inv.key_material.expose(), env(v2m), &cache).unwrap();
    let mut accepted_flips = 0;
    for i in 0..v2m.bytes.len() {
        let mut m = v2m.bytes.clone();
        m[i] ^= 0x10;
        let e = EnvelopeRef { payload: &m, ..env(v2m) };
        if let Ok(o) = v2::open(&inv.topic, inv.key_material.expose(), e, &cache) {
            assert_eq!(o.encoded_content, ok.encoded_content, "a flip changed the content yet opened");
            accepted_flips += 1;
        }
    }
    // Only the unauthenticated tail (sender_hmac, should_push and their tags) may be flipped.
    assert!(accepted_flips <= 40, "{accepted_flips} flips accepted");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), ts in any::<u64>()) {
        let (a, b) = (party(30), party(31));
        let inv = Invitation::deterministic(&a.keys, &b.keys.as_peer(), None);
        feed_everything(&b, &a, &inv, "/xmtp/0/m-x/proto", ts, &bytes);
    }

    #[test]
    fn any_text_round_trips_v1_and_v2(text in ".{0,300}", ms in 1u64..4_000_000_000_000) {
        let (a, b) = (party(40), party(41));
        let cache = BundleCache::new();
        let body = content::text(&text).encode_to_vec();
        let s1 = v1::seal(&b.keys, &a.keys.as_peer(), &body, ms, &mut rng()).unwrap();
        let o1 = v1::open(&a.keys, env(&s1), &cache).unwrap();
        prop_assert_eq!(content::decode(&o1.encoded_content).unwrap().content, content::Content::Text(text.clone()));
        let inv = Invitation::deterministic(&b.keys, &a.keys.as_peer(), None);
        let s2 = v2::seal(&b.keys, &inv.topic, inv.key_material.expose(), &body, ms * 1_000_000, true, false, &mut rng());
        let o2 = v2::open(&inv.topic, inv.key_material.expose(), env(&s2), &cache).unwrap();
        prop_assert_eq!(o2.sent_ns, ms * 1_000_000);
        prop_assert_eq!(o2.encoded_content, body);
    }
}

/// A signer that is not local: what it signs is checked by recovery.
struct External {
    claims: LocalWallet,
    signs_with: LocalWallet,
}

impl WalletSigner for External {
    fn address(&self) -> xmtp_crypto::WalletAddress {
        self.claims.address()
    }
    fn sign_personal(
        &self,
        message: &[u8],
    ) -> Result<xmtp_crypto::wallet::WalletSignature, xmtp_crypto::ecc::KeyError> {
        self.signs_with.sign_personal(message)
    }
}

#[test]
fn external_wallet_signatures_are_checked() {
    let (a, b) = (party(50), party(51));
    let honest = External { claims: a.wallet.clone(), signs_with: a.wallet.clone() };
    let made = PrivateKeyBundle::generate(&honest, 1, &mut rng()).unwrap();
    assert_eq!(made.address(), a.keys.address());
    let liar = External { claims: a.wallet.clone(), signs_with: b.wallet.clone() };
    assert!(matches!(PrivateKeyBundle::generate(&liar, 1, &mut rng()), Err(BundleError::WrongWallet { .. })));
    assert!(matches!(storage::encrypt(&a.keys, &liar, &mut rng()), Err(storage::StorageError::WrongSigner)));
}

#[test]
fn local_wallets_make_the_bundle_an_external_one_makes() {
    // Identity creation with a local wallet makes both signatures together (ecc batches); the
    // bytes must be those of the one-by-one path an external wallet takes.
    let a = party(52);
    let external = External { claims: a.wallet.clone(), signs_with: a.wallet.clone() };
    for seed in 0..4u64 {
        let secrets = || {
            let mut r = ChaCha20Rng::seed_from_u64(seed);
            (xmtp_crypto::ecc::PrivateKey::generate(&mut r), xmtp_crypto::ecc::PrivateKey::generate(&mut r))
        };
        let (i1, p1) = secrets();
        let (i2, p2) = secrets();
        let local = PrivateKeyBundle::from_secrets(&a.wallet, i1, 1_700_000_000_000, p1, 1_700_000_000_001).unwrap();
        let slow = PrivateKeyBundle::from_secrets(&external, i2, 1_700_000_000_000, p2, 1_700_000_000_001).unwrap();
        assert_eq!(local.encode_v1().expose(), slow.encode_v1().expose());
        assert_eq!(local.encode_v2().expose(), slow.encode_v2().expose());
    }
}

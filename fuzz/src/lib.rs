//! The fuzz harness: one function per decoder family that network input reaches, each calling
//! the public API the way the engine or the node calls it. The cargo-fuzz targets in
//! `fuzz_targets/` call these on nightly; `crates/courier-node/tests/fuzz_corpus.rs` includes this
//! file and replays every kept corpus and regression input through the same functions on stable.
//!
//! Each function takes arbitrary bytes; the first byte of most inputs selects a *mode* (`byte %
//! modes`), the rest is the body. Modes exist because authenticated encryption stops a fuzzer at
//! the tag: a "raw" mode feeds the bytes to the decoder exactly as they arrive from the network,
//! and a "sealed" mode encrypts the body with the right key first (the harness plays an honest
//! peer), so that the decoders *after* decryption (`SignedContent`, `InvitationV1`, consent
//! actions, content) see fuzzed bytes too.
//!
//! A function returns normally for any input: decoders must refuse bad input with an error.
//! The asserts are invariants (round trips, an honest peer's message opens); a panic, a crash, a
//! timeout or an allocation over the limit is a finding.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::sync::LazyLock;

use prost::Message as _;
use rand_core::SeedableRng as _;
use xmtp_crypto::envelope::EnvelopeRef;
use xmtp_crypto::keys::{BundleCache, PeerBundle, PrivateKeyBundle};
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::xmtp_proto::message_api::v1 as api;
use xmtp_crypto::xmtp_proto::message_contents as pb;
use xmtp_crypto::{Topic, auth, cipher, consent, content, hash, invitation, storage, topic, v1, v2};

/// The identities of the xmtp-js vectors: the fuzzed messages are addressed to them.
const IDENTITIES: &str = include_str!("../../tests/vectors/xmtp-js/identities.json");
/// The alice–bob V2 conversation of `tests/vectors/xmtp-js/v2_invitations.json` (case
/// `v2-invite-alice-bob`): its topic and key material.
pub const V2_TOPIC: &str = "/xmtp/0/m-790eb7d1fd7e8babd0c33eab9031baefe5eab59c0e6c7b675be0c4d22c01584d/proto";
const V2_KEY_HEX: &str = "feee9cec98c8bbafd5c684d3e94c90138c3990c2f9ce262d63a00fafce9a9f03";
/// `created_ns` of the V2 header and of the invitation the sealed modes build.
const SEALED_NS: u64 = 1_717_243_500_000_000_000;

/// The fixed parts every input is opened against.
pub struct Fixtures {
    pub alice: PrivateKeyBundle,
    pub bob: PrivateKeyBundle,
    pub alice_wallet: LocalWallet,
    pub v2_topic: Topic,
    pub v2_key: Vec<u8>,
    /// Bob's consent-list key (spec §11.2: HKDF-SHA256 of the identity key, salt
    /// `XMTP_PRIVATE_PREFERENCES_ENCRYPTION`), for the sealed consent mode.
    pub consent_key: [u8; 32],
    pub cache: BundleCache,
}

impl std::fmt::Debug for Fixtures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixtures").field("alice", self.alice.address()).field("bob", self.bob.address()).finish()
    }
}

fn identity_field(name: &str, field: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(IDENTITIES).expect("identities.json is JSON");
    v["identities"][name][field].as_str().expect("identity field").to_owned()
}

fn bundle(name: &str) -> PrivateKeyBundle {
    let bytes = hex::decode(identity_field(name, "private_key_bundle_v1_hex")).expect("hex");
    PrivateKeyBundle::decode(&bytes).expect("vector bundle decodes")
}

pub static FIXTURES: LazyLock<Fixtures> = LazyLock::new(|| {
    let bob = bundle("bob");
    let consent_key =
        *hash::hkdf_sha256(bob.identity().secret().to_bytes().expose(), b"XMTP_PRIVATE_PREFERENCES_ENCRYPTION", &[])
            .expose();
    Fixtures {
        alice: bundle("alice"),
        bob,
        alice_wallet: LocalWallet::from_hex(&identity_field("alice", "wallet_private_key_hex")).expect("wallet"),
        v2_topic: Topic::parse(V2_TOPIC).expect("topic"),
        v2_key: hex::decode(V2_KEY_HEX).expect("hex"),
        consent_key,
        cache: BundleCache::new(),
    }
});

/// A fixed RNG for the sealed modes: the same input always builds the same bytes.
fn rng() -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(12)
}

/// `(mode, body)`: the first byte modulo `modes`, and the rest.
fn split(data: &[u8], modes: u8) -> (u8, &[u8]) {
    match data.split_first() {
        Some((m, rest)) => (m % modes, rest),
        None => (0, data),
    }
}

/// `decode(encode(m)) == m` for any message prost accepted.
fn round_trips<M: prost::Message + Default + PartialEq + std::fmt::Debug>(m: &M) {
    let again = M::decode(m.encode_to_vec().as_slice()).expect("re-encoded message decodes");
    assert_eq!(&again, m, "protobuf round trip");
}

/// What the engine does with decrypted content (courier-engine `plan::message`): decode it, show
/// its type and preview, decide whether to notify.
pub fn engine_content(encoded: &[u8]) {
    if let Ok(d) = content::decode(encoded) {
        let _ = d.content_type.to_string();
        let _ = d.preview();
        let _ = d.should_push();
    }
}

/// Network envelopes and the binary request bodies of the node (gRPC, and the gateway with
/// `Content-Type: application/x-protobuf`), then the topic handling every envelope meets.
pub fn envelope(data: &[u8]) {
    let (mode, body) = split(data, 7);
    match mode {
        0 => {
            if let Ok(e) = api::Envelope::decode(body) {
                round_trips(&e);
                let _ = Topic::parse(&e.content_topic);
                let _ = topic::conversation_of(&e.content_topic);
                let _ = topic::is_ephemeral(&e.content_topic);
                let _ = xmtp_crypto::envelope::message_id(&e.message);
            }
        }
        1 => {
            if let Ok(r) = api::PublishRequest::decode(body) {
                round_trips(&r);
            }
        }
        2 => {
            if let Ok(r) = api::QueryRequest::decode(body) {
                round_trips(&r);
            }
        }
        3 => {
            if let Ok(r) = api::BatchQueryRequest::decode(body) {
                round_trips(&r);
            }
        }
        4 => {
            if let Ok(r) = api::SubscribeRequest::decode(body) {
                round_trips(&r);
            }
        }
        5 => {
            // What a client reads back from a node.
            if let Ok(r) = api::QueryResponse::decode(body) {
                round_trips(&r);
            }
        }
        _ => {
            if let Ok(r) = api::BatchQueryResponse::decode(body) {
                round_trips(&r);
            }
        }
    }
}

/// V1 messages opened by bob (modes 0: on the alice–bob `dm-` topic, 1: on bob's intro topic),
/// and 2: an honest V1 message from alice whose content is the body.
pub fn v1_message(data: &[u8]) {
    let f = &*FIXTURES;
    let (mode, body) = split(data, 3);
    let dm = topic::dm(f.alice.address(), f.bob.address());
    let intro = topic::intro(f.bob.address());
    let open = |topic: &str, payload: &[u8]| {
        let r = EnvelopeRef { topic, timestamp_ns: 1, payload };
        v1::open(&f.bob, r, &f.cache)
    };
    match mode {
        0 | 1 => {
            let t = if mode == 0 { dm.as_str() } else { intro.as_str() };
            if let Ok(o) = open(t, body) {
                let _ = o.sent_ms.checked_mul(1_000_000);
                engine_content(&o.encoded_content);
            }
        }
        _ => {
            let peer = f.bob.as_peer();
            let sealed = v1::seal(&f.alice, &peer, body, 1, &mut rng()).expect("alice seals to bob");
            let o = open(dm.as_str(), &sealed.bytes).expect("an honest V1 message opens");
            assert_eq!(o.encoded_content, body);
            engine_content(&o.encoded_content);
        }
    }
}

/// V2 messages of the alice–bob conversation: 0: raw on the `m-` topic, 1: raw on its `mE-`
/// twin, 2: a message whose header is right and whose decrypted `SignedContent` is the body.
pub fn v2_message(data: &[u8]) {
    let f = &*FIXTURES;
    let (mode, body) = split(data, 3);
    let ephemeral = topic::ephemeral(&f.v2_topic).expect("m- topic has a twin");
    let open = |t: &str, payload: &[u8]| {
        let r = EnvelopeRef { topic: t, timestamp_ns: 1, payload };
        v2::open(&f.v2_topic, &f.v2_key, r, &f.cache)
    };
    let opened = match mode {
        0 => open(f.v2_topic.as_str(), body),
        1 => open(ephemeral.as_str(), body),
        _ => {
            let header_bytes =
                pb::MessageHeaderV2 { created_ns: SEALED_NS, topic: f.v2_topic.as_str().to_owned() }.encode_to_vec();
            let ct = cipher::encrypt_with(&f.v2_key, body, &header_bytes, [3; 32], [4; 12]);
            let msg = pb::Message {
                version: Some(pb::message::Version::V2(pb::MessageV2 {
                    header_bytes,
                    ciphertext: Some(ct),
                    sender_hmac: None,
                    should_push: None,
                })),
            };
            let opened = open(f.v2_topic.as_str(), &msg.encode_to_vec());
            assert!(!matches!(opened, Err(v2::V2Error::Cipher(_))), "the right key decrypts: {opened:?}");
            opened
        }
    };
    if let Ok(o) = opened {
        engine_content(&o.encoded_content);
    }
}

/// `EncodedContent` with its codecs and decompression, as the engine decodes it.
pub fn content(data: &[u8]) {
    engine_content(data);
}

/// Sealed invitations: 0/1: raw, opened by bob (recipient) or alice (sender) on bob's invite
/// topic, the envelope timestamp being the body's first 8 bytes (little-endian); 2: an honest
/// invitation from alice to bob whose decrypted `InvitationV1` is the body.
pub fn invitation(data: &[u8]) {
    let f = &*FIXTURES;
    let (mode, body) = split(data, 3);
    let invite = topic::invite(f.bob.address());
    let (viewer, ts, payload, sealed);
    if mode == 2 {
        let s = invitation::seal_encoded(&f.alice, &f.bob.as_peer(), body, SEALED_NS, &mut rng());
        viewer = &f.bob;
        ts = SEALED_NS;
        sealed = s.bytes;
        payload = sealed.as_slice();
    } else {
        let Some((ts_bytes, rest)) = body.split_first_chunk::<8>() else { return };
        viewer = if mode == 0 { &f.bob } else { &f.alice };
        ts = u64::from_le_bytes(*ts_bytes);
        payload = rest;
    }
    let r = EnvelopeRef { topic: invite.as_str(), timestamp_ns: ts, payload };
    match invitation::open(viewer, r, &f.cache) {
        Ok(o) => {
            // The engine keeps only invitations to an `m-` topic (plan::open).
            let _ = o.invitation.topic.is_v2_conversation();
            let _ = o.invitation.consent_proof.as_ref().map(prost::Message::encode_to_vec);
        }
        Err(e) => assert!(
            mode != 2 || !matches!(e, invitation::InvitationError::Cipher(_)),
            "an honest invitation decrypts: {e:?}"
        ),
    }
}

/// Contact bundles (`contact-` topics), and the bundles a verified one converts to.
pub fn contact_bundle(data: &[u8]) {
    let Ok(b) = PeerBundle::from_contact_bytes(data) else { return };
    let signed = PeerBundle::from_signed(&b.to_signed_proto()).expect("a verified bundle's V2 form verifies");
    assert_eq!(signed.address(), b.address());
    if let Ok(legacy) = b.to_legacy_proto() {
        let back = PeerBundle::from_legacy(&legacy).expect("a verified bundle's legacy form verifies");
        assert_eq!(back.address(), b.address());
    }
}

/// The HTTP gateway's JSON bodies, parsed as `courier_node::http` parses them (an all-whitespace
/// body is `{}`; otherwise `serde_json::from_slice`), then mapped by `courier_node::json`.
/// Modes 0–3: publish, query, batch-query, subscribe.
pub fn gateway_json(data: &[u8]) {
    use courier_node::json;
    let (mode, body) = split(data, 4);
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::json!({})
    } else {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    match mode {
        0 => {
            if let Ok(req) = json::publish_in(&value) {
                // What the gateway writes back in a query is what a publish reads.
                let out =
                    serde_json::json!({"envelopes": req.envelopes.iter().map(json::envelope_out).collect::<Vec<_>>()});
                assert_eq!(json::publish_in(&out).expect("own output parses"), req);
            }
        }
        1 => {
            let _ = json::query_in(&value);
        }
        2 => {
            let _ = json::batch_in(&value);
        }
        _ => {
            let _ = json::subscribe_in(&value);
        }
    }
}

/// Consent-list entries on bob's `userpreferences-` topic: 0: raw; 1: an entry sealed with bob's
/// key whose decrypted `PrivatePreferencesAction` is the body.
pub fn consent(data: &[u8]) {
    let f = &*FIXTURES;
    let (mode, body) = split(data, 2);
    let identity = f.bob.identity().secret();
    if mode == 0 {
        let _ = consent::open(identity, body);
        return;
    }
    let aad = identity.public_key().to_uncompressed();
    let ct = cipher::encrypt_with(&f.consent_key, body, &aad, [5; 32], [6; 12]);
    let payload = pb::PrivatePreferencesPayload { version: Some(pb::private_preferences_payload::Version::V1(ct)) }
        .encode_to_vec();
    let r = consent::open(identity, &payload);
    assert!(!matches!(r, Err(consent::ConsentError::Cipher(_))), "bob's key decrypts: {r:?}");
}

/// Node auth tokens: 0: the `Authorization` header value (as UTF-8, as axum hands it over),
/// 1: the token bytes; verified as the node does, then the topic rule.
pub fn auth_token(data: &[u8]) {
    let (mode, body) = split(data, 2);
    let token = if mode == 0 {
        let Ok(header) = std::str::from_utf8(body) else { return };
        match auth::parse_bearer(header) {
            Ok(t) => t,
            Err(_) => return,
        }
    } else {
        body.to_vec()
    };
    if let Ok(v) = auth::verify(&token, None) {
        let own = format!("/xmtp/0/contact-{}/proto", v.wallet);
        assert!(auth::check_topic(&v.wallet, &own).is_ok());
        let _ = auth::check_topic(&v.wallet, "/xmtp/0/contact-0x0000000000000000000000000000000000000000/proto");
    }
}

/// The stored key bundle read from the network at sign-in (`privatestore-` topic): 0: the
/// encrypted envelope opened with alice's wallet (storage::decrypt, as the engine calls it);
/// 1: the decrypted `PrivateKeyBundle` bytes, and a decoded bundle re-encodes to itself.
pub fn key_bundle(data: &[u8]) {
    let f = &*FIXTURES;
    let (mode, body) = split(data, 2);
    let decoded = if mode == 0 {
        storage::decrypt(body, &f.alice_wallet).map_err(|_| ())
    } else {
        PrivateKeyBundle::decode(body).map_err(|_| ())
    };
    if let Ok(b) = decoded {
        for encoded in [b.encode_v1(), b.encode_v2()] {
            if let Ok(again) = PrivateKeyBundle::decode(encoded.expose()) {
                assert_eq!(again.address(), b.address());
            }
        }
    }
}

/// A fuzz target: takes any bytes, returns normally or panics on a finding.
pub type Target = fn(&[u8]);

/// Every target by name, for the replay test.
pub const TARGETS: [(&str, Target); 10] = [
    ("envelope", envelope),
    ("v1_message", v1_message),
    ("v2_message", v2_message),
    ("content", content),
    ("invitation", invitation),
    ("contact_bundle", contact_bundle),
    ("gateway_json", gateway_json),
    ("consent", consent),
    ("auth_token", auth_token),
    ("key_bundle", key_bundle),
];

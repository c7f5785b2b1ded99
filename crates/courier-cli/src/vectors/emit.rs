//! `courier vectors emit`: artifacts Courier produced, in the vector schema, for the reference
//! SDK (or anyone) to open — the reverse direction of the xmtp-js vectors. Deterministic for a
//! given seed and clock.

use std::path::Path;

use prost::Message as _;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};
use xmtp_crypto::content::{self, Compression, Reaction};
use xmtp_crypto::invitation::{self, Context, Invitation};
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::{LocalWallet, WalletSigner};
use xmtp_crypto::{Sealed, auth, storage, topic, v1, v2};

/// Writes `courier_vectors.json` into `dir` and returns its path.
pub fn emit(dir: &Path, seed: u64, clock_ms: u64) -> anyhow::Result<std::path::PathBuf> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut ms = clock_ms;
    let mut tick = || {
        ms += 1_000;
        ms
    };

    let wallet_a = LocalWallet::generate(&mut rng);
    let wallet_b = LocalWallet::generate(&mut rng);
    let a = PrivateKeyBundle::generate(&wallet_a, tick(), &mut rng)?;
    let b = PrivateKeyBundle::generate(&wallet_b, tick(), &mut rng)?;
    let identities = json!({
        "rust_a": identity_json(&wallet_a, &a, tick(), &mut rng)?,
        "rust_b": identity_json(&wallet_b, &b, tick(), &mut rng)?,
    });

    let mut cases = Vec::new();
    let (pa, pb) = (a.as_peer(), b.as_peer());

    // V1, both directions.
    for (id, from, to, to_peer, text) in [
        ("courier-v1-a-b", &a, &b, &pb, "hello from Courier over V1 🦀"),
        ("courier-v1-b-a", &b, &a, &pa, "V1 reply from Courier"),
    ] {
        let sealed = v1::seal(from, to_peer, &content::text(text).encode_to_vec(), tick(), &mut rng)?;
        cases.push(json!({
            "id": id, "kind": "v1_message", "expect": "accept",
            "viewers": [name(to, &a), name(from, &a)],
            "envelope": envelope(&sealed),
            "expected": {"content": text, "sender_address": from.address().as_str(), "id": sealed.id()},
        }));
    }

    // V2 invitations: deterministic without context (a invites b), and with context (b invites a).
    let plain = Invitation::deterministic(&a, &pb, None);
    let sealed = invitation::seal(&a, &pb, &plain, tick() * 1_000_000, &mut rng);
    cases.push(json!({
        "id": "courier-invite-a-b", "kind": "v2_invitation", "expect": "accept", "viewers": ["rust_b", "rust_a"],
        "envelope": envelope(&sealed), "expected": {"topic": plain.topic},
    }));
    let ctx = Context {
        conversation_id: "courier.chat/dm/test".into(),
        metadata: [("origin".to_owned(), "courier".to_owned())].into_iter().collect(),
    };
    let with_ctx = Invitation::deterministic(&b, &pa, Some(ctx));
    let sealed = invitation::seal(&b, &pa, &with_ctx, tick() * 1_000_000, &mut rng);
    cases.push(json!({
        "id": "courier-invite-b-a-context", "kind": "v2_invitation", "expect": "accept", "viewers": ["rust_a", "rust_b"],
        "envelope": envelope(&sealed), "expected": {"topic": with_ctx.topic},
    }));

    // V2 messages: text both ways, compressed (deflate and gzip, small enough for xmtp-js's
    // 1000-byte limit), a reaction, a context conversation, an ephemeral message.
    let compressed = |how| {
        let mut e =
            content::text("Courier compressed this text. Courier compressed this text. Courier compressed this text.");
        content::compress(&mut e, how);
        e.encode_to_vec()
    };
    let deflate = compressed(Compression::Deflate);
    let gzip = compressed(Compression::Gzip);
    let first = v2_case_content(
        &a,
        &plain,
        "courier-v2-a-b-text",
        "courier-invite-a-b",
        &content::text("gm from Courier 🦀").encode_to_vec(),
        true,
        false,
        tick(),
        &mut rng,
    );
    let reaction = content::reaction(&Reaction {
        reference: first.1.clone(),
        action: content::ReactionAction::Added,
        schema: content::ReactionSchema::Unicode,
        content: "👍".into(),
    });
    // (sender, conversation, case id, invitation case, EncodedContent, should_push, ephemeral)
    type Spec<'a> = (&'a PrivateKeyBundle, &'a Invitation, &'a str, &'a str, Vec<u8>, bool, bool);
    let specs: Vec<Spec<'_>> = vec![
        (
            &b,
            &plain,
            "courier-v2-b-a-text",
            "courier-invite-a-b",
            content::text("gm back").encode_to_vec(),
            true,
            false,
        ),
        (&b, &plain, "courier-v2-b-a-deflate", "courier-invite-a-b", deflate, true, false),
        (&a, &plain, "courier-v2-a-b-gzip", "courier-invite-a-b", gzip, true, false),
        (&b, &plain, "courier-v2-b-a-reaction", "courier-invite-a-b", reaction.encode_to_vec(), false, false),
        (
            &a,
            &with_ctx,
            "courier-v2-a-b-context",
            "courier-invite-b-a-context",
            content::text("in a context conversation").encode_to_vec(),
            true,
            false,
        ),
        (
            &a,
            &plain,
            "courier-v2-a-b-ephemeral",
            "courier-invite-a-b",
            content::text("typing…").encode_to_vec(),
            true,
            true,
        ),
    ];
    let first_id = first.1.clone();
    cases.push(first.0);
    for (from, inv, id, inv_case, payload, push, eph) in specs {
        cases.push(v2_case_content(from, inv, id, inv_case, &payload, push, eph, tick(), &mut rng).0);
    }

    // One tampered message that every implementation must refuse.
    let mut bad = v2::seal(
        &a,
        &plain.topic,
        plain.key_material.expose(),
        &content::text("tampered").encode_to_vec(),
        tick() * 1_000_000,
        true,
        false,
        &mut rng,
    );
    // The middle of the payload is inside the AES-GCM ciphertext (the last bytes are the
    // unauthenticated should_push flag, which a flip would not make invalid).
    let mid = bad.bytes.len() / 2;
    if let Some(byte) = bad.bytes.get_mut(mid) {
        *byte ^= 1;
    }
    let mut tampered = v2_json(&bad, "courier-v2-neg-flipped-byte", "courier-invite-a-b", &a, Value::Null);
    tampered["expect"] = json!("reject");
    cases.push(tampered);

    // Rich content as Courier encodes it, replying and reacting to the first V2 message.
    cases.extend(super::emit_content::content_cases(&first_id, &mut rng)?);

    cases.push(json!({
        "id": "courier-token-a", "kind": "auth_token", "expect": "accept",
        "token": {"token_base64": base64_token(&auth::create(&a, tick() * 1_000_000))},
        "expected": {"wallet_address": a.address().as_str()},
    }));

    let doc = json!({
        "description": "Artifacts produced by Courier (xmtp-crypto), in the schema of the xmtp-js 13.0.4 vectors, for the reference SDK to open.",
        "schema_version": 1,
        "generator": {"name": "courier vectors emit", "version": env!("CARGO_PKG_VERSION"), "seed": seed, "clock_start_ms": clock_ms},
        "identities": identities,
        "cases": cases,
    });
    std::fs::create_dir_all(dir)?;
    let path = dir.join("courier_vectors.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")?;
    Ok(path)
}

fn name(bundle: &PrivateKeyBundle, a: &PrivateKeyBundle) -> &'static str {
    if bundle.address() == a.address() { "rust_a" } else { "rust_b" }
}

fn envelope(s: &Sealed) -> Value {
    json!({"content_topic": s.topic, "timestamp_ns": s.timestamp_ns.to_string(), "message_hex": hex::encode(&s.bytes)})
}

fn base64_token(token: &[u8]) -> String {
    auth::bearer(token).trim_start_matches("Bearer ").to_owned()
}

fn v2_json(s: &Sealed, id: &str, inv_case: &str, from: &PrivateKeyBundle, expected: Value) -> Value {
    json!({
        "id": id, "kind": "v2_message", "expect": "accept", "sender": from.address().as_str(),
        "viewers": ["rust_b", "rust_a"],
        "conversation": {"invitation_case": inv_case},
        "envelope": envelope(s),
        "expected": expected,
    })
}

#[allow(clippy::too_many_arguments)]
fn v2_case_content(
    from: &PrivateKeyBundle,
    inv: &Invitation,
    id: &str,
    inv_case: &str,
    payload: &[u8],
    push: bool,
    ephemeral: bool,
    now_ms: u64,
    rng: &mut ChaCha20Rng,
) -> (Value, String) {
    let sealed =
        v2::seal(from, &inv.topic, inv.key_material.expose(), payload, now_ms * 1_000_000, push, ephemeral, rng);
    let expected = match content::decode(payload) {
        Ok(d) => match &d.content {
            content::Content::Text(t) => {
                json!({"content": t, "sender_address": from.address().as_str(), "id": sealed.id()})
            }
            _ => json!({"sender_address": from.address().as_str(), "id": sealed.id()}),
        },
        Err(_) => Value::Null,
    };
    let id_hex = sealed.id().to_string();
    debug_assert!(topic::conversation_of(&sealed.topic) == inv.topic.as_str());
    (v2_json(&sealed, id, inv_case, from, expected), id_hex)
}

fn identity_json(
    wallet: &LocalWallet,
    bundle: &PrivateKeyBundle,
    now_ms: u64,
    rng: &mut ChaCha20Rng,
) -> anyhow::Result<Value> {
    let stored = storage::encrypt(bundle, wallet, rng)?;
    let contacts = bundle.contact_bundles();
    Ok(json!({
        "address": wallet.address().as_str(),
        "wallet_private_key_hex": format!("0x{}", hex::encode(wallet.private_key().to_bytes().expose())),
        "private_key_bundle_v1_hex": hex::encode(bundle.encode_v1().expose()),
        "public_key_bundle_hex": hex::encode(bundle.public_bundle().encode_to_vec()),
        "signed_public_key_bundle_hex": hex::encode(bundle.signed_public_bundle().encode_to_vec()),
        "contact_bundles": contacts.iter().map(|c| json!({
            "content_topic": topic::contact(bundle.address()),
            "timestamp_ns": (now_ms * 1_000_000).to_string(),
            "message_hex": hex::encode(c),
        })).collect::<Vec<_>>(),
        "encrypted_private_key_bundle": {"envelope": {
            "content_topic": topic::private_store(bundle.address()),
            "timestamp_ns": (now_ms * 1_000_000).to_string(),
            "message_hex": hex::encode(stored),
        }},
        "auth_token": {"token_base64": base64_token(&auth::create(bundle, now_ms * 1_000_000))},
    }))
}

//! `courier vectors check`: every case of every file, for every viewer. Accept cases must open
//! and match `expected`; where the sender's keys and the recorded randomness are known, the
//! artifact is also sealed again and must come out byte for byte the same. Reject cases must be
//! refused. Identities must decode, verify and re-encode exactly (`check_identity`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use prost::Message as _;
use serde_json::{Value, json};
use xmtp_crypto::content::{self, DecodedContent};
use xmtp_crypto::invitation::{self, Invitation, OpenedInvitation};
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};
use xmtp_crypto::xmtp_proto::message_contents as pb;
use xmtp_crypto::{EnvelopeRef, auth, topic, v1, v2};

use super::check_identity::check_identity;
use super::json::{R, content_json, content_type_json, field, hex_field, string, u64_field};
use super::replay::ReplayRng;

/// The result of checking a set of files.
#[derive(Debug, Default)]
pub struct Outcome {
    pub passed: usize,
    /// One line per failed check.
    pub failures: Vec<String>,
}

impl Outcome {
    fn record(&mut self, label: String, result: R<()>) {
        match result {
            Ok(()) => self.passed += 1,
            Err(e) => self.failures.push(format!("FAIL {label}: {e}")),
        }
    }
}

/// An identity of a vector file: its private bundle and the JSON it came from.
pub(super) struct Identity {
    pub(super) bundle: PrivateKeyBundle,
    pub(super) json: Value,
}

/// One loaded file with its identities.
struct File {
    path: PathBuf,
    json: Value,
    identities: HashMap<String, Identity>,
}

/// Checks every file; a file that cannot be read or parsed counts as one failure.
pub fn check_files(paths: &[PathBuf]) -> Outcome {
    let mut out = Outcome::default();
    let cache = BundleCache::new();
    let mut files = Vec::new();
    for p in paths {
        match load(p) {
            Ok(f) => files.push(f),
            Err(e) => out.failures.push(format!("FAIL {}: {e}", p.display())),
        }
    }
    // Invitation cases of every file given, and of sibling v2_invitations.json files, so that
    // v2_message cases can name them.
    let mut invitation_cases: HashMap<String, Value> = HashMap::new();
    for f in &files {
        collect_invitations(&f.json, &mut invitation_cases);
        if let Some(sib) = f.path.parent().map(|d| d.join("v2_invitations.json"))
            && let Ok(j) = read_json(&sib)
        {
            collect_invitations(&j, &mut invitation_cases);
        }
    }
    for f in &files {
        let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if f.json.get("cases").is_none() {
            for (id_name, ident) in sorted(&f.identities) {
                out.record(format!("{name}: identity {id_name}"), check_identity(ident));
            }
        }
        for case in f.json.get("cases").and_then(Value::as_array).into_iter().flatten() {
            let id = case.get("id").and_then(Value::as_str).unwrap_or("<no id>");
            let viewers: Vec<&str> = case
                .get("viewers")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if viewers.is_empty() {
                out.record(format!("{name}: {id}"), check_case(f, case, None, &invitation_cases, &cache));
            }
            for viewer in viewers {
                out.record(
                    format!("{name}: {id} [{viewer}]"),
                    check_case(f, case, Some(viewer), &invitation_cases, &cache),
                );
            }
        }
    }
    out
}

fn sorted(m: &HashMap<String, Identity>) -> Vec<(&String, &Identity)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn read_json(path: &Path) -> R<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))
}

fn load(path: &Path) -> R<File> {
    let json = read_json(path)?;
    let ids_json = match json.get("identities") {
        Some(Value::String(rel)) => {
            let p = path.parent().unwrap_or(Path::new(".")).join(rel);
            read_json(&p)?.get("identities").cloned().ok_or("referenced identities file has no `identities`")?
        }
        Some(v @ Value::Object(_)) => v.clone(),
        _ => Value::Object(Default::default()),
    };
    let mut identities = HashMap::new();
    for (name, j) in ids_json.as_object().into_iter().flatten() {
        let bytes = hex_field(j, "private_key_bundle_v1_hex").map_err(|e| format!("identity {name}: {e}"))?;
        let bundle = PrivateKeyBundle::decode(&bytes).map_err(|e| format!("identity {name}: {e}"))?;
        identities.insert(name.clone(), Identity { bundle, json: j.clone() });
    }
    Ok(File { path: path.to_owned(), json, identities })
}

fn collect_invitations(j: &Value, into: &mut HashMap<String, Value>) {
    for c in j.get("cases").and_then(Value::as_array).into_iter().flatten() {
        if c.get("kind").and_then(Value::as_str) == Some("v2_invitation")
            && let Some(id) = c.get("id").and_then(Value::as_str)
        {
            into.insert(id.to_owned(), c.clone());
        }
    }
}

pub(super) fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> R<()> {
    if got == want { Ok(()) } else { Err(format!("{what}: got {got:?}, want {want:?}")) }
}

/// Compares the fields of `expected` that are present with what Courier computed.
fn compare(expected: Option<&Value>, actual: &Value) -> R<()> {
    let Some(Value::Object(exp)) = expected else { return Ok(()) };
    for (k, want) in exp {
        let Some(got) = actual.get(k) else { continue };
        if got != want {
            return Err(format!("expected.{k}: got {got}, want {want}"));
        }
    }
    Ok(())
}

fn envelope(case: &Value) -> R<(String, u64, Vec<u8>)> {
    let e = field(case, "envelope")?;
    Ok((string(e, "content_topic")?.to_owned(), u64_field(e, "timestamp_ns")?, hex_field(e, "message_hex")?))
}

fn content_view(encoded: &[u8]) -> R<(DecodedContent, Value)> {
    let d = content::decode(encoded).map_err(|e| e.to_string())?;
    let v = json!({
        "content_type": content_type_json(&d.content_type),
        "content": content_json(&d),
        "fallback": d.fallback,
        "encoded_content_hex": hex::encode(encoded),
    });
    Ok((d, v))
}

fn check_case(
    f: &File,
    case: &Value,
    viewer: Option<&str>,
    invitations: &HashMap<String, Value>,
    cache: &BundleCache,
) -> R<()> {
    let accept = match case.get("expect").and_then(Value::as_str) {
        Some("reject") => false,
        Some("accept") | None => true,
        Some(other) => return Err(format!("unknown expect {other:?}")),
    };
    let kind = string(case, "kind")?;
    let viewer_bundle = match viewer {
        Some(v) => Some(&f.identities.get(v).ok_or_else(|| format!("unknown viewer {v}"))?.bundle),
        None => None,
    };
    let result = match (kind, viewer_bundle) {
        ("v1_message", Some(me)) => open_v1(me, case, cache),
        ("v2_invitation", Some(me)) => open_invitation(me, viewer.unwrap_or(""), case, cache).map(|_| ()),
        ("v2_message", Some(me)) => open_v2(me, case, invitations, cache),
        ("encoded_content", _) => check_content(case),
        ("auth_token", _) => check_token(case),
        (k, None) => Err(format!("case of kind {k} has no viewers")),
        (k, _) => Err(format!("unknown kind {k}")),
    };
    match (accept, result) {
        (true, Ok(())) => reproduce(f, kind, case),
        (true, Err(e)) => Err(e),
        (false, Ok(())) => Err("accepted a case that must be rejected".into()),
        (false, Err(_)) => Ok(()),
    }
}

fn open_v1(me: &PrivateKeyBundle, case: &Value, cache: &BundleCache) -> R<()> {
    let (topic, ts, payload) = envelope(case)?;
    let opened = v1::open(me, EnvelopeRef { topic: &topic, timestamp_ns: ts, payload: &payload }, cache)
        .map_err(|e| e.to_string())?;
    let (_, mut view) = content_view(&opened.encoded_content)?;
    view["sender_address"] = json!(opened.sender.as_str());
    view["recipient_address"] = json!(opened.recipient.as_str());
    view["dm_topic"] = json!(opened.dm_topic);
    view["sent_ms"] = json!(opened.sent_ms);
    view["id"] = json!(opened.id);
    compare(case.get("expected"), &view)
}

fn open_invitation(me: &PrivateKeyBundle, viewer: &str, case: &Value, cache: &BundleCache) -> R<OpenedInvitation> {
    let (topic, ts, payload) = envelope(case)?;
    let opened = invitation::open(me, EnvelopeRef { topic: &topic, timestamp_ns: ts, payload: &payload }, cache)
        .map_err(|e| e.to_string())?;
    let inv = &opened.invitation;
    let view = json!({
        "topic": inv.topic,
        "key_material_hex": hex::encode(inv.key_material.expose()),
        "context": inv.context.as_ref().map(|c| json!({"conversation_id": c.conversation_id, "metadata": c.metadata})),
        "created_ns": opened.created_ns.to_string(),
    });
    compare(case.get("expected"), &view)?;
    if let Some(want) = case.pointer(&format!("/expected/peer_address_by_viewer/{viewer}")).and_then(Value::as_str) {
        eq("peer address", opened.peer.as_str(), want)?;
    }
    Ok(opened)
}

fn open_v2(me: &PrivateKeyBundle, case: &Value, invitations: &HashMap<String, Value>, cache: &BundleCache) -> R<()> {
    let conv = field(case, "conversation")?;
    let invitation_case = match conv.get("invitation_case").and_then(Value::as_str) {
        Some(id) => Some(invitations.get(id).cloned().ok_or_else(|| format!("invitation case {id} not found"))?),
        None => conv.get("invitation_envelope").map(|e| json!({"envelope": e})),
    };
    let (conv_topic, key) = match invitation_case {
        Some(inv_case) => {
            let opened =
                open_invitation(me, "", &inv_case, cache).map_err(|e| format!("opening the invitation: {e}"))?;
            if let Ok(t) = string(conv, "topic") {
                eq("conversation topic", opened.invitation.topic.as_str(), t)?;
            }
            (opened.invitation.topic.clone(), opened.invitation.key_material.expose().to_vec())
        }
        None => (parse_topic(string(conv, "topic")?)?, hex_field(conv, "key_material_hex")?),
    };
    let (topic, ts, payload) = envelope(case)?;
    let opened = v2::open(&conv_topic, &key, EnvelopeRef { topic: &topic, timestamp_ns: ts, payload: &payload }, cache)
        .map_err(|e| e.to_string())?;
    eq("conversation of envelope topic", topic::conversation_of(&topic), conv_topic.to_string())?;
    let (_, mut view) = content_view(&opened.encoded_content)?;
    view["sender_address"] = json!(opened.sender.as_str());
    view["sent_ms"] = json!(opened.sent_ns / 1_000_000);
    view["id"] = json!(opened.id);
    view["sender_hmac_hex"] = json!(opened.sender_hmac.as_ref().map(hex::encode));
    view["should_push"] = json!(opened.should_push);
    compare(case.get("expected"), &view)
}

fn check_content(case: &Value) -> R<()> {
    let bytes = hex_field(case, "encoded_content_hex")?;
    let (decoded, view) = content_view(&bytes)?;
    compare(case.get("expected"), &view)?;
    if let Some(want) = case.get("should_push").and_then(Value::as_bool) {
        eq("should_push", decoded.should_push(), want)?;
    }
    if let Some(encrypted) = case.get("encrypted") {
        super::remote_file::check(&decoded, encrypted)?;
    }
    Ok(())
}

fn check_token(case: &Value) -> R<()> {
    let b64 = string(field(case, "token")?, "token_base64")?;
    let token = auth::parse_bearer(&format!("Bearer {b64}")).map_err(|e| e.to_string())?;
    let v = auth::verify(&token, None).map_err(|e| e.to_string())?;
    compare(case.get("expected"), &json!({"wallet_address": v.wallet.as_str(), "created_ns": v.created_ns.to_string()}))
}

/// For accept cases whose sender is a known identity and whose randomness is recorded: seal
/// again and compare every byte.
fn reproduce(f: &File, kind: &str, case: &Value) -> R<()> {
    let sender = case.get("sender").and_then(Value::as_str).and_then(|s| f.identities.get(s));
    let recipient = case.get("recipient").and_then(Value::as_str).and_then(|s| f.identities.get(s));
    let (Some(sender), Ok(ct)) =
        (sender, case.pointer("/message/ciphertext").or(case.pointer("/sealed/ciphertext")).ok_or(()))
    else {
        return Ok(());
    };
    let salt = hex_field(ct, "hkdf_salt_hex")?;
    let nonce = hex_field(ct, "gcm_nonce_hex")?;
    let mut rng = ReplayRng::new(&[&salt, &nonce]);
    let (topic, ts, payload) = envelope(case)?;
    let sealed = match kind {
        "v1_message" => {
            let Some(recipient) = recipient else { return Ok(()) };
            let encoded = hex_field(field(case, "expected")?, "encoded_content_hex")?;
            let ms = u64_field(field(case, "message")?.get("header").ok_or("message.header missing")?, "timestamp_ms")?;
            v1::seal(&sender.bundle, &recipient.bundle.as_peer(), &encoded, ms, &mut rng).map_err(|e| e.to_string())?
        }
        "v2_invitation" => {
            let Some(recipient) = recipient else { return Ok(()) };
            let inv_bytes = hex_field(field(case, "expected")?, "invitation_v1_hex")?;
            let inv = invitation_from_bytes(&inv_bytes)?;
            let sealed =
                invitation::seal_encoded(&sender.bundle, &recipient.bundle.as_peer(), &inv_bytes, ts, &mut rng);
            if case.get("derivation").is_some() && !case["id"].as_str().unwrap_or("").contains("random") {
                let det = Invitation::deterministic(&sender.bundle, &recipient.bundle.as_peer(), inv.context.clone());
                eq("deterministic topic", det.topic.as_str(), inv.topic.as_str())?;
                eq("deterministic key", det.key_material.expose(), inv.key_material.expose())?;
                let theirs =
                    Invitation::deterministic(&recipient.bundle, &sender.bundle.as_peer(), inv.context.clone());
                eq("deterministic topic (recipient side)", theirs.topic.as_str(), inv.topic.as_str())?;
            }
            sealed
        }
        "v2_message" => {
            let conv = field(case, "conversation")?;
            let msg = field(case, "message")?;
            let header = field(msg, "header")?;
            let encoded = hex_field(field(case, "expected")?, "encoded_content_hex")?;
            let push = msg.get("should_push").and_then(Value::as_bool).unwrap_or(true);
            v2::seal(
                &sender.bundle,
                &parse_topic(string(header, "topic")?)?,
                &hex_field(conv, "key_material_hex")?,
                &encoded,
                u64_field(header, "created_ns")?,
                push,
                topic::is_ephemeral(&topic),
                &mut rng,
            )
        }
        _ => return Ok(()),
    };
    if !rng.exactly_consumed() {
        return Err("reproduction used a different amount of randomness than recorded".into());
    }
    eq("re-sealed bytes", hex::encode(&sealed.bytes), hex::encode(&payload))?;
    eq("timestamp", sealed.timestamp_ns, ts)?;
    if kind != "v1_message" || topic.contains("/dm-") {
        eq("topic", sealed.topic.as_str(), topic.as_str())?;
    }
    Ok(())
}

fn parse_topic(s: &str) -> R<xmtp_crypto::Topic> {
    xmtp_crypto::Topic::parse(s).map_err(|e| format!("topic {s:?}: {e}"))
}

fn invitation_from_bytes(bytes: &[u8]) -> R<Invitation> {
    let inv = pb::InvitationV1::decode(bytes).map_err(|e| e.to_string())?;
    let key: [u8; 32] = match &inv.encryption {
        Some(pb::invitation_v1::Encryption::Aes256GcmHkdfSha256(k)) => {
            k.key_material.as_slice().try_into().map_err(|_| "key size")?
        }
        None => return Err("invitation without key".into()),
    };
    Ok(Invitation {
        topic: parse_topic(&inv.topic)?,
        key_material: xmtp_crypto::Secret::new(key),
        context: inv.context.map(|c| invitation::Context { conversation_id: c.conversation_id, metadata: c.metadata }),
        consent_proof: inv.consent_proof,
    })
}

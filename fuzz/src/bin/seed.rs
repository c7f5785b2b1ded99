//! Writes the seed corpora from the xmtp-js vectors: `cargo run --bin seed -- <corpus dir>`
//! (default `corpus`, relative to the fuzz crate). Every seed is in the input format of the target
//! it seeds (`<mode byte><body>`, or the bare bytes for `content` and `contact_bundle`; see
//! src/lib.rs); files are named `seed-<what>` and are then
//! minimized with `cargo fuzz cmin` (scripts/fuzz.sh seed).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use courier_fuzz::FIXTURES;
use prost::Message as _;
use rand_core::SeedableRng as _;
use serde_json::Value;
use xmtp_crypto::consent::{self, ConsentAction};
use xmtp_crypto::xmtp_proto::message_api::v1 as api;
use xmtp_crypto::xmtp_proto::message_contents as pb;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/xmtp-js");

struct Seeds {
    root: PathBuf,
    written: usize,
}

impl Seeds {
    /// A seed for a target whose first byte is a mode.
    fn put(&mut self, target: &str, name: &str, mode: u8, body: &[u8]) {
        let mut bytes = vec![mode];
        bytes.extend_from_slice(body);
        self.raw(target, name, &bytes);
    }

    /// A seed for a target that takes the bytes as they are (`content`, `contact_bundle`).
    fn raw(&mut self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        std::fs::write(dir.join(format!("seed-{safe}")), bytes).expect("write seed");
        self.written += 1;
    }
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(VECTORS).join(name)).expect("vector file");
    serde_json::from_str(&text).expect("vector JSON")
}

fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string").trim_start_matches("0x")).expect("hex")
}

fn cases(file: &Value) -> &Vec<Value> {
    file["cases"].as_array().expect("cases")
}

fn envelope_of(e: &Value) -> api::Envelope {
    api::Envelope {
        content_topic: e["content_topic"].as_str().expect("topic").to_owned(),
        timestamp_ns: e["timestamp_ns"].as_str().expect("ts").parse().expect("u64"),
        message: hex_of(&e["message_hex"]).into(),
    }
}

fn main() {
    let root = std::env::args().nth(1).map_or_else(|| PathBuf::from("corpus"), PathBuf::from);
    let mut s = Seeds { root, written: 0 };
    let ids = load("identities.json");
    let transcript = load("network_transcript.json");
    let v1 = load("v1_messages.json");
    let invites = load("v2_invitations.json");
    let v2 = load("v2_messages.json");
    let contents = load("content_types.json");
    let tokens = load("auth_tokens.json");

    // Envelopes and the node's binary bodies.
    let mut all = Vec::new();
    for (i, p) in transcript["publishes"].as_array().expect("publishes").iter().enumerate() {
        let envelopes: Vec<_> = p["envelopes"].as_array().expect("envelopes").iter().map(envelope_of).collect();
        s.put("envelope", &format!("envelope-{i}"), 0, &envelopes[0].encode_to_vec());
        s.put(
            "envelope",
            &format!("publish-{i}"),
            1,
            &api::PublishRequest { envelopes: envelopes.clone() }.encode_to_vec(),
        );
        s.put("gateway_json", &format!("publish-{i}"), 0, p["http_json_body"].as_str().expect("body").as_bytes());
        s.put("auth_token", &format!("transcript-{i}"), 0, p["authorization"].as_str().expect("auth").as_bytes());
        all.extend(envelopes);
    }
    let paging = api::PagingInfo {
        limit: 100,
        direction: api::SortDirection::Descending as i32,
        cursor: Some(api::Cursor {
            cursor: Some(api::cursor::Cursor::Index(api::IndexCursor { digest: vec![7; 32], sender_time_ns: 5 })),
        }),
    };
    let query = api::QueryRequest {
        content_topics: vec![all[0].content_topic.clone()],
        start_time_ns: 1,
        end_time_ns: 9,
        paging_info: Some(paging.clone()),
    };
    s.put("envelope", "query", 2, &query.encode_to_vec());
    s.put("envelope", "batch", 3, &api::BatchQueryRequest { requests: vec![query.clone(), query] }.encode_to_vec());
    let topics: Vec<String> = all.iter().take(3).map(|e| e.content_topic.clone()).collect();
    s.put("envelope", "subscribe", 4, &api::SubscribeRequest { content_topics: topics }.encode_to_vec());
    let resp = api::QueryResponse { envelopes: all[..3].to_vec(), paging_info: Some(paging) };
    s.put("envelope", "query-response", 5, &resp.encode_to_vec());
    s.put("envelope", "batch-response", 6, &api::BatchQueryResponse { responses: vec![resp] }.encode_to_vec());

    // The gateway's other JSON bodies (spec §12.8 spellings, both cases).
    let json_bodies: [(u8, &str, &str); 6] = [
        (
            1,
            "query",
            r#"{"contentTopics":["/xmtp/0/contact-0x5BD9F994E55AE5010bFC5A3a15dD704C6D173901/proto"],"startTimeNs":"1","endTimeNs":"99","pagingInfo":{"limit":100,"direction":"SORT_DIRECTION_DESCENDING","cursor":{"index":{"digest":"q83v","senderTimeNs":"5"}}}}"#,
        ),
        (1, "query-snake", r#"{"content_topics":["/t"],"start_time_ns":1,"paging_info":{"limit":"3","direction":2}}"#),
        (2, "batch", r#"{"requests":[{"contentTopics":["/a"]},{"contentTopics":["/b"],"pagingInfo":{"limit":1}}]}"#),
        (3, "subscribe", r#"{"contentTopics":["/xmtp/0/invite-0x5f7D73d0E8766a03D4F6a68EA05e377Baf425720/proto"]}"#),
        (3, "subscribe-empty", " \n"),
        (0, "publish-snake", r#"{"envelopes":[{"content_topic":"/t","timestamp_ns":7,"message":"AQI"}]}"#),
    ];
    for (mode, name, body) in json_bodies {
        s.put("gateway_json", name, mode, body.as_bytes());
    }

    // V1 messages (bob views alice–bob on the dm topic; alice–carol only opens far enough on an
    // intro topic), and their decrypted content.
    for c in cases(&v1) {
        let id = c["id"].as_str().expect("id");
        let mode = if c["recipient"] == "carol" { 1 } else { 0 };
        s.put("v1_message", id, mode, &hex_of(&c["envelope"]["message_hex"]));
        if let Some(ec) = c["expected"]["encoded_content_hex"].as_str() {
            s.put("v1_message", &format!("{id}-content"), 2, &hex::decode(ec).expect("hex"));
            s.raw("content", id, &hex::decode(ec).expect("hex"));
        }
    }

    // V2 messages of the alice–bob conversation, and their decrypted `SignedContent`.
    for c in cases(&v2) {
        let id = c["id"].as_str().expect("id");
        let topic = c["envelope"]["content_topic"].as_str().expect("topic");
        if c["conversation"]["invitation_case"] == "v2-invite-alice-bob" {
            let mode = if topic.contains("/mE-") { 1 } else { 0 };
            s.put("v2_message", id, mode, &hex_of(&c["envelope"]["message_hex"]));
        }
        if let Some(sc) = c["signed_content"]["signed_content_hex"].as_str() {
            if c["conversation"]["invitation_case"] == "v2-invite-alice-bob" {
                s.put("v2_message", &format!("{id}-signed"), 2, &hex::decode(sc).expect("hex"));
            }
            s.raw("content", id, &hex_of(&c["signed_content"]["payload_hex"]));
        }
    }
    for c in cases(&contents) {
        s.raw("content", c["id"].as_str().expect("id"), &hex_of(&c["encoded_content_hex"]));
    }

    // Invitations: `<ts little-endian><payload>`, viewed by bob (0) or alice (1) when they are a
    // party, and the decrypted `InvitationV1`s.
    for c in cases(&invites) {
        let id = c["id"].as_str().expect("id");
        let e = &c["envelope"];
        let ts: u64 = e["timestamp_ns"].as_str().expect("ts").parse().expect("u64");
        let mut body = ts.to_le_bytes().to_vec();
        body.extend(hex_of(&e["message_hex"]));
        for viewer in c["viewers"].as_array().expect("viewers") {
            match viewer.as_str() {
                Some("bob") => s.put("invitation", &format!("{id}-bob"), 0, &body),
                Some("alice") => s.put("invitation", &format!("{id}-alice"), 1, &body),
                _ => {}
            }
        }
        if let Some(inv) = c["expected"]["invitation_v1_hex"].as_str() {
            s.put("invitation", &format!("{id}-plain"), 2, &hex::decode(inv).expect("hex"));
        }
    }

    // Contact bundles, stored key bundles, tokens.
    for (name, who) in ids["identities"].as_object().expect("identities") {
        for (i, b) in who["contact_bundles"].as_array().expect("contact bundles").iter().enumerate() {
            s.raw("contact_bundle", &format!("{name}-{i}"), &hex_of(&b["message_hex"]))
        }
        // A bare legacy `PublicKeyBundle`, as very old clients published.
        s.raw("contact_bundle", &format!("{name}-bare"), &hex_of(&who["public_key_bundle_hex"]));
        for field in ["private_key_bundle_v1_hex", "private_key_bundle_v1_inner_hex", "private_key_bundle_v2_hex"] {
            s.put("key_bundle", &format!("{name}-{field}"), 1, &hex_of(&who[field]));
        }
        if name == "alice" {
            s.put("key_bundle", "alice-encrypted", 0, &hex_of(&who["encrypted_private_key_bundle"]["bytes_hex"]));
        }
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    for c in cases(&tokens) {
        let t = c["token"]["token_base64"].as_str().expect("token");
        let id = c["id"].as_str().expect("id");
        s.put("auth_token", id, 0, format!("Bearer {t}").as_bytes());
        if let Ok(raw) = b64.decode(t) {
            s.put("auth_token", &format!("{id}-raw"), 1, &raw);
        }
    }

    // Consent entries for bob: sealed (raw mode) and their plaintext actions (sealed mode).
    let f = &*FIXTURES;
    let alice = f.alice.address().clone();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    for (name, action) in
        [("allow", ConsentAction::Allow(vec![alice.clone()])), ("deny", ConsentAction::Deny(vec![alice]))]
    {
        let sealed = consent::seal(f.bob.identity().secret(), &action, 5, &mut rng);
        s.put("consent", name, 0, &sealed.bytes);
    }
    use pb::private_preferences_action::{AllowAddress, DenyAddress, MessageType};
    let addrs = vec!["0x5BD9F994E55AE5010bFC5A3a15dD704C6D173901".to_owned(), "not an address".to_owned()];
    for (name, t) in [
        ("allow-plain", MessageType::AllowAddress(AllowAddress { wallet_addresses: addrs.clone() })),
        ("deny-plain", MessageType::DenyAddress(DenyAddress { wallet_addresses: addrs })),
    ] {
        s.put("consent", name, 1, &pb::PrivatePreferencesAction { message_type: Some(t) }.encode_to_vec());
    }

    println!("wrote {} seeds under {}", s.written, s.root.display());
}

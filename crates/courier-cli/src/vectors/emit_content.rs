//! The rich content cases of `courier vectors emit`: `EncodedContent` as Courier writes it
//! (reply, read receipt, attachment, remote attachment with its encrypted file, removed
//! reaction), in the schema of `content_codecs.json`, for the reference codecs to decode. The
//! `expected` values are written from the inputs, not from Courier's own decoder.

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use serde_json::{Value, json};
use xmtp_crypto::content::{self, Attachment, Reaction, ReactionAction, ReactionSchema, remote};
use xmtp_crypto::hash;
use xmtp_crypto::xmtp_proto::message_contents as pb;

/// Where the remote attachment's file is said to live (the verifier answers the fetch itself).
const REMOTE_URL: &str = "https://example.com/courier/attachments/v1/";

fn type_json(type_id: &str) -> Value {
    json!({"authority_id": "xmtp.org", "type_id": type_id, "version_major": 1, "version_minor": 0})
}

fn attachment_json(a: &Attachment) -> Value {
    json!({"filename": a.filename, "mimeType": a.mime_type, "data_hex": hex::encode(&a.data)})
}

fn attachment_fallback(filename: &str) -> String {
    format!("Can\u{2019}t display \"{filename}\". This app doesn\u{2019}t support attachments.")
}

/// One `encoded_content` case.
fn case(
    id: &str,
    description: &str,
    e: &pb::EncodedContent,
    type_id: &str,
    content: Value,
    fallback: Option<&str>,
    should_push: bool,
) -> Value {
    json!({
        "id": id, "kind": "encoded_content", "expect": "accept", "description": description,
        "built_by": "courier (xmtp-crypto content::to_bytes)",
        "content_type": format!("xmtp.org/{type_id}:1.0"),
        "encoded_content_hex": hex::encode(content::to_bytes(e)),
        "expected": {"content_type": type_json(type_id), "content": content, "fallback": fallback},
        "fallback": fallback,
        "should_push": should_push,
    })
}

/// The content cases; `reference` is the id of a message they reply or react to.
pub(super) fn content_cases(reference: &str, rng: &mut ChaCha20Rng) -> anyhow::Result<Vec<Value>> {
    let png = Attachment {
        filename: "courier.png".into(),
        mime_type: "image/png".into(),
        data: [b"\x89PNG\r\n\x1a\n".as_slice(), b"not really an image, but bytes all the same"].concat(),
    };
    let reply_text = "replying from Courier 🦀";
    let mut cases = vec![
        case(
            "courier-content-reply-text",
            "reply whose inner content is text",
            &content::reply(reference, &content::text(reply_text))?,
            "reply",
            json!({"reference": reference, "referenceInboxId": null, "contentType": type_json("text"), "content": reply_text}),
            Some(&format!("Replied with \u{201c}{reply_text}\u{201d} to an earlier message")),
            true,
        ),
        case(
            "courier-content-reply-attachment",
            "reply whose inner content is an inline attachment",
            &content::reply(reference, &content::attachment(&png))?,
            "reply",
            json!({"reference": reference, "referenceInboxId": null, "contentType": type_json("attachment"), "content": attachment_json(&png)}),
            Some("Replied to an earlier message"),
            true,
        ),
        case(
            "courier-content-read-receipt",
            "read receipt",
            &content::read_receipt(),
            "readReceipt",
            json!({}),
            None,
            false,
        ),
        case(
            "courier-content-attachment",
            "inline attachment",
            &content::attachment(&png),
            "attachment",
            attachment_json(&png),
            Some(&attachment_fallback(&png.filename)),
            true,
        ),
    ];
    let removed = Reaction {
        reference: reference.to_owned(),
        action: ReactionAction::Removed,
        schema: ReactionSchema::Unicode,
        content: "👍".into(),
    };
    cases.push(case(
        "courier-content-reaction-removed",
        "reaction removed",
        &content::reaction(&removed),
        "reaction",
        json!({"action": "removed", "reference": reference, "schema": "unicode", "content": "👍"}),
        Some("Removed \u{201c}👍\u{201d} from an earlier message"),
        false,
    ));
    cases.extend(remote_cases(rng)?);
    Ok(cases)
}

/// A remote attachment at an https URL with its encrypted file, and the same message with one
/// byte of the file flipped, which must be refused (on the digest, before decrypting).
fn remote_cases(rng: &mut ChaCha20Rng) -> anyhow::Result<Vec<Value>> {
    let mut data = vec![0u8; 3000];
    rng.fill_bytes(&mut data);
    let file = Attachment { filename: "courier report.bin".into(), mime_type: "application/octet-stream".into(), data };
    let enc = remote::encrypt(&file, rng);
    let url = format!("{REMOTE_URL}{}", enc.digest);
    let msg = enc.message(url.clone(), &file.filename, file.data.len() as u64);
    let e = content::remote_attachment(&msg)?;
    let expected = json!({
        "url": url,
        "contentDigest": enc.digest,
        "salt_hex": hex::encode(enc.salt),
        "nonce_hex": hex::encode(enc.nonce),
        "secret_hex": hex::encode(enc.secret.expose()),
        "scheme": "https://",
        "contentLength": file.data.len(),
        "filename": file.filename,
    });
    let encrypted = |payload: &[u8]| {
        json!({
            "produced_by": "courier (xmtp-crypto content::remote::encrypt)",
            "payload_hex": hex::encode(payload),
            "digest": enc.digest,
            "inner_expected": {
                "filename": file.filename,
                "mimeType": file.mime_type,
                "data_hex": hex::encode(&file.data),
                "data_sha256": hex::encode(hash::sha256(&[&file.data])),
            },
        })
    };
    let fallback = attachment_fallback(&file.filename);
    let mut ok = case(
        "courier-content-remote-attachment",
        "remote attachment at an https URL; `encrypted` is its file, which the verifier loads",
        &e,
        "remoteStaticAttachment",
        expected,
        Some(&fallback),
        true,
    );
    ok["encrypted"] = encrypted(&enc.payload);
    let mut flipped = enc.payload.clone();
    if let Some(b) = flipped.get_mut(enc.payload.len() / 2) {
        *b ^= 1;
    }
    let mut bad = ok.clone();
    bad["id"] = json!("courier-content-remote-attachment-neg-flipped-file");
    bad["description"] = json!("the same message, one byte of its file flipped");
    bad["expect"] = json!("reject");
    bad["reject_reason"] = json!("the file's SHA-256 is not the message's contentDigest");
    bad["tamper"] = json!("encrypted.payload_hex: one byte flipped in the middle");
    bad["base_case"] = json!("courier-content-remote-attachment");
    bad["encrypted"] = encrypted(&flipped);
    Ok(vec![ok, bad])
}

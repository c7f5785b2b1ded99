//! Small helpers to read the vector JSON with errors instead of panics, and the JSON view of
//! decoded content that the vectors' `expected.content` uses.

use serde_json::{Value, json};
use xmtp_crypto::content::{Content, ContentTypeId, DecodedContent};

pub type R<T> = Result<T, String>;

pub fn field<'a>(v: &'a Value, name: &str) -> R<&'a Value> {
    v.get(name).filter(|x| !x.is_null()).ok_or_else(|| format!("field `{name}` missing"))
}

pub fn string<'a>(v: &'a Value, name: &str) -> R<&'a str> {
    field(v, name)?.as_str().ok_or_else(|| format!("field `{name}` is not a string"))
}

pub fn hex_field(v: &Value, name: &str) -> R<Vec<u8>> {
    let s = string(v, name)?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|e| format!("field `{name}`: {e}"))
}

/// A u64 written as a decimal string (or a JSON number).
pub fn u64_field(v: &Value, name: &str) -> R<u64> {
    match field(v, name)? {
        Value::String(s) => s.parse().map_err(|_| format!("field `{name}` is not a u64")),
        Value::Number(n) => n.as_u64().ok_or_else(|| format!("field `{name}` is not a u64")),
        _ => Err(format!("field `{name}` is not a u64")),
    }
}

pub fn content_type_json(t: &ContentTypeId) -> Value {
    json!({
        "authority_id": t.authority_id,
        "type_id": t.type_id,
        "version_major": t.version_major,
        "version_minor": t.version_minor,
    })
}

/// Decoded content in the shape the vectors' README gives for `expected.content`.
pub fn content_json(d: &DecodedContent) -> Value {
    match &d.content {
        Content::Text(t) => json!(t),
        Content::Reaction(r) => json!({
            "reference": r.reference, "action": r.action, "schema": r.schema, "content": r.content,
        }),
        Content::Reply { reference, inner } => json!({
            "reference": reference,
            "referenceInboxId": d.parameters.get("referenceInboxId"),
            "contentType": content_type_json(&inner.content_type),
            "content": content_json(inner),
        }),
        Content::ReadReceipt => json!({}),
        Content::Attachment(a) => json!({
            "filename": a.filename, "mimeType": a.mime_type, "data_hex": hex::encode(&a.data),
        }),
        Content::RemoteAttachment(r) => json!({
            "url": r.url,
            "contentDigest": r.content_digest,
            "salt_hex": hex::encode(&r.salt),
            "nonce_hex": hex::encode(&r.nonce),
            "secret_hex": hex::encode(&r.secret),
            "scheme": r.scheme,
            "contentLength": r.content_length,
            "filename": r.filename,
        }),
        _ => Value::Null,
    }
}

//! Encoding the standard content types as the reference codecs 1.1.12 do, with the fallback
//! text xmtp-js adds when it sends (spec §10.4, §10.6).

use std::collections::BTreeMap;

use xmtp_proto::message_contents as pb;

use super::{Attachment, Compression, ContentError, ContentTypeId, Reaction, ReactionAction, RemoteAttachment};

fn encoded(
    type_id: &str,
    parameters: BTreeMap<String, String>,
    content: Vec<u8>,
    fallback: Option<String>,
) -> pb::EncodedContent {
    pb::EncodedContent {
        r#type: Some(ContentTypeId::xmtp(type_id).to_proto()),
        parameters: parameters.into_iter().collect(),
        fallback,
        content,
        compression: None,
    }
}

fn params<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `EncodedContent` for a text message: `xmtp.org/text:1.0`, `encoding = UTF-8`, no fallback, no
/// compression.
pub fn text(text: &str) -> pb::EncodedContent {
    encoded("text", params([("encoding", "UTF-8".to_owned())]), text.as_bytes().to_vec(), None)
}

/// `EncodedContent` for a reaction: the JSON body with the keys in the reference's order, no
/// parameters, and the reference's fallback text.
pub fn reaction(r: &Reaction) -> pb::EncodedContent {
    #[derive(serde::Serialize)]
    struct Wire<'a> {
        action: super::ReactionAction,
        reference: &'a str,
        schema: super::ReactionSchema,
        content: &'a str,
    }
    // Serializing plain strings and unit enums cannot fail.
    let body =
        serde_json::to_vec(&Wire { action: r.action, reference: &r.reference, schema: r.schema, content: &r.content })
            .unwrap_or_default();
    let fallback = match r.action {
        ReactionAction::Added => format!("Reacted \u{201c}{}\u{201d} to an earlier message", r.content),
        ReactionAction::Removed => format!("Removed \u{201c}{}\u{201d} from an earlier message", r.content),
    };
    encoded("reaction", BTreeMap::new(), body, Some(fallback))
}

/// `EncodedContent` for a reply to the message `reference` (lowercase hex id) carrying `inner`
/// (encoded by its own codec; its fallback is not sent inside, as the reference does; written in
/// the reference's order, [`super::to_bytes`]). The fallback quotes a text reply.
pub fn reply(reference: &str, inner: &pb::EncodedContent) -> Result<pb::EncodedContent, ContentError> {
    let inner_type = inner.r#type.as_ref().ok_or(ContentError::MissingType)?;
    let inner_type = ContentTypeId::from_proto(inner_type);
    let mut inner = inner.clone();
    inner.fallback = None;
    let fallback = match (inner_type.is_xmtp("text"), std::str::from_utf8(&inner.content)) {
        (true, Ok(t)) if inner.compression.is_none() => {
            format!("Replied with \u{201c}{t}\u{201d} to an earlier message")
        }
        _ => "Replied to an earlier message".to_owned(),
    };
    Ok(encoded(
        "reply",
        params([("contentType", inner_type.to_string()), ("reference", reference.to_owned())]),
        super::to_bytes(&inner),
        Some(fallback),
    ))
}

/// `EncodedContent` for a read receipt: no parameters, empty content, no fallback.
pub fn read_receipt() -> pb::EncodedContent {
    encoded("readReceipt", BTreeMap::new(), Vec::new(), None)
}

fn attachment_fallback(filename: &str) -> String {
    format!("Can\u{2019}t display \"{filename}\". This app doesn\u{2019}t support attachments.")
}

/// `EncodedContent` for an inline attachment.
pub fn attachment(a: &Attachment) -> pb::EncodedContent {
    encoded(
        "attachment",
        params([("filename", a.filename.clone()), ("mimeType", a.mime_type.clone())]),
        a.data.clone(),
        Some(attachment_fallback(&a.filename)),
    )
}

/// `EncodedContent` for a remote attachment. The URL must be `https://` or `http://` (Courier's
/// rule for a local node, spec §10.6) and `scheme` is written to match it.
pub fn remote_attachment(r: &RemoteAttachment) -> Result<pb::EncodedContent, ContentError> {
    let scheme = if r.url.starts_with("https://") {
        "https://"
    } else if r.url.starts_with("http://") {
        "http://"
    } else {
        return Err(ContentError::BadParameter("url"));
    };
    let filename = r.filename.clone().unwrap_or_default();
    let mut p = params([
        ("contentDigest", r.content_digest.clone()),
        ("salt", hex::encode(&r.salt)),
        ("nonce", hex::encode(&r.nonce)),
        ("secret", hex::encode(&r.secret)),
        ("scheme", scheme.to_owned()),
        ("filename", filename.clone()),
    ]);
    if let Some(n) = r.content_length {
        p.insert("contentLength".to_owned(), n.to_string());
    }
    Ok(encoded("remoteStaticAttachment", p, r.url.as_bytes().to_vec(), Some(attachment_fallback(&filename))))
}

/// Compresses `content` in place (spec §10.3). Courier does not compress what it sends by
/// default (the reference cannot decompress more than 1000 bytes); this exists for tests and
/// interop checks.
pub fn compress(encoded: &mut pb::EncodedContent, how: Compression) {
    use flate2::write::{GzEncoder, ZlibEncoder};
    use std::io::Write;
    let level = flate2::Compression::default();
    let out = match how {
        Compression::Deflate => {
            let mut e = ZlibEncoder::new(Vec::new(), level);
            let _ = e.write_all(&encoded.content);
            e.finish().unwrap_or_default()
        }
        Compression::Gzip => {
            let mut e = GzEncoder::new(Vec::new(), level);
            let _ = e.write_all(&encoded.content);
            e.finish().unwrap_or_default()
        }
    };
    encoded.content = out;
    encoded.compression = Some(match how {
        Compression::Deflate => pb::Compression::Deflate as i32,
        Compression::Gzip => pb::Compression::Gzip as i32,
    });
}

//! Decoding `PB(EncodedContent)` (spec §10): the type, compression within one budget for all
//! nesting levels, and the standard codecs. Every parameter is checked here; a bad one is a
//! [`ContentError`], never a panic.

use std::collections::BTreeMap;
use std::io::Read;

use prost::Message as _;
use xmtp_proto::message_contents as pb;

use super::{
    Attachment, Compression, Content, ContentError, ContentTypeId, DecodedContent, MAX_DECOMPRESSED_BYTES, Reaction,
    RemoteAttachment,
};

/// Nested content (replies inside replies) deeper than this is refused.
const MAX_NESTING: usize = 4;

/// Decodes `PB(EncodedContent)` and its content.
pub fn decode(bytes: &[u8]) -> Result<DecodedContent, ContentError> {
    decode_within(bytes, MAX_DECOMPRESSED_BYTES)
}

/// Decodes with a decompression budget of `budget` bytes for all levels together (a remote
/// attachment's file may be larger than a message).
pub fn decode_within(bytes: &[u8], mut budget: u64) -> Result<DecodedContent, ContentError> {
    let encoded = pb::EncodedContent::decode(bytes).map_err(ContentError::Decode)?;
    decode_encoded(encoded, 0, &mut budget)
}

/// `budget`: what decompression may still produce for this message.
fn decode_encoded(encoded: pb::EncodedContent, depth: usize, budget: &mut u64) -> Result<DecodedContent, ContentError> {
    if depth > MAX_NESTING {
        return Err(ContentError::TooDeep);
    }
    let content_type = ContentTypeId::from_proto(encoded.r#type.as_ref().ok_or(ContentError::MissingType)?);
    let compression = match encoded.compression {
        None => None,
        Some(0) => Some(Compression::Deflate),
        Some(1) => Some(Compression::Gzip),
        Some(other) => return Err(ContentError::UnknownCompression(other)),
    };
    let raw = match compression {
        None => encoded.content,
        Some(c) => decompress(&encoded.content, c, budget)?,
    };
    let params = &encoded.parameters;
    let param = |name: &'static str| params.get(name).ok_or(ContentError::BadParameter(name));
    let t = &content_type;
    let content = if t.is_xmtp("text") {
        match params.get("encoding") {
            Some(enc) if !enc.eq_ignore_ascii_case("utf-8") => {
                return Err(ContentError::UnsupportedEncoding(enc.clone()));
            }
            _ => Content::Text(utf8(&raw, "text")?),
        }
    } else if t.is_xmtp("reaction") {
        Content::Reaction(decode_reaction(&raw, params)?)
    } else if t.is_xmtp("reply") {
        let inner = pb::EncodedContent::decode(raw.as_slice()).map_err(ContentError::Decode)?;
        Content::Reply {
            reference: message_ref(param("reference")?, "reference")?,
            inner: Box::new(decode_encoded(inner, depth + 1, budget)?),
        }
    } else if t.is_xmtp("readReceipt") {
        Content::ReadReceipt
    } else if t.is_xmtp("attachment") {
        Content::Attachment(Attachment {
            filename: param("filename")?.clone(),
            mime_type: param("mimeType")?.clone(),
            data: raw.clone(),
        })
    } else if t.is_xmtp("remoteStaticAttachment") {
        Content::RemoteAttachment(decode_remote(&raw, params)?)
    } else {
        Content::Unknown
    };
    Ok(DecodedContent {
        content_type,
        content,
        fallback: encoded.fallback,
        parameters: encoded.parameters,
        compression,
        raw,
    })
}

fn utf8(bytes: &[u8], what: &'static str) -> Result<String, ContentError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ContentError::InvalidUtf8(what))
}

/// A referenced message id: 64 hex digits, kept lowercase (spec §10.6: ids are lowercase hex).
fn message_ref(s: &str, name: &'static str) -> Result<String, ContentError> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(ContentError::BadParameter(name))
    }
}

fn fixed_hex(params: &BTreeMap<String, String>, name: &'static str, len: usize) -> Result<Vec<u8>, ContentError> {
    let v = params.get(name).ok_or(ContentError::BadParameter(name))?;
    match hex::decode(v) {
        Ok(b) if b.len() == len => Ok(b),
        _ => Err(ContentError::BadParameter(name)),
    }
}

fn decode_remote(raw: &[u8], params: &BTreeMap<String, String>) -> Result<RemoteAttachment, ContentError> {
    let url = utf8(raw, "remote attachment URL")?;
    // The reference encoder writes only https URLs; Courier also writes http:// ones for a
    // local node. Whether a URL may be fetched is the fetcher's rule, not the codec's.
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ContentError::BadParameter("url"));
    }
    let digest = params.get("contentDigest").ok_or(ContentError::BadParameter("contentDigest"))?;
    let content_length = match params.get("contentLength") {
        None => None,
        Some(v) => Some(v.parse().map_err(|_| ContentError::BadParameter("contentLength"))?),
    };
    Ok(RemoteAttachment {
        url,
        content_digest: message_ref(digest, "contentDigest")?,
        salt: fixed_hex(params, "salt", 32)?,
        nonce: fixed_hex(params, "nonce", 12)?,
        secret: fixed_hex(params, "secret", 32)?,
        scheme: params.get("scheme").cloned().ok_or(ContentError::BadParameter("scheme"))?,
        content_length,
        filename: params.get("filename").cloned(),
    })
}

fn decode_reaction(raw: &[u8], params: &BTreeMap<String, String>) -> Result<Reaction, ContentError> {
    if let Ok(mut r) = serde_json::from_slice::<Reaction>(raw) {
        r.reference = message_ref(&r.reference, "reference")?;
        return Ok(r);
    }
    // Legacy form: action, reference and schema in parameters, the bare emoji as content.
    Ok(Reaction {
        reference: message_ref(params.get("reference").ok_or(ContentError::BadReaction)?, "reference")?,
        action: word(params, "action")?,
        schema: word(params, "schema")?,
        content: utf8(raw, "reaction")?,
    })
}

/// A legacy reaction parameter read as one of its words (`added`, `unicode`, …).
fn word<T: serde::de::DeserializeOwned>(params: &BTreeMap<String, String>, name: &str) -> Result<T, ContentError> {
    let v = params.get(name).ok_or(ContentError::BadReaction)?;
    serde_json::from_value(serde_json::Value::String(v.clone())).map_err(|_| ContentError::BadReaction)
}

/// Decompresses at most `budget` bytes, and takes what it produced from the budget.
fn decompress(bytes: &[u8], how: Compression, budget: &mut u64) -> Result<Vec<u8>, ContentError> {
    let mut out = Vec::new();
    let reader: Box<dyn Read + '_> = match how {
        Compression::Deflate => Box::new(flate2::read::ZlibDecoder::new(bytes)),
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(bytes)),
    };
    reader.take(*budget + 1).read_to_end(&mut out).map_err(|_| {
        ContentError::Decompression(match how {
            Compression::Deflate => "corrupt zlib stream",
            Compression::Gzip => "corrupt gzip stream",
        })
    })?;
    let produced = out.len() as u64;
    if produced > *budget {
        return Err(ContentError::TooLarge);
    }
    *budget -= produced;
    Ok(out)
}

//! `PB(EncodedContent)` in the field and parameter order the reference writes.
//!
//! The reference's proto declares `compression` (5) before `content` (4) and its encoder writes
//! fields in declaration order; prost writes them by number. protobufjs writes a map's entries
//! in the order the codec inserted them; prost (with deterministic `BTreeMap`s) writes them
//! sorted. For every standard type but the remote attachment the two parameter orders agree.
//! [`to_bytes`] writes the reference's order for both, so what Courier sends is the reference's
//! bytes exactly (checked against its vectors in `tests/codecs.rs`). Decoders accept any order.

use prost::Message as _;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
use xmtp_proto::message_contents as pb;

use super::ContentTypeId;

/// The remote attachment codec's insertion order.
const REMOTE_ORDER: [&str; 7] = ["contentDigest", "salt", "nonce", "secret", "scheme", "contentLength", "filename"];

/// Serializes `e` as the reference does: type, parameters (in the reference codec's order),
/// fallback, compression, content.
pub fn to_bytes(e: &pb::EncodedContent) -> Vec<u8> {
    let mut out = pb::EncodedContent { r#type: e.r#type.clone(), ..Default::default() }.encode_to_vec();
    let remote = e.r#type.as_ref().is_some_and(|t| ContentTypeId::from_proto(t).is_xmtp("remoteStaticAttachment"));
    let order: &[&str] = if remote { &REMOTE_ORDER } else { &[] };
    let known = order.iter().filter_map(|k| e.parameters.get_key_value(*k));
    let others = e.parameters.iter().filter(|(k, _)| !order.contains(&k.as_str()));
    for (k, v) in known.chain(others) {
        entry(&mut out, k, v);
    }
    if let Some(fallback) = &e.fallback {
        prost::encoding::string::encode(3, fallback, &mut out);
    }
    if let Some(compression) = &e.compression {
        prost::encoding::int32::encode(5, compression, &mut out);
    }
    if !e.content.is_empty() {
        prost::encoding::bytes::encode(4, &e.content, &mut out);
    }
    out
}
/// One `map<string,string>` entry of field 2: `{1: key, 2: value}`, an empty key or value left
/// out (proto3 defaults), as both the reference and prost write it.
fn entry(out: &mut Vec<u8>, key: &str, value: &str) {
    let field = |s: &str| if s.is_empty() { 0 } else { 1 + encoded_len_varint(s.len() as u64) + s.len() };
    let len = field(key) + field(value);
    encode_key(2, WireType::LengthDelimited, out);
    encode_varint(len as u64, out);
    for (tag, s) in [(1, key), (2, value)] {
        if !s.is_empty() {
            encode_key(tag, WireType::LengthDelimited, out);
            encode_varint(s.len() as u64, out);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

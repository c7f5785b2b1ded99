//! `PB(EncodedContent)` with its parameters in the order the reference writes them.
//!
//! protobufjs writes a map's entries in the order the codec inserted them; prost (with
//! deterministic `BTreeMap`s) writes them sorted. For every standard type but the remote
//! attachment the two orders agree; for it, [`to_bytes`] writes the reference's order, so what
//! Courier sends is the reference's bytes exactly. Decoders accept either.

use prost::Message as _;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
use xmtp_proto::message_contents as pb;

use super::ContentTypeId;

/// The remote attachment codec's insertion order.
const REMOTE_ORDER: [&str; 7] = ["contentDigest", "salt", "nonce", "secret", "scheme", "contentLength", "filename"];

/// Serializes `e`, parameters in the reference codec's order.
pub fn to_bytes(e: &pb::EncodedContent) -> Vec<u8> {
    let remote = e.r#type.as_ref().is_some_and(|t| ContentTypeId::from_proto(t).is_xmtp("remoteStaticAttachment"));
    if !remote {
        return e.encode_to_vec();
    }
    let mut out = pb::EncodedContent { r#type: e.r#type.clone(), ..Default::default() }.encode_to_vec();
    let known = REMOTE_ORDER.iter().filter_map(|k| e.parameters.get_key_value(*k));
    let others = e.parameters.iter().filter(|(k, _)| !REMOTE_ORDER.contains(&k.as_str()));
    for (k, v) in known.chain(others) {
        entry(&mut out, k, v);
    }
    // Field order of the rest (fallback 3, content 4, compression 5) is the same in both.
    let rest = pb::EncodedContent {
        fallback: e.fallback.clone(),
        content: e.content.clone(),
        compression: e.compression,
        ..Default::default()
    };
    out.extend(rest.encode_to_vec());
    out
}

/// One `map<string,string>` entry of field 2: `{1: key, 2: value}`.
fn entry(out: &mut Vec<u8>, key: &str, value: &str) {
    let field = |s: &str| 1 + encoded_len_varint(s.len() as u64) + s.len();
    let len = field(key) + field(value);
    encode_key(2, WireType::LengthDelimited, out);
    encode_varint(len as u64, out);
    prost::encoding::string::encode(1, &key.to_owned(), out);
    prost::encoding::string::encode(2, &value.to_owned(), out);
}

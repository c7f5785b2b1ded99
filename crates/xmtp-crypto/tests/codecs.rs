//! The rich content codecs against the reference's own vectors
//! (`tests/vectors/xmtp-js/content_codecs.json`, made with the codecs 1.1.12 and xmtp-js 13.0.4):
//! every case decodes to what the reference decoded; every case the reference encoder made
//! without randomness is written by Courier's encoder byte for byte; the remote attachment's
//! encrypted file opens, and a tampered one is refused on its digest before decrypting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use sha2::{Digest, Sha256};
use xmtp_crypto::content::{
    self, Attachment, Compression, Content, DecodedContent, Reaction, RemoteAttachment, remote,
};
use xmtp_proto::message_contents as pb;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/xmtp-js/content_codecs.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn cases() -> Vec<Value> {
    let v = vectors();
    let cases = v["cases"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 12, "the README lists 12 cases");
    cases
}

fn case(id: &str) -> Value {
    cases().into_iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no case {id}"))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

fn unhex(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(s(v, key)).unwrap()
}

/// `{authority_id, type_id, version_major, version_minor}` as `authority/type:major.minor`.
fn type_name(t: &Value) -> String {
    format!("{}/{}:{}.{}", s(t, "authority_id"), s(t, "type_id"), t["version_major"], t["version_minor"])
}

fn reaction_of(v: &Value) -> Reaction {
    serde_json::from_value(v.clone()).unwrap()
}

fn attachment_of(v: &Value) -> Attachment {
    Attachment { filename: s(v, "filename").into(), mime_type: s(v, "mimeType").into(), data: unhex(v, "data_hex") }
}

fn remote_of(v: &Value) -> RemoteAttachment {
    RemoteAttachment {
        url: s(v, "url").into(),
        content_digest: s(v, "contentDigest").into(),
        salt: unhex(v, "salt_hex"),
        nonce: unhex(v, "nonce_hex"),
        secret: unhex(v, "secret_hex"),
        scheme: s(v, "scheme").into(),
        content_length: v["contentLength"].as_u64(),
        filename: v["filename"].as_str().map(String::from),
    }
}

/// Checks `d.content` against the reference's decoded value for a content of type `type_name`.
fn assert_content(id: &str, ty: &str, expected: &Value, d: &DecodedContent) {
    assert_eq!(d.content_type.to_string(), ty, "{id}: type");
    match (ty, &d.content) {
        ("xmtp.org/text:1.0", Content::Text(t)) => assert_eq!(t, s_val(expected), "{id}"),
        ("xmtp.org/reaction:1.0", Content::Reaction(r)) => assert_eq!(r, &reaction_of(expected), "{id}"),
        ("xmtp.org/reply:1.0", Content::Reply { reference, inner }) => {
            assert_eq!(reference, s(expected, "reference"), "{id}: reply reference");
            let inner_type = type_name(&expected["contentType"]);
            assert_eq!(d.parameters.get("contentType"), Some(&inner_type), "{id}: reply contentType");
            assert_eq!(inner.fallback, None, "{id}: the inner content has no fallback");
            assert_content(id, &inner_type, &expected["content"], inner);
        }
        ("xmtp.org/readReceipt:1.0", Content::ReadReceipt) => assert_eq!(expected, &serde_json::json!({})),
        ("xmtp.org/attachment:1.0", Content::Attachment(a)) => {
            let want = attachment_of(expected);
            assert_eq!((&a.filename, &a.mime_type), (&want.filename, &want.mime_type), "{id}");
            assert_eq!(hex::encode(&a.data), hex::encode(&want.data), "{id}: data");
        }
        ("xmtp.org/remoteStaticAttachment:1.0", Content::RemoteAttachment(r)) => {
            let want = remote_of(expected);
            assert_eq!(r, &want, "{id}");
            // Each field by itself too, so a failure names it (the Debug form hides the secret).
            assert_eq!(r.url, want.url);
            assert_eq!(r.content_digest, want.content_digest);
            assert_eq!(hex::encode(&r.salt), hex::encode(&want.salt));
            assert_eq!(hex::encode(&r.nonce), hex::encode(&want.nonce));
            assert_eq!(r.scheme, want.scheme);
            assert_eq!(r.content_length, Some(3000));
            assert_eq!(r.filename.as_deref(), Some("report 2024.bin"));
        }
        (t, c) => panic!("{id}: {t} decoded as {c:?}"),
    }
}

fn s_val(v: &Value) -> &str {
    v.as_str().unwrap()
}

#[test]
fn every_case_decodes_as_the_reference_decoded_it() {
    for c in cases() {
        let id = s(&c, "id");
        let d = content::decode(&unhex(&c, "encoded_content_hex")).unwrap_or_else(|e| panic!("{id}: {e}"));
        let expected = &c["expected"];
        assert_eq!(type_name(&expected["content_type"]), s(&c, "content_type"), "{id}: the file agrees");
        assert_content(id, s(&c, "content_type"), &expected["content"], &d);
        assert_eq!(d.fallback.as_deref(), expected["fallback"].as_str(), "{id}: fallback");
        assert_eq!(c["fallback"], expected["fallback"], "{id}: the file agrees");
        assert_eq!(d.should_push(), c["should_push"].as_bool().unwrap(), "{id}: should_push");
        let compression = match d.compression {
            None => Value::Null,
            Some(Compression::Deflate) => 0.into(),
            Some(Compression::Gzip) => 1.into(),
        };
        assert_eq!(compression, c["encoded_content"]["compression"], "{id}: compression");
    }
}

/// What Courier's encoder makes from the case's decoded value, for every case the reference
/// encoder made without randomness (all but the hand-made legacy reaction).
fn courier_encoding(c: &Value) -> Option<pb::EncodedContent> {
    let v = &c["expected"]["content"];
    let inner = |t: &Value, v: &Value| match type_name(t).as_str() {
        "xmtp.org/text:1.0" => content::text(s_val(v)),
        "xmtp.org/reaction:1.0" => content::reaction(&reaction_of(v)),
        "xmtp.org/attachment:1.0" => content::attachment(&attachment_of(v)),
        other => panic!("no inner {other} in the vectors"),
    };
    Some(match s(c, "id") {
        "reaction-legacy-parameters" => return None,
        "attachment-deflate" => {
            // Courier's deflate stream is not Node's zlib's (see the test below); the rest of
            // the message must be the reference's bytes, so the reference's stream is put in.
            let mut e = content::attachment(&attachment_of(v));
            content::compress(&mut e, Compression::Deflate);
            e.content = unhex(&c["encoded_content"], "content_hex");
            e
        }
        _ => match s(c, "content_type") {
            "xmtp.org/reaction:1.0" => content::reaction(&reaction_of(v)),
            "xmtp.org/reply:1.0" => {
                content::reply(s(v, "reference"), &inner(&v["contentType"], &v["content"])).unwrap()
            }
            "xmtp.org/readReceipt:1.0" => content::read_receipt(),
            "xmtp.org/attachment:1.0" => content::attachment(&attachment_of(v)),
            "xmtp.org/remoteStaticAttachment:1.0" => content::remote_attachment(&remote_of(v)).unwrap(),
            other => panic!("unexpected type {other}"),
        },
    })
}

#[test]
fn courier_writes_the_reference_bytes() {
    let mut same = Vec::new();
    let mut differ = Vec::new();
    for c in cases() {
        let id = s(&c, "id").to_owned();
        let Some(e) = courier_encoding(&c) else { continue };
        let ours = hex::encode(content::to_bytes(&e));
        if ours == s(&c, "encoded_content_hex") {
            same.push(id);
        } else {
            differ.push(format!("{id}:\n  reference {}\n  courier   {ours}", s(&c, "encoded_content_hex")));
        }
    }
    assert!(differ.is_empty(), "differ from the reference:\n{}\n(same: {same:?})", differ.join("\n"));
    assert_eq!(same.len(), 11, "{same:?}");
}

/// xmtp-js compresses with `CompressionStream("deflate")`, Node's zlib at level 6; Courier's
/// `compress` uses flate2's default backend (miniz_oxide), whose stream for the same input is
/// another valid zlib stream. Courier does not compress what it sends (spec §10.3), so only the
/// format has to agree: zlib header, the same Adler-32, and the same bytes once inflated.
#[test]
fn courier_deflate_is_zlib_that_inflates_to_the_reference_plaintext() {
    let c = case("attachment-deflate");
    let data = unhex(&c["expected"]["content"], "data_hex");
    let reference = unhex(&c["encoded_content"], "content_hex");
    let mut e = content::attachment(&attachment_of(&c["expected"]["content"]));
    content::compress(&mut e, Compression::Deflate);
    assert_eq!(&e.content[..2], &reference[..2], "zlib header");
    assert_eq!(&e.content[e.content.len() - 4..], &reference[reference.len() - 4..], "Adler-32");
    let d = content::decode(&content::to_bytes(&e)).unwrap();
    let Content::Attachment(a) = d.content else { panic!("{d:?}") };
    assert_eq!(hex::encode(a.data), hex::encode(data));
}

#[test]
fn the_remote_file_plaintext_is_the_courier_attachment_without_fallback() {
    let c = case("remote-attachment");
    let enc = &c["encrypted"];
    let mut inner = content::attachment(&attachment_of(&enc["inner_expected"]));
    inner.fallback = None;
    assert_eq!(hex::encode(content::to_bytes(&inner)), s(enc, "inner_encoded_content_hex"));
}

#[test]
fn the_reference_encrypted_file_opens_and_a_flipped_byte_fails_on_its_digest() {
    let c = case("remote-attachment");
    let enc = &c["encrypted"];
    let payload = unhex(enc, "payload_hex");
    assert_eq!(hex::encode(Sha256::digest(&payload)), s(enc, "digest"));
    let Content::RemoteAttachment(msg) = content::decode(&unhex(&c, "encoded_content_hex")).unwrap().content else {
        panic!("not a remote attachment")
    };
    assert_eq!(msg.content_digest, s(enc, "digest"));
    assert_eq!(hex::encode(&msg.secret), s(enc, "secret_hex"));

    let opened = remote::open(&msg, &payload, 1 << 20).unwrap();
    assert_eq!(opened.fallback, None);
    let want = &enc["inner_expected"];
    let Content::Attachment(file) = &opened.content else { panic!("{opened:?}") };
    assert_eq!((file.filename.as_str(), file.mime_type.as_str()), (s(want, "filename"), s(want, "mimeType")));
    assert_eq!(hex::encode(Sha256::digest(&file.data)), s(want, "data_sha256"));
    assert_eq!(hex::encode(&file.data), s(want, "data_hex"));
    assert_eq!(file.data.len() as u64, msg.content_length.unwrap(), "contentLength is the plaintext size");

    for i in [0, payload.len() / 2, payload.len() - 1] {
        let mut bad = payload.clone();
        bad[i] ^= 0x01;
        assert_eq!(remote::open(&msg, &bad, 1 << 20), Err(remote::RemoteError::DigestMismatch), "byte {i}");
    }
    // With the digest of the flipped file, the same file reaches decryption and fails there:
    // the digest check above is what refused it first.
    let mut bad = payload.clone();
    bad[0] ^= 0x01;
    let forged = RemoteAttachment { content_digest: hex::encode(Sha256::digest(&bad)), ..msg };
    assert!(matches!(remote::open(&forged, &bad, 1 << 20), Err(remote::RemoteError::Cipher(_))));
}

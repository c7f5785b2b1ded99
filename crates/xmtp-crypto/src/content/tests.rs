//! Tests of the content codecs, compression and its bounds.

use super::*;
use proptest::prelude::*;
use prost::Message as _;

const ID: &str = "0b2f6c3a1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

#[test]
fn spec_10_2_hello() {
    assert_eq!(
        hex::encode(text("hello").encode_to_vec()),
        "0a120a08786d74702e6f7267120474657874180112110a08656e636f64696e6712055554462d38220568656c6c6f"
    );
    let d = decode(&text("hello").encode_to_vec()).unwrap();
    assert_eq!(d.content, Content::Text("hello".into()));
    assert!(d.should_push());
    assert_eq!(d.content_type.to_string(), "xmtp.org/text:1.0");
}

#[test]
fn compression_round_trips_and_deflate_zero_is_encoded() {
    for how in [Compression::Deflate, Compression::Gzip] {
        let mut e = text("compress me, compress me, compress me");
        compress(&mut e, how);
        let bytes = e.encode_to_vec();
        if how == Compression::Deflate {
            assert!(bytes.ends_with(&[0x28, 0x00]), "compression = 0 must be present");
        }
        let d = decode(&bytes).unwrap();
        assert_eq!(d.content, Content::Text("compress me, compress me, compress me".into()));
        assert_eq!(d.compression, Some(how));
    }
}

#[test]
fn bad_content_is_an_error_not_a_panic() {
    let mut e = text("x");
    e.compression = Some(0);
    assert!(matches!(decode(&e.encode_to_vec()), Err(ContentError::Decompression(_))));
    e.compression = Some(7);
    assert_eq!(decode(&e.encode_to_vec()), Err(ContentError::UnknownCompression(7)));
    let mut e = text("x");
    e.parameters.insert("encoding".into(), "latin1".into());
    assert!(matches!(decode(&e.encode_to_vec()), Err(ContentError::UnsupportedEncoding(_))));
    let mut e = text("x");
    e.content = vec![0xff, 0xfe];
    assert_eq!(decode(&e.encode_to_vec()), Err(ContentError::InvalidUtf8("text")));
    let mut e = text("x");
    e.r#type = None;
    assert_eq!(decode(&e.encode_to_vec()), Err(ContentError::MissingType));
    // missing encoding parameter is accepted (lenient on receipt)
    let mut e = text("ok");
    e.parameters.clear();
    assert_eq!(decode(&e.encode_to_vec()).unwrap().content, Content::Text("ok".into()));
}

#[test]
fn compression_bomb_is_refused() {
    let mut e = text("");
    e.content = vec![0u8; (MAX_DECOMPRESSED_BYTES + 10) as usize];
    compress(&mut e, Compression::Deflate);
    assert!(e.content.len() < 200_000);
    assert_eq!(decode(&e.encode_to_vec()), Err(ContentError::TooLarge));
}

/// A reply whose layers each decompress to most of the budget: refused as a whole (each
/// level alone fits; before the shared budget, every level could take the whole maximum).
#[test]
fn nested_bombs_share_one_budget() {
    let layer = (MAX_DECOMPRESSED_BYTES * 2 / 3) as usize;
    let mut inner = text("");
    inner.content = vec![b'a'; layer];
    compress(&mut inner, Compression::Deflate);
    let mut reply = text("");
    reply.r#type = Some(ContentTypeId::xmtp("reply").to_proto());
    reply.parameters = [("reference".to_owned(), ID.to_owned())].into_iter().collect();
    // The reply's own content: the inner EncodedContent, padded with an unknown field (which
    // the decoder skips) so that it also decompresses to two thirds of the budget.
    let mut body = inner.encode_to_vec();
    assert!(decode(&body).is_ok(), "the inner level alone fits");
    prost::encoding::bytes::encode(99, &vec![b'b'; layer], &mut body);
    reply.content = body;
    compress(&mut reply, Compression::Deflate);
    assert!(reply.content.len() < 100_000);
    assert_eq!(decode(&reply.encode_to_vec()), Err(ContentError::TooLarge));
}

#[test]
fn unknown_types_keep_fallback_and_newer_majors_are_unknown() {
    let mut e = text("hi");
    e.r#type = Some(
        ContentTypeId {
            authority_id: "example.com".into(),
            type_id: "poll".into(),
            version_major: 1,
            version_minor: 0,
        }
        .to_proto(),
    );
    e.fallback = Some("A poll".into());
    let d = decode(&e.encode_to_vec()).unwrap();
    assert_eq!(d.content, Content::Unknown);
    assert_eq!(d.preview(), "A poll");
    let mut e = text("hi");
    e.r#type = Some(ContentTypeId { version_major: 2, ..ContentTypeId::xmtp("text") }.to_proto());
    assert_eq!(decode(&e.encode_to_vec()).unwrap().content, Content::Unknown);
    let mut e = text("hi");
    e.r#type = Some(ContentTypeId { version_minor: 9, ..ContentTypeId::xmtp("text") }.to_proto());
    assert_eq!(decode(&e.encode_to_vec()).unwrap().content, Content::Text("hi".into()));
}

#[test]
fn reaction_both_forms() {
    let r = Reaction {
        reference: ID.into(),
        action: ReactionAction::Added,
        schema: ReactionSchema::Unicode,
        content: "👍".into(),
    };
    let d = decode(&reaction(&r).encode_to_vec()).unwrap();
    assert_eq!(d.content, Content::Reaction(r.clone()));
    assert!(!d.should_push());
    let legacy = pb::EncodedContent {
        r#type: Some(ContentTypeId::xmtp("reaction").to_proto()),
        parameters: [("action", "added"), ("reference", ID), ("schema", "unicode"), ("encoding", "UTF-8")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        fallback: None,
        content: "👍".as_bytes().to_vec(),
        compression: None,
    };
    assert_eq!(decode(&legacy.encode_to_vec()).unwrap().content, Content::Reaction(r));
}

#[test]
fn content_type_display_round_trips() {
    let t = ContentTypeId::parse("xmtp.org/reply:1.0").unwrap();
    assert_eq!(t, ContentTypeId::xmtp("reply"));
    assert_eq!(ContentTypeId::parse("nonsense"), None);
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn text_round_trips(s in ".{0,200}") {
        prop_assert_eq!(decode(&text(&s).encode_to_vec()).unwrap().content, Content::Text(s));
    }
}

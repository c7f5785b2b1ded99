//! Tests of the rich content codecs: reply, reaction, read receipt, attachments, remote
//! attachments, and the reference's parameter order.

use super::*;
use proptest::prelude::*;
use prost::Message as _;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const ID: &str = "0b2f6c3a1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

fn file() -> Attachment {
    Attachment {
        filename: "cat.png".into(),
        mime_type: "image/png".into(),
        data: vec![0x89, b'P', b'N', b'G', 1, 2, 3],
    }
}

#[test]
fn reply_carries_its_inner_content_and_quotes_text_in_the_fallback() {
    let r = reply(ID, &text("yes")).unwrap();
    assert_eq!(r.fallback.as_deref(), Some("Replied with \u{201c}yes\u{201d} to an earlier message"));
    assert_eq!(r.parameters.get("contentType").map(String::as_str), Some("xmtp.org/text:1.0"));
    let d = decode(&r.encode_to_vec()).unwrap();
    let Content::Reply { reference, inner } = &d.content else { panic!("not a reply: {d:?}") };
    assert_eq!(reference, ID);
    assert_eq!(inner.content, Content::Text("yes".into()));
    assert_eq!(d.preview(), "yes");
    assert!(d.should_push());

    let with_file = reply(ID, &attachment(&file())).unwrap();
    assert_eq!(with_file.fallback.as_deref(), Some("Replied to an earlier message"));
    let inner = pb::EncodedContent::decode(with_file.content.as_slice()).unwrap();
    assert_eq!(inner.fallback, None, "the inner content carries no fallback, as the reference's");
    assert_eq!(decode(&with_file.encode_to_vec()).unwrap().body().content, Content::Attachment(file()));
}

#[test]
fn a_reference_that_is_not_a_message_id_is_refused() {
    for bad in ["", "ab", &"g".repeat(64), &format!("{ID}00")] {
        let r = reply(bad, &text("x")).unwrap();
        assert_eq!(decode(&r.encode_to_vec()), Err(ContentError::BadParameter("reference")), "{bad:?}");
    }
    // Upper-case hex is read as the same id.
    let r = reply(&ID.to_uppercase(), &text("x")).unwrap();
    assert!(matches!(decode(&r.encode_to_vec()).unwrap().content, Content::Reply { reference, .. } if reference == ID));
}

#[test]
fn reaction_wire_form_and_fallbacks() {
    let mut r = Reaction {
        reference: ID.into(),
        action: ReactionAction::Added,
        schema: ReactionSchema::Unicode,
        content: "👍".into(),
    };
    let e = reaction(&r);
    assert_eq!(
        String::from_utf8(e.content.clone()).unwrap(),
        format!(r#"{{"action":"added","reference":"{ID}","schema":"unicode","content":"👍"}}"#)
    );
    assert!(e.parameters.is_empty());
    assert_eq!(e.fallback.as_deref(), Some("Reacted \u{201c}👍\u{201d} to an earlier message"));
    r.action = ReactionAction::Removed;
    assert_eq!(reaction(&r).fallback.as_deref(), Some("Removed \u{201c}👍\u{201d} from an earlier message"));
    let bad = pb::EncodedContent { content: br#"{"action":"liked"}"#.to_vec(), ..reaction(&r) };
    assert_eq!(decode(&bad.encode_to_vec()), Err(ContentError::BadReaction));
}

#[test]
fn read_receipt_is_empty_and_silent() {
    let e = read_receipt();
    assert!(e.content.is_empty() && e.parameters.is_empty() && e.fallback.is_none());
    let d = decode(&e.encode_to_vec()).unwrap();
    assert_eq!(d.content, Content::ReadReceipt);
    assert!(!d.should_push());
}

#[test]
fn attachment_round_trips_with_the_reference_fallback() {
    let e = attachment(&file());
    assert_eq!(
        e.fallback.as_deref(),
        Some("Can\u{2019}t display \"cat.png\". This app doesn\u{2019}t support attachments.")
    );
    let d = decode(&e.encode_to_vec()).unwrap();
    assert_eq!(d.content, Content::Attachment(file()));
    assert_eq!(d.preview(), "cat.png");
}

#[test]
fn remote_attachment_encrypts_opens_and_checks_the_digest_first() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let enc = remote::encrypt(&file(), &mut rng);
    let msg = enc.message("https://node.example/attachments/v1/x".into(), "cat.png", 7);
    let e = remote_attachment(&msg).unwrap();
    let d = decode(&to_bytes(&e)).unwrap();
    assert_eq!(d.content, Content::RemoteAttachment(msg.clone()));
    assert_eq!(d.preview(), "cat.png");
    assert_eq!(remote::open(&msg, &enc.payload, 1 << 20).unwrap().content, Content::Attachment(file()));

    let mut tampered = enc.payload.clone();
    tampered[0] ^= 1;
    assert_eq!(remote::open(&msg, &tampered, 1 << 20), Err(remote::RemoteError::DigestMismatch));
    assert_eq!(remote::open(&msg, &[], 1 << 20), Err(remote::RemoteError::Empty));
    assert_eq!(remote::open(&msg, &enc.payload, 4), Err(remote::RemoteError::TooLarge(4)));
    // The right file with a wrong secret: the digest matches, the tag does not.
    let wrong = RemoteAttachment { secret: vec![9; 32], ..msg };
    assert!(matches!(remote::open(&wrong, &enc.payload, 1 << 20), Err(remote::RemoteError::Cipher(_))));
}

#[test]
fn remote_attachment_urls_and_parameters_are_checked() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let enc = remote::encrypt(&file(), &mut rng);
    let msg = enc.message("http://127.0.0.1:5555/attachments/v1/x".into(), "cat.png", 7);
    let e = remote_attachment(&msg).unwrap();
    assert_eq!(e.parameters.get("scheme").map(String::as_str), Some("http://"));
    assert_eq!(
        remote_attachment(&RemoteAttachment { url: "ftp://x".into(), ..msg.clone() }),
        Err(ContentError::BadParameter("url"))
    );
    for (name, value) in
        [("salt", "00"), ("nonce", "zz"), ("secret", ""), ("contentDigest", "12"), ("contentLength", "-1")]
    {
        let mut bad = e.clone();
        bad.parameters.insert(name.into(), value.into());
        assert_eq!(decode(&bad.encode_to_vec()), Err(ContentError::BadParameter(name)), "{name}");
    }
    let mut bad = e.clone();
    bad.content = b"file:///etc/passwd".to_vec();
    assert_eq!(decode(&bad.encode_to_vec()), Err(ContentError::BadParameter("url")));
}

#[test]
fn remote_attachment_parameters_are_written_in_the_reference_order() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let msg = remote::encrypt(&file(), &mut rng).message("https://x/y".into(), "cat.png", 7);
    let bytes = to_bytes(&remote_attachment(&msg).unwrap());
    let keys: Vec<usize> = ["contentDigest", "salt", "nonce", "secret", "scheme", "contentLength", "filename"]
        .iter()
        .map(|k| bytes.windows(k.len()).position(|w| w == k.as_bytes()).unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    // The same message as prost writes it (sorted keys).
    assert_eq!(pb::EncodedContent::decode(bytes.as_slice()).unwrap(), remote_attachment(&msg).unwrap());
    // Other types are prost's bytes.
    assert_eq!(to_bytes(&text("x")), text("x").encode_to_vec());
}

#[test]
fn compression_is_written_before_content_as_the_reference_does() {
    // The reference's proto declares `compression = 5` before `content = 4` and writes fields
    // in declaration order; prost writes them by number.
    let mut e = text("compress me, compress me, compress me");
    compress(&mut e, Compression::Deflate);
    let bytes = to_bytes(&e);
    let at = |needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle).unwrap();
    assert!(at(&[0x28, 0x00]) < at(&[0x22, e.content.len() as u8]), "{}", hex::encode(&bytes));
    assert_eq!(pb::EncodedContent::decode(bytes.as_slice()).unwrap(), e);
    // Absent compression and empty content are not written, as the reference.
    assert_eq!(to_bytes(&read_receipt()), read_receipt().encode_to_vec());
}

#[test]
fn a_reply_writes_its_inner_content_in_the_reference_order() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let msg = remote::encrypt(&file(), &mut rng).message("https://x/y".into(), "cat.png", 7);
    let mut inner = remote_attachment(&msg).unwrap();
    let r = reply(ID, &inner).unwrap();
    inner.fallback = None;
    assert_eq!(r.content, to_bytes(&inner));
    let mut compressed = text("compress me, compress me, compress me");
    compress(&mut compressed, Compression::Gzip);
    assert_eq!(reply(ID, &compressed).unwrap().content, to_bytes(&compressed));
}

proptest! {
    #[test]
    fn reference_order_bytes_are_the_same_message(
        remote: bool,
        params in proptest::collection::btree_map("[a-zA-Z]{0,12}", ".{0,20}", 0..8),
        fallback in proptest::option::of(".{0,30}"),
        compression in proptest::option::of(0i32..3),
        content in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let t = if remote { "remoteStaticAttachment" } else { "attachment" };
        let e = pb::EncodedContent {
            r#type: Some(ContentTypeId::xmtp(t).to_proto()),
            parameters: params,
            fallback,
            content,
            compression,
        };
        let bytes = to_bytes(&e);
        prop_assert_eq!(bytes.len(), e.encoded_len());
        prop_assert_eq!(pb::EncodedContent::decode(bytes.as_slice()).unwrap(), e);
    }

    #[test]
    fn replies_round_trip(s in ".{0,100}", id in "[0-9a-f]{64}") {
        let d = decode(&reply(&id, &text(&s)).unwrap().encode_to_vec()).unwrap();
        prop_assert_eq!(d.body().content.clone(), Content::Text(s));
    }

    #[test]
    fn reactions_round_trip(emoji in ".{1,20}", id in "[0-9a-f]{64}", removed: bool) {
        let r = Reaction {
            reference: id,
            action: if removed { ReactionAction::Removed } else { ReactionAction::Added },
            schema: ReactionSchema::Unicode,
            content: emoji,
        };
        prop_assert_eq!(decode(&reaction(&r).encode_to_vec()).unwrap().content, Content::Reaction(r));
    }

    #[test]
    fn remote_files_round_trip(data in proptest::collection::vec(any::<u8>(), 1..2000), seed: u64) {
        let f = Attachment { filename: "f".into(), mime_type: "application/octet-stream".into(), data };
        let enc = remote::encrypt(&f, &mut ChaCha20Rng::seed_from_u64(seed));
        let msg = enc.message("https://x/y".into(), "f", f.data.len() as u64);
        prop_assert_eq!(remote::open(&msg, &enc.payload, 1 << 20).unwrap().content, Content::Attachment(f));
    }
}

#[test]
fn debug_output_never_shows_a_remote_attachments_secret() {
    // From a review: the derived Debug of DecodedContent printed `parameters`, secret included.
    let enc = remote::encrypt(&file(), &mut ChaCha20Rng::seed_from_u64(3));
    let msg = enc.message("https://x/y".into(), "cat.png", 7);
    let secret = hex::encode(enc.secret.expose());
    let outer = decode(&reply(ID, &remote_attachment(&msg).unwrap()).unwrap().encode_to_vec()).unwrap();
    for shown in [format!("{outer:?}"), format!("{:?}", outer.body()), format!("{msg:?}"), format!("{enc:?}")] {
        assert!(!shown.contains(&secret), "{shown}");
    }
}

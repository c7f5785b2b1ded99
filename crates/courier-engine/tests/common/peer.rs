//! A hostile peer for the engine's tests: our own crates used directly, to publish what the
//! engine never would (invitations to rooms it chose, messages with any time, signer or content).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use courier_engine::Engine;
use rand_core::{OsRng, RngCore as _};
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::{Secret, Topic, topic, v2};
use xmtp_proto::message_api::v1::Envelope;

pub fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// A V2 conversation whose key the hostile peer chose (and so knows).
pub struct Room {
    pub topic: Topic,
    pub key: Secret<[u8; 32]>,
}

/// `from` invites `to` to a new room; the invitation is honest, what follows need not be.
pub async fn invite(from: &Engine, to: &Engine) -> Room {
    let mut id = [0u8; 16];
    OsRng.fill_bytes(&mut id);
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let room =
        Room { topic: Topic::parse(&format!("/xmtp/0/m-{}/proto", hex::encode(id))).unwrap(), key: Secret::new(key) };
    invite_at(from, to, &room, now_ns()).await;
    room
}

/// `from` invites `to` to `room` (any topic, any key), dated `created_ns`.
pub async fn invite_at(from: &Engine, to: &Engine, room: &Room, created_ns: u64) {
    let inv =
        Invitation { topic: room.topic.clone(), key_material: room.key.clone(), context: None, consent_proof: None };
    let sealed = invitation::seal(from.keys(), &to.keys().as_peer(), &inv, created_ns, &mut OsRng);
    let envelope = Envelope {
        content_topic: topic::invite(to.address()).into_string(),
        timestamp_ns: sealed.timestamp_ns,
        message: sealed.bytes.into(),
    };
    from.client().publish(vec![envelope]).await.unwrap();
}

/// `from` posts `encoded` content to `room`, claiming `created_ns` in the message and
/// `envelope_ns` on the envelope.
pub async fn post(from: &Engine, room: &Room, encoded: &[u8], created_ns: u64, envelope_ns: u64) {
    let sealed = v2::seal(from.keys(), &room.topic, room.key.expose(), encoded, created_ns, true, false, &mut OsRng);
    let envelope =
        Envelope { content_topic: room.topic.to_string(), timestamp_ns: envelope_ns, message: sealed.bytes.into() };
    from.client().publish(vec![envelope]).await.unwrap();
}

/// `EncodedContent` bytes of a text message.
pub fn text(s: &str) -> Vec<u8> {
    prost::Message::encode_to_vec(&xmtp_crypto::content::text(s))
}

/// `from` invites `to` to `room`, with a header that says `to` sent it (`to`'s public bundle as
/// sender, `from` as recipient). Anyone can: the 3DH secret is the same from either side, and
/// `from` computes it with its own keys as the "recipient".
pub async fn invite_as_if_from_them(from: &Engine, to: &Engine, room: &Room, created_ns: u64) {
    use prost::Message as _;
    use xmtp_crypto::dh::{Role, three_dh};
    use xmtp_proto::message_contents as pb;
    let header = pb::SealedInvitationHeaderV1 {
        sender: Some(to.keys().signed_public_bundle().clone()),
        recipient: Some(from.keys().signed_public_bundle().clone()),
        created_ns,
    }
    .encode_to_vec();
    let them = to.keys().as_peer();
    let own = from.keys();
    let secret = three_dh(
        Role::Recipient,
        own.identity().secret(),
        own.current_pre_key().secret(),
        them.identity().key(),
        them.pre_key().key(),
    );
    let invitation = pb::InvitationV1 {
        topic: room.topic.to_string(),
        context: None,
        encryption: Some(pb::invitation_v1::Encryption::Aes256GcmHkdfSha256(pb::invitation_v1::Aes256gcmHkdfsha256 {
            key_material: room.key.expose().to_vec(),
        })),
        consent_proof: None,
    }
    .encode_to_vec();
    let ciphertext = xmtp_crypto::cipher::encrypt(secret.expose(), &invitation, &header, &mut OsRng);
    let sealed = pb::SealedInvitation {
        version: Some(pb::sealed_invitation::Version::V1(pb::SealedInvitationV1 {
            header_bytes: header,
            ciphertext: Some(ciphertext),
        })),
    };
    let envelope = Envelope {
        content_topic: topic::invite(to.address()).into_string(),
        timestamp_ns: created_ns,
        message: sealed.encode_to_vec().into(),
    };
    from.client().publish(vec![envelope]).await.unwrap();
}

/// `EncodedContent` of a text of `mib` MiB of one letter, zlib-compressed without ever holding
/// the text: a decompression bomb that fits in an envelope.
pub fn text_bomb(mib: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..mib {
        z.write_all(&chunk).unwrap();
    }
    let mut e = xmtp_crypto::content::text("");
    e.content = z.finish().unwrap();
    e.compression = Some(xmtp_proto::message_contents::Compression::Deflate as i32);
    prost::Message::encode_to_vec(&e)
}

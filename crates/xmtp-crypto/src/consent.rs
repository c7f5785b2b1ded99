//! The consent list (spec §11.2): allow/deny actions on peer addresses, encrypted to the own
//! identity key on a private `userpreferences-` topic; and consent proofs (spec §11.3).

use base64::Engine as _;
use prost::Message as _;
use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use crate::address::WalletAddress;
use crate::cipher::{self, CipherError};
use crate::ecc::PrivateKey;
use crate::envelope::Sealed;
use crate::hash::{hkdf_sha256, sha256};
use crate::keys::{BundleError, decode};
use crate::secret::Secret;
use crate::topic::Topic;
use crate::wallet::WalletSignature;

/// One entry of the consent list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentAction {
    /// `allow_address`
    Allow(Vec<WalletAddress>),
    /// `deny_address`
    Deny(Vec<WalletAddress>),
}

/// Why a consent-list envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsentError {
    /// Malformed payload or action.
    #[error("consent list: {0}")]
    Decode(#[from] BundleError),
    /// The payload has no ciphertext.
    #[error("consent list entry has no ciphertext")]
    Missing,
    /// Not encrypted to this identity, or tampered.
    #[error("consent list: {0}")]
    Cipher(#[from] CipherError),
}

/// The topic of the consent list of the identity whose private key is `identity` (spec §11.2).
pub fn topic(identity: &PrivateKey) -> Topic {
    let secret = identity.to_bytes();
    let key = hkdf_sha256(secret.expose(), b"XMTP_PRIVATE_PREFERENCES_TOPIC", &[]);
    let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256(&[key.expose()]));
    crate::topic::built(format!("/xmtp/0/userpreferences-{id}/proto"))
}

fn encryption_key(identity: &PrivateKey) -> Secret<[u8; 32]> {
    hkdf_sha256(identity.to_bytes().expose(), b"XMTP_PRIVATE_PREFERENCES_ENCRYPTION", &[])
}

/// Seals one action for the consent list, published at `now_ns`.
pub fn seal(identity: &PrivateKey, action: &ConsentAction, now_ns: u64, rng: &mut impl CryptoRngCore) -> Sealed {
    use pb::private_preferences_action::{AllowAddress, DenyAddress, MessageType};
    let strings = |v: &[WalletAddress]| v.iter().map(|a| a.to_string()).collect();
    let message_type = match action {
        ConsentAction::Allow(a) => MessageType::AllowAddress(AllowAddress { wallet_addresses: strings(a) }),
        ConsentAction::Deny(a) => MessageType::DenyAddress(DenyAddress { wallet_addresses: strings(a) }),
    };
    let plain = pb::PrivatePreferencesAction { message_type: Some(message_type) }.encode_to_vec();
    let key = encryption_key(identity);
    let ct = cipher::encrypt(key.expose(), &plain, &identity.public_key().to_uncompressed(), rng);
    let payload = pb::PrivatePreferencesPayload { version: Some(pb::private_preferences_payload::Version::V1(ct)) };
    Sealed { topic: topic(identity), timestamp_ns: now_ns, bytes: payload.encode_to_vec() }
}

/// Opens one consent-list envelope. V3 actions (groups, inbox ids) and addresses that are not
/// valid are skipped: `Ok(None)` when nothing in it concerns V1/V2 peers.
pub fn open(identity: &PrivateKey, payload: &[u8]) -> Result<Option<ConsentAction>, ConsentError> {
    use pb::private_preferences_action::MessageType;
    let p: pb::PrivatePreferencesPayload = decode("PrivatePreferencesPayload", payload)?;
    let Some(pb::private_preferences_payload::Version::V1(ct)) = p.version else {
        return Err(ConsentError::Missing);
    };
    let key = encryption_key(identity);
    let plain = cipher::decrypt(key.expose(), &ct, &identity.public_key().to_uncompressed())?;
    let action: pb::PrivatePreferencesAction = decode("PrivatePreferencesAction", plain.expose())?;
    let parse = |v: Vec<String>| v.iter().filter_map(|a| WalletAddress::parse(a).ok()).collect::<Vec<_>>();
    Ok(match action.message_type {
        Some(MessageType::AllowAddress(a)) => Some(ConsentAction::Allow(parse(a.wallet_addresses))),
        Some(MessageType::DenyAddress(d)) => Some(ConsentAction::Deny(parse(d.wallet_addresses))),
        _ => None,
    })
}

/// What identifies a consent-list entry whatever its encoding: SHA-256 of its AES-GCM salt,
/// nonce and ciphertext (fixed lengths, then the rest), the bytes the key and the tag cover.
/// Re-encoding the envelope (an unknown field appended, fields reordered) changes the envelope's
/// bytes but not this, so a republished copy of an old entry is recognised as that entry.
pub fn entry_id(payload: &[u8]) -> Result<[u8; 32], ConsentError> {
    let p: pb::PrivatePreferencesPayload = decode("PrivatePreferencesPayload", payload)?;
    let Some(pb::private_preferences_payload::Version::V1(ct)) = p.version else {
        return Err(ConsentError::Missing);
    };
    let Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(c)) = &ct.union else {
        return Err(CipherError::UnsupportedCiphertext.into());
    };
    Ok(sha256(&[&c.hkdf_salt, &c.gcm_nonce, &c.payload]))
}

/// `Date.prototype.toUTCString()` of a ms timestamp: `Tue, 14 Nov 2023 22:13:20 GMT`.
pub fn utc_string(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = crate::civil::date(days);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The text a user's wallet signs to grant `sender` consent (spec §3.2).
pub fn grant_text(timestamp_ms: u64, sender: &WalletAddress) -> String {
    format!(
        "XMTP : Grant inbox consent to sender\n\nCurrent Time: {}\nFrom Address: {sender}\n\nFor more info: https://xmtp.org/signatures/",
        utc_string(timestamp_ms)
    )
}

const THIRTY_DAYS_MS: u64 = 30 * 24 * 3600 * 1000;

/// Whether a consent proof in an invitation from `peer` was signed by `own` within the last 30
/// days and not in the future (spec §11.3).
pub fn proof_is_valid(proof: &pb::ConsentProofPayload, peer: &WalletAddress, own: &WalletAddress, now_ms: u64) -> bool {
    let ts = proof.timestamp;
    if ts == 0 || ts > now_ms || ts < now_ms.saturating_sub(THIRTY_DAYS_MS) {
        return false;
    }
    let Ok(sig) = WalletSignature::from_hex(&proof.signature) else { return false };
    sig.recover_address(grant_text(ts, peer).as_bytes()).is_ok_and(|a| &a == own)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a_identity() -> PrivateKey {
        PrivateKey::from_bytes(
            &hex::decode("67ff3e2f250cc9af940f983a3c2965d96468ee138c82112fed4146cafcaf6354").unwrap(),
        )
        .unwrap()
    }

    /// A copy with an unknown field appended still opens, and is still the same entry.
    #[test]
    fn an_entry_is_identified_whatever_its_encoding() {
        let k = a_identity();
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(7);
        let allow = ConsentAction::Allow(vec![WalletAddress::from_raw([9; 20])]);
        let one = seal(&k, &allow, 1, &mut rng).bytes;
        let two = seal(&k, &allow, 1, &mut rng).bytes;
        let mut reencoded = one.clone();
        reencoded.extend_from_slice(&[0x78, 0x00]);
        assert_eq!(open(&k, &reencoded).unwrap(), Some(allow));
        assert_eq!(entry_id(&reencoded).unwrap(), entry_id(&one).unwrap());
        assert_ne!(entry_id(&two).unwrap(), entry_id(&one).unwrap(), "the same action sealed again is a new entry");
        assert!(entry_id(b"junk").is_err());
    }

    #[test]
    fn spec_11_2_and_a13() {
        let k = PrivateKey::from_bytes(
            &hex::decode("45efdf1103db7e15ac4a37127bf0f6959e4ab7e5ec6285b85f2c82238a7124d3").unwrap(),
        )
        .unwrap();
        assert_eq!(topic(&k), "/xmtp/0/userpreferences-EBsHSM9lLmELuUVCMJ-tPE0kDcok1io9IwUO6WPC-cM/proto");
        let a = a_identity();
        assert_eq!(topic(&a), "/xmtp/0/userpreferences-993ZKxQTkEgdOWaFho8TWfCQJ01EkWbMMRm8EjbOK_U/proto");
        assert_eq!(
            hex::encode(encryption_key(&a).expose()),
            "08262e10a1d38fae2d1706a477004e605308bfd965e425035d44917a114756e6"
        );
        let payload = hex::decode("0a720a700a20571f87c95f23e5359d4c2c8ef732b840567bf467499dc19d07173f8274c649e2120cbc19d2af992c4144d3885a1e1a3eb83ff492132a04cbf79b89a48dbc01c07c71d3de2987c4a0f339aec51a17a71201ac2fc8a2716c04155511862515d1a3b31f6ba5f8c7f988a6a1ae0366d3").unwrap();
        let b = WalletAddress::parse("0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184").unwrap();
        assert_eq!(open(&a, &payload).unwrap(), Some(ConsentAction::Allow(vec![b.clone()])));
        let other = PrivateKey::from_bytes(&[7u8; 32]).unwrap();
        assert!(matches!(open(&other, &payload), Err(ConsentError::Cipher(_))));
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
        let s = seal(&a, &ConsentAction::Deny(vec![b.clone()]), 5, &mut rng);
        assert_eq!(open(&a, &s.bytes).unwrap(), Some(ConsentAction::Deny(vec![b])));
        assert!(open(&a, &[0xff]).is_err());
    }

    #[test]
    fn spec_a14_consent_proof() {
        let b = WalletAddress::parse("0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184").unwrap();
        let a = WalletAddress::parse("0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0").unwrap();
        assert_eq!(utc_string(1_700_000_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(utc_string(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(utc_string(951_782_400_000), "Tue, 29 Feb 2000 00:00:00 GMT");
        let text = grant_text(1_700_000_000_000, &b);
        assert_eq!(
            hex::encode(crate::wallet::eip191_hash(text.as_bytes())),
            "40beaba6b0169a1665f8b732e9b799fdb8b67073e746ccd749870b68276c289e"
        );
        let proof = pb::ConsentProofPayload::decode(hex::decode("0a84013078386663666632356665306136326163616462363535366461323561303532653636653330646637623064623537386231636161393264623363376163323862303335336235323265303964393734313034326162343333376437336366303531643232376232316163366365333235633062653533616639333936386230366531631080d095ffbc311801").unwrap().as_slice()).unwrap();
        let day = 24 * 3600 * 1000;
        assert!(proof_is_valid(&proof, &b, &a, 1_700_000_000_000 + day));
        assert!(!proof_is_valid(&proof, &b, &a, 1_700_000_000_000 + 31 * day), "older than 30 days");
        assert!(!proof_is_valid(&proof, &b, &a, 1_699_999_999_999), "in the future");
        assert!(!proof_is_valid(&proof, &a, &a, 1_700_000_000_000 + day), "for another sender");
        assert!(!proof_is_valid(&proof, &b, &b, 1_700_000_000_000 + day), "signed by someone else");
    }
}

//! `courier vectors check`, identities: each must decode, verify and re-encode exactly.

use prost::Message as _;
use serde_json::Value;
use xmtp_crypto::ecc::PrivateKey;
use xmtp_crypto::keys::{PeerBundle, PrivateKeyBundle};
use xmtp_crypto::wallet::{LocalWallet, WalletSigner};
use xmtp_crypto::xmtp_proto::message_contents as pb;
use xmtp_crypto::{auth, storage, topic};

use super::check::{Identity, eq};
use super::json::{R, field, hex_field, string, u64_field};
use super::replay::ReplayRng;

pub(super) fn check_identity(ident: &Identity) -> R<()> {
    let j = &ident.json;
    let b = &ident.bundle;
    if let Ok(addr) = string(j, "address") {
        eq("address", b.address().as_str(), addr)?;
    }
    if let Ok(want) = hex_field(j, "private_key_bundle_v1_hex") {
        eq("PrivateKeyBundle{v1} re-encoded", hex::encode(b.encode_v1().expose()), hex::encode(want))?;
    }
    if let Ok(inner) = hex_field(j, "private_key_bundle_v1_inner_hex") {
        let bare = PrivateKeyBundle::decode(&inner).map_err(|e| format!("bare PrivateKeyBundleV1: {e}"))?;
        eq("bare bundle address", bare.address(), b.address())?;
    }
    if let Ok(want) = hex_field(j, "private_key_bundle_v2_hex") {
        eq("PrivateKeyBundle{v2}", hex::encode(b.encode_v2().expose()), hex::encode(&want))?;
        if PrivateKeyBundle::decode(&want).is_ok() {
            return Err("a stored V2 bundle must be refused".into());
        }
    }
    if let Ok(want) = hex_field(j, "public_key_bundle_hex") {
        eq("PublicKeyBundle", hex::encode(b.public_bundle().encode_to_vec()), hex::encode(want))?;
    }
    if let Ok(want) = hex_field(j, "signed_public_key_bundle_hex") {
        eq("SignedPublicKeyBundle", hex::encode(b.signed_public_bundle().encode_to_vec()), hex::encode(want))?;
    }
    if let Some(contacts) = j.get("contact_bundles").and_then(Value::as_array) {
        let ours = b.contact_bundles();
        for (i, c) in contacts.iter().enumerate() {
            let bytes = hex_field(c, "message_hex")?;
            let peer = PeerBundle::from_contact_bytes(&bytes).map_err(|e| format!("contact bundle {i}: {e}"))?;
            eq("contact bundle address", peer.address(), b.address())?;
            eq("contact topic", string(c, "content_topic")?, topic::contact(b.address()).as_str())?;
            if let Some(o) = ours.get(i) {
                eq("contact bundle bytes", hex::encode(o), hex::encode(&bytes))?;
            }
        }
    }
    // Rebuild the whole identity from its secrets: RFC 6979 signatures make it exact.
    if let (Ok(wallet_hex), Some(ik), Some(pk)) =
        (string(j, "wallet_private_key_hex"), j.get("identity_key"), j.pointer("/pre_keys/0"))
    {
        let wallet = LocalWallet::from_hex(wallet_hex).map_err(|e| e.to_string())?;
        eq("wallet address", &wallet.address(), b.address())?;
        let rebuilt = PrivateKeyBundle::from_secrets(
            &wallet,
            PrivateKey::from_bytes(&hex_field(ik, "private_key_hex")?).map_err(|e| e.to_string())?,
            u64_field(ik, "timestamp_ms")?,
            PrivateKey::from_bytes(&hex_field(pk, "private_key_hex")?).map_err(|e| e.to_string())?,
            u64_field(pk, "timestamp_ms")?,
        )
        .map_err(|e| e.to_string())?;
        eq(
            "identity rebuilt from secrets",
            hex::encode(rebuilt.encode_v1().expose()),
            hex::encode(b.encode_v1().expose()),
        )?;
        if let Some(enc) = j.get("encrypted_private_key_bundle") {
            let env = field(enc, "envelope")?;
            eq("private store topic", string(env, "content_topic")?, topic::private_store(b.address()).as_str())?;
            let stored = hex_field(env, "message_hex")?;
            let opened = storage::decrypt(&stored, &wallet).map_err(|e| e.to_string())?;
            eq(
                "decrypted stored bundle",
                hex::encode(opened.encode_v1().expose()),
                hex::encode(b.encode_v1().expose()),
            )?;
            let ct = field(enc, "ciphertext")?;
            let mut rng = ReplayRng::new(&[
                &hex_field(enc, "wallet_pre_key_hex")?,
                &hex_field(ct, "hkdf_salt_hex")?,
                &hex_field(ct, "gcm_nonce_hex")?,
            ]);
            let again = storage::encrypt(b, &wallet, &mut rng).map_err(|e| e.to_string())?;
            eq("re-encrypted stored bundle", hex::encode(again), hex::encode(hex_field(enc, "bytes_hex")?))?;
        }
    } else if let Some(env) = j.pointer("/encrypted_private_key_bundle/envelope") {
        // Without the wallet key the stored bundle can only be checked for shape.
        let bytes = hex_field(env, "message_hex")?;
        pb::EncryptedPrivateKeyBundle::decode(bytes.as_slice()).map_err(|e| format!("stored bundle: {e}"))?;
    }
    if let Some(tok) = j.get("auth_token") {
        let bytes =
            auth::parse_bearer(&format!("Bearer {}", string(tok, "token_base64")?)).map_err(|e| e.to_string())?;
        let v = auth::verify(&bytes, None).map_err(|e| format!("auth token: {e}"))?;
        eq("auth token wallet", &v.wallet, b.address())?;
        eq("auth token re-created", hex::encode(auth::create(b, v.created_ns)), hex::encode(&bytes))?;
    }
    Ok(())
}

//! V2 conversation keys at rest: sealed with AES-256-GCM under a key derived from the identity
//! key (AAD = the topic), so the store never holds them in the clear; unsealed keys are kept in
//! memory for the session.

use std::collections::HashMap;
use std::sync::Mutex;

use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::{Secret, Topic, cipher, hash};

/// A sealed conversation key that does not open (a damaged store, or another identity's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored key of conversation {0} cannot be unsealed")]
pub struct KeyUnreadable(pub Topic);

/// Seals and unseals V2 conversation keys; caches unsealed ones.
pub(crate) struct KeyVault {
    store_key: Secret<[u8; 32]>,
    open: Mutex<HashMap<Topic, Secret<[u8; 32]>>>,
}

impl std::fmt::Debug for KeyVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyVault").finish_non_exhaustive()
    }
}

impl KeyVault {
    pub(crate) fn new(keys: &PrivateKeyBundle) -> Self {
        let identity = keys.identity().secret().to_bytes();
        Self {
            store_key: hash::hkdf_sha256(identity.expose(), b"courier/store/conversation-keys", &[]),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The key sealed for the store. Nothing is cached here: a key becomes the conversation's
    /// only once it is stored (a hostile invitation naming a known topic is never stored, and
    /// must not replace that conversation's key).
    pub(crate) fn seal(&self, topic: &Topic, key: &Secret<[u8; 32]>) -> Vec<u8> {
        cipher::encrypt(self.store_key.expose(), key.expose(), topic.as_bytes(), &mut OsRng).encode_to_vec()
    }

    /// The key of a V2 conversation from its sealed form.
    pub(crate) fn unseal(&self, topic: &Topic, sealed: &[u8]) -> Result<Secret<[u8; 32]>, KeyUnreadable> {
        if let Some(k) = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(topic) {
            return Ok(k.clone());
        }
        let unreadable = || KeyUnreadable(topic.clone());
        let ct = xmtp_crypto::xmtp_proto::message_contents::Ciphertext::decode(sealed).map_err(|_| unreadable())?;
        let plain = cipher::decrypt(self.store_key.expose(), &ct, topic.as_bytes()).map_err(|_| unreadable())?;
        let key: [u8; 32] = plain.expose().as_slice().try_into().map_err(|_| unreadable())?;
        let key = Secret::new(key);
        self.cache(topic, key.clone());
        Ok(key)
    }

    /// Drops the opened key of `topic`, if any (its conversation's key was replaced).
    pub(crate) fn forget(&self, topic: &Topic) {
        self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(topic);
    }

    fn cache(&self, topic: &Topic, key: Secret<[u8; 32]>) {
        self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(topic.clone(), key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;
    use xmtp_crypto::wallet::LocalWallet;

    fn keys() -> PrivateKeyBundle {
        PrivateKeyBundle::generate(&LocalWallet::generate(&mut OsRng), 1, &mut OsRng).unwrap()
    }

    #[test]
    fn keys_open_only_with_the_same_identity_and_topic() {
        let (a, b) = (keys(), keys());
        let t = xmtp_crypto::topic::dm(a.address(), b.address());
        let other = xmtp_crypto::topic::intro(a.address());
        let key = Secret::new([7u8; 32]);
        let sealed = KeyVault::new(&a).seal(&t, &key);
        assert!(!sealed.windows(32).any(|w| w == [7u8; 32]), "never in the clear");
        assert_eq!(KeyVault::new(&a).unseal(&t, &sealed).map(|k| *k.expose()), Ok([7u8; 32]));
        assert_eq!(KeyVault::new(&b).unseal(&t, &sealed).map(|_| ()), Err(KeyUnreadable(t.clone())));
        assert!(KeyVault::new(&a).unseal(&other, &sealed).is_err());
        assert!(KeyVault::new(&a).unseal(&t, b"junk").is_err());
    }
}

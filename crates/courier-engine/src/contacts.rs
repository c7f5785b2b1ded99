//! Contact bundles: publishing our own (spec §4.3) and looking up a peer's, verified, with a
//! cache in the store.

use xmtp_crypto::keys::PeerBundle;
use xmtp_crypto::{WalletAddress, topic};
use xmtp_proto::message_api::v1::Envelope;

use crate::engine::{Engine, now_ms, now_ns};
use crate::error::EngineError;

/// Contact bundles are looked up again after this long.
const CONTACT_TTL_MS: u64 = 10 * 60 * 1000;

impl Engine {
    /// Publishes the contact bundles unless the newest one on the node is already ours: V1
    /// first, then V2, so that other clients start V2 conversations.
    pub async fn ensure_contact_published(&self) -> Result<(), EngineError> {
        let t = topic::contact(self.address());
        let client = self.client();
        let newest = client.newest(&t, 1).await?;
        let [v1b, v2b] = self.inner.keys.contact_bundles();
        if newest.first().is_some_and(|e| e.message.as_ref() == v2b.as_slice()) {
            return Ok(());
        }
        let now = now_ns();
        let env = |ts, b: Vec<u8>| Envelope { content_topic: t.to_string(), timestamp_ns: ts, message: b.into() };
        client.publish(vec![env(now, v1b), env(now + 1, v2b)]).await?;
        Ok(())
    }

    /// The peer's verified bundle (cached for a while), or `NotOnNetwork`.
    pub async fn peer_bundle(&self, peer: &WalletAddress) -> Result<PeerBundle, EngineError> {
        let now = now_ms();
        let cached = {
            let p = peer.clone();
            self.with_store(move |s| s.contact(&p)).await?
        };
        if let Some((bytes, fetched)) = cached
            && now.saturating_sub(fetched) < CONTACT_TTL_MS
            && let Ok(b) = PeerBundle::from_contact_bytes(&bytes)
            && b.address() == peer
        {
            return Ok(b);
        }
        for e in self.client().newest(&topic::contact(peer), 5).await? {
            if let Ok(b) = PeerBundle::from_contact_bytes(&e.message)
                && b.address() == peer
            {
                let (p, bytes) = (peer.clone(), e.message.to_vec());
                self.with_store(move |s| s.write(|w| w.set_contact(&p, &bytes, now))).await?;
                return Ok(b);
            }
        }
        Err(EngineError::NotOnNetwork(peer.clone()))
    }

    /// Whether `peer` can be messaged (has a valid contact bundle).
    pub async fn can_message(&self, peer: &WalletAddress) -> Result<bool, EngineError> {
        match self.peer_bundle(peer).await {
            Ok(_) => Ok(true),
            Err(EngineError::NotOnNetwork(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

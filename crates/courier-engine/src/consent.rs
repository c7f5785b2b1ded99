//! Consent (spec §11.2–§11.3): allowing and blocking peers, published to the own consent list
//! so that the account's other devices follow; and consent proofs carried by invitations.

use courier_store::{ConsentState, Outgoing};
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::WalletAddress;
use xmtp_crypto::consent::{self, ConsentAction};
use xmtp_proto::message_api::v1::PublishRequest;
use xmtp_proto::message_contents::ConsentProofPayload;

use crate::engine::{Engine, now_ms, now_ns};
use crate::error::EngineError;
use crate::send::envelope;

impl Engine {
    /// Allows or blocks a peer: stored at once and published to the consent list.
    pub async fn set_consent(&self, peer: &WalletAddress, allow: bool) -> Result<(), EngineError> {
        let (action, state) = if allow {
            (ConsentAction::Allow(vec![peer.clone()]), ConsentState::Allowed)
        } else {
            (ConsentAction::Deny(vec![peer.clone()]), ConsentState::Denied)
        };
        let now = now_ns();
        let sealed = consent::seal(self.inner.keys.identity().secret(), &action, now, &mut OsRng);
        // Seen once already: a copy republished later (by anyone: the topic is public) counts
        // for nothing, even before this device reads its own entry back.
        // (Our own sealed entry always has an id.)
        let digest = consent::entry_id(&sealed.bytes).ok();
        let payload = PublishRequest { envelopes: vec![envelope(&sealed)] }.encode_to_vec();
        let p = peer.clone();
        self.with_store(move |s| {
            s.write(|w| {
                w.set_consent(&p, state, now)?;
                if let Some(d) = &digest {
                    w.consent_entry_is_new(d)?;
                }
                w.enqueue(&Outgoing::Consent, &payload)
            })
        })
        .await?;
        self.wake_outbox();
        Ok(())
    }

    /// A peer's consent state.
    pub async fn consent(&self, peer: &WalletAddress) -> Result<ConsentState, EngineError> {
        let p = peer.clone();
        self.with_store(move |s| s.consent(&p)).await
    }

    /// Conversations whose invitation carries a valid consent proof from us, with a peer still
    /// unknown, allow that peer (spec §11.3).
    pub(crate) async fn apply_consent_proofs(&self) -> Result<(), EngineError> {
        let convs = self.with_store(|s| s.conversations()).await?;
        for c in convs {
            let Some(proof) = c.consent_proof.as_ref() else { continue };
            let Ok(proof) = ConsentProofPayload::decode(proof.as_slice()) else { continue };
            if self.consent(&c.peer).await? != ConsentState::Unknown {
                continue;
            }
            if consent::proof_is_valid(&proof, &c.peer, self.address(), now_ms()) {
                self.set_consent(&c.peer, true).await?;
            }
        }
        Ok(())
    }
}

//! Auth tokens for publishing to a node (spec §12.7): created by a client with its identity key,
//! verified by the node.

use base64::Engine as _;
use prost::Message as _;
use xmtp_proto::message_api::v1 as api;

use crate::address::WalletAddress;
use crate::ecc::PublicKey;
use crate::hash::keccak256;
use crate::keys::{
    BundleError, PrivateKeyBundle, SignatureKind, SignedKey, decode, signature_from_proto, signature_to_proto,
};

/// Tokens older than this are refused (ns).
pub const TOKEN_MAX_AGE_NS: u64 = 3_600 * 1_000_000_000;

/// Why a token is refused. Every variant maps to gRPC UNAUTHENTICATED, except
/// [`AuthError::RestrictedTopic`] (PERMISSION_DENIED).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `authorization` header, or not `Bearer <token>`.
    #[error("authorization header missing or not a Bearer token")]
    MissingBearer,
    /// The token is not base64.
    #[error("token is not base64")]
    NotBase64,
    /// The token or its parts are malformed.
    #[error("malformed token: {0}")]
    Malformed(#[from] BundleError),
    /// `auth_data_signature` is not an `ecdsa_compact` signature by the identity key over
    /// keccak256(auth_data_bytes).
    #[error("auth data signature invalid")]
    BadSignature,
    /// `AuthData.wallet_addr` differs from the address the identity key recovers to.
    #[error("wallet address mismatch: identity key signed by {recovered}, token names {claimed}")]
    WalletMismatch {
        /// The address the identity key's wallet signature recovers to.
        recovered: WalletAddress,
        /// What the token claims.
        claimed: String,
    },
    /// Older than one hour.
    #[error("token expired")]
    Expired,
    /// Publishing to another wallet's `contact-` or `privatestore-` topic.
    #[error("publishing to restricted topic")]
    RestrictedTopic,
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The wallet the token speaks for.
    pub wallet: WalletAddress,
    /// When it was made (ns).
    pub created_ns: u64,
    /// The identity key that signed it.
    pub identity_key: PublicKey,
}

/// `PB(Token)` for `own`, created at `created_ns` (spec §12.7).
pub fn create(own: &PrivateKeyBundle, created_ns: u64) -> Vec<u8> {
    let auth_data_bytes = api::AuthData { wallet_addr: own.address().to_string(), created_ns }.encode_to_vec();
    let sig = own.identity().secret().sign_prehash(&keccak256(&[&auth_data_bytes]));
    api::Token {
        identity_key: own.identity().public().to_legacy_proto().ok(),
        auth_data_bytes,
        auth_data_signature: Some(signature_to_proto(SignatureKind::EcdsaCompact, &sig)),
    }
    .encode_to_vec()
}

/// The header value: `Bearer <base64(token)>`.
pub fn bearer(token: &[u8]) -> String {
    format!("Bearer {}", base64::engine::general_purpose::STANDARD.encode(token))
}

/// Splits `Bearer <token>` and decodes the base64 (spec §12.7 step 1).
pub fn parse_bearer(header: &str) -> Result<Vec<u8>, AuthError> {
    let (scheme, token) = header.split_once(' ').ok_or(AuthError::MissingBearer)?;
    if scheme != "Bearer" || token.is_empty() {
        return Err(AuthError::MissingBearer);
    }
    base64::engine::general_purpose::STANDARD.decode(token).map_err(|_| AuthError::NotBase64)
}

/// Verifies a token as the node does (spec §12.7 steps 1–5). `now_ns = None` skips the expiry
/// check (for fixed-clock vectors).
pub fn verify(token: &[u8], now_ns: Option<u64>) -> Result<VerifiedToken, AuthError> {
    let token: api::Token = decode("Token", token)?;
    let identity = SignedKey::from_legacy(token.identity_key.as_ref().ok_or(BundleError::Missing("identity key"))?)?;
    let recovered = identity.wallet_address()?;
    let sig_pb = token.auth_data_signature.as_ref().ok_or(BundleError::Missing("auth data signature"))?;
    let (kind, sig) = signature_from_proto(sig_pb).map_err(|_| AuthError::BadSignature)?;
    if kind != SignatureKind::EcdsaCompact {
        return Err(AuthError::BadSignature);
    }
    identity.key().verify_prehash(&keccak256(&[&token.auth_data_bytes]), &sig).map_err(|_| AuthError::BadSignature)?;
    let data: api::AuthData = decode("AuthData", &token.auth_data_bytes)?;
    if data.wallet_addr != recovered.as_str() {
        return Err(AuthError::WalletMismatch { recovered, claimed: data.wallet_addr });
    }
    if let Some(now) = now_ns
        && now.saturating_sub(data.created_ns) > TOKEN_MAX_AGE_NS
    {
        return Err(AuthError::Expired);
    }
    Ok(VerifiedToken { wallet: recovered, created_ns: data.created_ns, identity_key: *identity.key() })
}

/// The topic rule (spec §12.7 step 6): only the owner may publish to its `contact-` and
/// `privatestore-` topics.
pub fn check_topic(wallet: &WalletAddress, topic: &str) -> Result<(), AuthError> {
    let Some(rest) = topic.strip_prefix("/xmtp/0/") else {
        return Ok(());
    };
    let segment = rest.split('/').next().unwrap_or("");
    let mut parts = segment.split('-');
    let category = parts.next().unwrap_or("");
    if (category == "contact" || category == "privatestore") && parts.next() != Some(wallet.as_str()) {
        return Err(AuthError::RestrictedTopic);
    }
    Ok(())
}

//! Proof that a node was started by a Courier of this user. The app that starts its embedded
//! node gives it a random key ([`NodeKey`]) kept in a file only this user can read. A client
//! that holds the key sends a fresh nonce in the request metadata [`CHALLENGE`]; the node answers
//! with the response metadata [`PROOF`]: `HMAC-SHA256(key, label ‖ nonce ‖ the node's gRPC
//! address)`. The address in the proof means a process that relays the challenge to a genuine
//! node listening elsewhere gets back a proof for that other address, which does not verify.
//!
//! A request without the challenge (or with a malformed one) is served as usual, without proof.
//! The layer wraps the gRPC service; it reads one header and adds one, nothing else.

use std::fmt;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use tonic::codegen::http::{HeaderValue, Request, Response};
use tonic::codegen::{BoxFuture, Service};
use tonic::server::NamedService;
use xmtp_crypto::Secret;

pub use xmtp_crypto::node_proof::{CHALLENGE, NONCE_LEN, PROOF};

/// The key a node proves itself with (32 random bytes). `Debug` never shows it.
#[derive(Clone)]
pub struct NodeKey(Secret<[u8; 32]>);

impl NodeKey {
    /// Wraps key bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Secret::new(bytes))
    }

    /// The proof for `nonce` from the node listening at `addr`.
    pub fn prove(&self, nonce: &[u8; NONCE_LEN], addr: SocketAddr) -> [u8; 32] {
        xmtp_crypto::node_proof::prove(self.0.expose(), nonce, addr)
    }

    /// Whether `proof` (as received, hex) is this key's proof for `nonce` from `addr` (in
    /// constant time).
    pub fn verify(&self, nonce: &[u8; NONCE_LEN], addr: SocketAddr, proof: &str) -> bool {
        xmtp_crypto::node_proof::verify(self.0.expose(), nonce, addr, proof)
    }
}

impl fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NodeKey(<redacted>)")
    }
}

/// The nonce in a request's challenge header, if it has a well-formed one.
fn challenge<B>(req: &Request<B>) -> Option<[u8; NONCE_LEN]> {
    let value = req.headers().get(CHALLENGE)?.as_bytes();
    let mut nonce = [0u8; NONCE_LEN];
    hex::decode_to_slice(value, &mut nonce).ok()?;
    Some(nonce)
}

/// A gRPC service that answers challenges (see the module doc); without a key it only passes
/// requests through.
#[derive(Debug, Clone)]
pub struct Prove<S> {
    inner: S,
    key: Option<NodeKey>,
    addr: SocketAddr,
}

impl<S> Prove<S> {
    /// Wraps `inner`, served at `addr`, proving with `key`.
    pub fn new(inner: S, key: Option<NodeKey>, addr: SocketAddr) -> Self {
        Self { inner, key, addr }
    }
}

impl<S: NamedService> NamedService for Prove<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B, RB> Service<Request<B>> for Prove<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let proof = match (&self.key, challenge(&req)) {
            (Some(key), Some(nonce)) => HeaderValue::from_str(&hex::encode(key.prove(&nonce, self.addr))).ok(),
            _ => None,
        };
        let fut = self.inner.call(req);
        Box::pin(async move {
            let mut res = fut.await?;
            if let Some(p) = proof {
                res.headers_mut().insert(PROOF, p);
            }
            Ok(res)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_proof_verifies_only_for_its_key_nonce_and_address() {
        let key = NodeKey::new([7; 32]);
        let addr: SocketAddr = "127.0.0.1:5556".parse().unwrap();
        let nonce = [1; NONCE_LEN];
        let proof = hex::encode(key.prove(&nonce, addr));
        assert!(key.verify(&nonce, addr, &proof));
        assert!(!NodeKey::new([8; 32]).verify(&nonce, addr, &proof), "another key");
        assert!(!key.verify(&[2; NONCE_LEN], addr, &proof), "another nonce");
        assert!(!key.verify(&nonce, "127.0.0.1:40000".parse().unwrap(), &proof), "relayed from another address");
        assert!(!key.verify(&nonce, addr, &proof[..62]), "cut short");
        assert!(!key.verify(&nonce, addr, "zz"), "not hex");
        assert_eq!(format!("{key:?}"), "NodeKey(<redacted>)");
    }

    #[test]
    fn only_a_well_formed_challenge_is_read() {
        let req = |v: &str| Request::builder().header(CHALLENGE, v).body(()).unwrap();
        assert_eq!(challenge(&req(&"ab".repeat(32))), Some([0xab; 32]));
        assert_eq!(challenge(&req(&"ab".repeat(33))), None);
        assert_eq!(challenge(&req("not hex")), None);
        assert_eq!(challenge(&Request::new(())), None);
    }
}

//! Talking to a node that must prove, on every call, that this user's Courier started it: the
//! client half of the node's proof (`courier_node::proof` is the other; both compute it with
//! `xmtp_crypto::node_proof`).
//! A local address (127.0.0.1:5556) belongs to whoever binds it: the node a Courier window
//! started there may stop, and another local user's process take the port. So a client given a
//! [`NodeProof`] does not trust a connection because an earlier one proved itself:
//!
//! - every call carries a fresh nonce in [`CHALLENGE`], and its answer (a response, a refusal
//!   or a subscription's first headers) counts only if it carries [`PROOF`] =
//!   `HMAC-SHA256(key, label ‖ nonce ‖ the address dialled)`; otherwise the call fails with
//!   [`ClientError::NotProven`] before anything in it is used;
//! - each [`Link`] is one TCP connection at most (its connector refuses to dial twice), so
//!   "this connection proved itself" means the same process still answers; once it closes, the
//!   next call opens a new link;
//! - nothing of the user's (a token, a topic, an envelope) goes out on a link that has not yet
//!   answered a proven call: the first call on a new link is a proof-only query that names no
//!   one's topic. An answer is checked after the request went out, so without this a process
//!   that cannot prove itself would still read one request (a token, or a subscription's whole
//!   topic list) per connection.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper_util::rt::TokioIo;
use rand_core::{OsRng, RngCore};
use tonic::codegen::Service;
use tonic::codegen::http::Uri;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;
use xmtp_crypto::Secret;
use xmtp_proto::message_api::v1::message_api_client::MessageApiClient;
use xmtp_proto::message_api::v1::{PagingInfo, QueryRequest};

pub use crate::node_error::Unproven;
use crate::node_error::{ClientError, REQUEST_TIMEOUT};

pub use xmtp_crypto::node_proof::{CHALLENGE, NONCE_LEN, PROOF};
/// The topic a proof-only query asks about: no one's, so the answer says nothing.
pub const PROOF_TOPIC: &str = "/xmtp/0/courier-node-probe/proto";

/// What the node at one address must prove: the user's node key and the address dialled.
/// `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct NodeProof {
    key: Secret<[u8; 32]>,
    addr: SocketAddr,
}

impl std::fmt::Debug for NodeProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeProof({}, <key redacted>)", self.addr)
    }
}

impl NodeProof {
    /// The node at `addr` must prove it holds `key`.
    pub fn new(key: Secret<[u8; 32]>, addr: SocketAddr) -> Self {
        Self { key, addr }
    }

    /// The address the node must answer for.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The node's proof for `nonce`.
    fn expected(&self, nonce: &[u8; NONCE_LEN]) -> [u8; 32] {
        xmtp_crypto::node_proof::prove(self.key.expose(), nonce, self.addr)
    }

    /// A fresh challenge.
    pub(crate) fn challenge(&self) -> Challenge<'_> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        Challenge { proof: self, nonce }
    }
}

/// One nonce, sent once.
pub(crate) struct Challenge<'a> {
    proof: &'a NodeProof,
    nonce: [u8; NONCE_LEN],
}

impl Challenge<'_> {
    /// Adds the challenge to a request's metadata.
    pub(crate) fn ask(&self, md: &mut MetadataMap) {
        if let Ok(v) = hex::encode(self.nonce).parse() {
            md.insert(CHALLENGE, v);
        }
    }

    /// Whether the answer's metadata carry this challenge's proof. The comparison takes the
    /// same time wherever the bytes differ.
    pub(crate) fn check(&self, md: &MetadataMap) -> Result<(), Unproven> {
        let got = md.get(PROOF).ok_or(Unproven::Missing)?;
        let mut bytes = [0u8; 32];
        let text = got.to_str().map_err(|_| Unproven::Wrong)?;
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| Unproven::Wrong)?;
        let want = self.proof.expected(&self.nonce);
        let diff = bytes.iter().zip(want.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 { Ok(()) } else { Err(Unproven::Wrong) }
    }
}

/// One connection (at most) to the node, and what it has shown.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) api: MessageApiClient<Channel>,
    /// The connection closed, or could not be made: a call on this link cannot succeed.
    dead: Arc<AtomicBool>,
    /// A call on this connection came back with a valid proof.
    proven: Arc<AtomicBool>,
}

impl Link {
    /// A link that dials `endpoint` once, when first used.
    fn new(endpoint: &tonic::transport::Endpoint, addr: SocketAddr, max: usize) -> Self {
        let dead = Arc::new(AtomicBool::new(false));
        let connector = Once { addr, used: Arc::new(AtomicBool::new(false)), dead: Arc::clone(&dead) };
        let api = MessageApiClient::new(endpoint.connect_with_connector_lazy(connector))
            .max_decoding_message_size(max)
            .max_encoding_message_size(max);
        Self { api, dead, proven: Arc::new(AtomicBool::new(false)) }
    }

    /// Whether a call on this link has come back proven.
    pub(crate) fn is_proven(&self) -> bool {
        self.proven.load(Ordering::SeqCst)
    }

    /// Records a proven answer on this link.
    pub(crate) fn proved(&self) {
        self.proven.store(true, Ordering::SeqCst);
    }
}

/// The links of a client that requires proof: the current one, replaced once it is dead.
#[derive(Debug, Clone)]
pub(crate) struct Proven {
    pub(crate) proof: NodeProof,
    endpoint: tonic::transport::Endpoint,
    max: usize,
    current: Arc<Mutex<Link>>,
}

impl Proven {
    pub(crate) fn new(proof: NodeProof, endpoint: tonic::transport::Endpoint, max: usize) -> Self {
        let link = Link::new(&endpoint, proof.addr, max);
        Self { proof, endpoint, max, current: Arc::new(Mutex::new(link)) }
    }

    /// The link to call on: the current one while its connection lives, else a new one.
    pub(crate) fn link(&self) -> Link {
        let mut slot = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.dead.load(Ordering::SeqCst) {
            *slot = Link::new(&self.endpoint, self.proof.addr, self.max);
        }
        slot.clone()
    }
}

/// A query that only asks for a proof: one envelope of [`PROOF_TOPIC`].
pub(crate) fn proof_query() -> QueryRequest {
    QueryRequest {
        content_topics: vec![PROOF_TOPIC.to_owned()],
        paging_info: Some(PagingInfo { limit: 1, ..Default::default() }),
        ..Default::default()
    }
}

/// A connector that dials its address once: asked again (the connection closed, or the first
/// dial failed), it refuses, so a channel built on it never reaches a process that has not
/// proven itself on that connection.
#[derive(Debug, Clone)]
struct Once {
    addr: SocketAddr,
    used: Arc<AtomicBool>,
    dead: Arc<AtomicBool>,
}

/// Why a link does not dial again.
#[derive(Debug, thiserror::Error)]
#[error("the connection to the node closed; a new one must prove itself")]
struct Spent;

impl Service<Uri> for Once {
    type Response = TokioIo<Watched>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let (addr, dead) = (self.addr, Arc::clone(&self.dead));
        let first = !self.used.swap(true, Ordering::SeqCst);
        Box::pin(async move {
            if !first {
                dead.store(true, Ordering::SeqCst);
                return Err(Box::new(Spent) as Self::Error);
            }
            match tokio::net::TcpStream::connect(addr).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    Ok(TokioIo::new(Watched { stream, dead }))
                }
                Err(e) => {
                    dead.store(true, Ordering::SeqCst);
                    Err(Box::new(e) as Self::Error)
                }
            }
        })
    }
}

/// A TCP stream that marks its link dead when the connection is dropped.
#[derive(Debug)]
struct Watched {
    stream: tokio::net::TcpStream,
    dead: Arc<AtomicBool>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.dead.store(true, Ordering::SeqCst);
    }
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Makes one call on `link` with a fresh challenge (and `auth`, if given) and accepts the answer
/// only with a valid proof: otherwise it is [`ClientError::NotProven`] (or, when nothing
/// answered at all, [`ClientError::Unreachable`]) and nothing in it is used.
pub(crate) async fn call<Q, R, F, Fut>(
    link: &Link,
    proof: &NodeProof,
    msg: Q,
    auth: Option<&tonic::metadata::AsciiMetadataValue>,
    f: F,
) -> Result<tonic::Response<R>, ClientError>
where
    F: FnOnce(MessageApiClient<Channel>, tonic::Request<Q>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
{
    let challenge = proof.challenge();
    let mut req = tonic::Request::new(msg);
    challenge.ask(req.metadata_mut());
    if let Some(a) = auth {
        req.metadata_mut().insert("authorization", a.clone());
    }
    let answer = match tokio::time::timeout(REQUEST_TIMEOUT, f(link.api.clone(), req)).await {
        Ok(a) => a,
        Err(_) => return Err(ClientError::Timeout),
    };
    let metadata = match &answer {
        Ok(r) => r.metadata(),
        Err(s) => s.metadata(),
    };
    match challenge.check(metadata) {
        Ok(()) => {
            link.proved();
            answer.map_err(ClientError::from)
        }
        Err(why) => match answer {
            // Nothing answered (refused, reset): the node is simply out of reach.
            Err(s) if matches!(s.code(), tonic::Code::Unavailable | tonic::Code::Cancelled) => Err(s.into()),
            _ => Err(ClientError::NotProven(why)),
        },
    }
}

/// A proof-only call on `link` (no token, no topic of anyone's).
pub(crate) async fn prove(link: &Link, proof: &NodeProof) -> Result<(), ClientError> {
    call(link, proof, proof_query(), None, |mut api, req| async move { api.query(req).await }).await.map(drop)
}

/// Whether the node at `proof`'s address proves itself now, on a connection of its own (the
/// app asks this before it adopts a node). The call carries no token and no topic of anyone's.
pub async fn check(proof: &NodeProof) -> Result<(), ClientError> {
    let endpoint = crate::endpoint::for_addr(proof.addr())?.connect_timeout(std::time::Duration::from_millis(500));
    let links = Proven::new(proof.clone(), endpoint, 64 * 1024);
    prove(&links.link(), proof).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_the_keys_proof_for_this_nonce_and_address_is_accepted() {
        let addr: SocketAddr = "127.0.0.1:5556".parse().unwrap();
        let proof = NodeProof::new(Secret::new([7; 32]), addr);
        let c = proof.challenge();
        let answer = |bytes: [u8; 32]| {
            let mut md = MetadataMap::new();
            md.insert(PROOF, hex::encode(bytes).parse().unwrap());
            md
        };
        assert_eq!(c.check(&answer(proof.expected(&c.nonce))), Ok(()));
        assert_eq!(c.check(&MetadataMap::new()), Err(Unproven::Missing));
        assert_eq!(c.check(&answer(proof.expected(&[0; NONCE_LEN]))), Err(Unproven::Wrong), "another nonce");
        let elsewhere = NodeProof::new(Secret::new([7; 32]), "127.0.0.1:40000".parse().unwrap());
        assert_eq!(c.check(&answer(elsewhere.expected(&c.nonce))), Err(Unproven::Wrong), "relayed");
        let other_key = NodeProof::new(Secret::new([8; 32]), addr);
        assert_eq!(c.check(&answer(other_key.expected(&c.nonce))), Err(Unproven::Wrong), "another key");
        assert!(!format!("{proof:?}").contains("0707"));
    }
}

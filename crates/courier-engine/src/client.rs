//! The node client: gRPC `MessageApi` over tonic (plaintext for `http://`, TLS for `https://`),
//! with a cached auth token for publishing (renewed before its hour is up, and once more when
//! the node says UNAUTHENTICATED), paging, batching and subscriptions. Every call has a
//! deadline: a node that accepts a request and never answers ends it with
//! [`ClientError::Timeout`].

use std::sync::{Arc, Mutex};

use tonic::metadata::AsciiMetadataValue;
use tonic::transport::Channel;
use xmtp_crypto::PrivateKeyBundle;
use xmtp_proto::message_api::v1::message_api_client::MessageApiClient;
use xmtp_proto::message_api::v1::{
    BatchQueryRequest, Cursor, Envelope, IndexCursor, PagingInfo, PublishRequest, QueryRequest, QueryResponse,
    SortDirection, SubscribeRequest, cursor,
};

pub use crate::endpoint::check_url;
use crate::endpoint::{endpoint, for_addr};
use crate::node_error::deadline;
pub use crate::node_error::{ClientError, REQUEST_TIMEOUT};
use crate::proof::{self, NodeProof, Proven};

/// Largest response accepted (a batch of 50 pages of 100 envelopes can exceed tonic's 4 MiB).
const MAX_MESSAGE: usize = 64 * 1024 * 1024;
/// Tokens are renewed this long before they expire (the reference: 1 h − 10 s).
const TOKEN_LIFETIME_NS: u64 = 3_590 * 1_000_000_000;

/// How calls reach the node.
#[derive(Debug, Clone)]
enum Transport {
    /// One lazily connected channel (it reconnects as needed).
    Plain(MessageApiClient<Channel>),
    /// Links that each prove themselves (see [`crate::proof`]).
    Proven(Box<Proven>),
}

/// A connection to one node, for one identity.
#[derive(Debug, Clone)]
pub struct NodeClient {
    api: Transport,
    own: Arc<PrivateKeyBundle>,
    token: Arc<Mutex<Option<(String, u64)>>>,
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

impl NodeClient {
    /// A client for `url` (`http://host:port` or `https://host`). Connects lazily: a node that is
    /// down now is retried on each call.
    pub fn new(url: &str, own: Arc<PrivateKeyBundle>) -> Result<Self, ClientError> {
        Self::with_proof(url, own, None)
    }

    /// A client for `url` that, given a [`NodeProof`], accepts only answers that prove
    /// themselves (see [`crate::proof`]); `url` must then be `http://` and the proof's address.
    pub fn with_proof(url: &str, own: Arc<PrivateKeyBundle>, proof: Option<&NodeProof>) -> Result<Self, ClientError> {
        let api = match proof {
            None => Transport::Plain(
                MessageApiClient::new(endpoint(url)?.connect_lazy())
                    .max_decoding_message_size(MAX_MESSAGE)
                    .max_encoding_message_size(MAX_MESSAGE),
            ),
            Some(p) => {
                if url.trim_end_matches('/') != format!("http://{}", p.addr()) {
                    let detail = format!("a node that must prove itself is reached as http://{}", p.addr());
                    return Err(ClientError::BadUrl { url: url.to_owned(), detail });
                }
                Transport::Proven(Box::new(Proven::new(p.clone(), for_addr(p.addr())?, MAX_MESSAGE)))
            }
        };
        Ok(Self { api, own, token: Arc::new(Mutex::new(None)) })
    }

    /// One call with `auth`, within [`REQUEST_TIMEOUT`]. On a node that must prove itself: only
    /// on a connection that has proven itself already (a new one first answers a proof-only
    /// query, so a process that cannot prove itself sees no token and no topic of the user's),
    /// and with a fresh challenge whose proof the answer must carry.
    async fn call<Q, R, F, Fut>(
        &self,
        msg: Q,
        auth: Option<&AsciiMetadataValue>,
        f: F,
    ) -> Result<tonic::Response<R>, ClientError>
    where
        F: FnOnce(MessageApiClient<Channel>, tonic::Request<Q>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
    {
        match &self.api {
            Transport::Plain(api) => {
                let mut req = tonic::Request::new(msg);
                if let Some(a) = auth {
                    req.metadata_mut().insert("authorization", a.clone());
                }
                deadline(f(api.clone(), req)).await
            }
            Transport::Proven(links) => {
                let link = links.link();
                if !link.is_proven() {
                    proof::prove(&link, &links.proof).await?;
                }
                proof::call(&link, &links.proof, msg, auth, f).await
            }
        }
    }

    fn bearer(&self, fresh: bool) -> String {
        let mut slot = self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = now_ns();
        match slot.as_ref() {
            Some((t, created)) if !fresh && now.saturating_sub(*created) < TOKEN_LIFETIME_NS => t.clone(),
            _ => {
                let t = xmtp_crypto::auth::bearer(&xmtp_crypto::auth::create(&self.own, now));
                *slot = Some((t.clone(), now));
                t
            }
        }
    }

    /// Publishes envelopes with the identity's token (renewed once if the node refuses it).
    pub async fn publish(&self, envelopes: Vec<Envelope>) -> Result<(), ClientError> {
        for fresh in [false, true] {
            let req = PublishRequest { envelopes: envelopes.clone() };
            let value = self.bearer(fresh).parse().map_err(|_| ClientError::Unreachable("bad token header".into()))?;
            match self.call(req, Some(&value), |mut api, req| async move { api.publish(req).await }).await {
                Ok(_) => return Ok(()),
                Err(ClientError::Status { code: tonic::Code::Unauthenticated, .. }) if !fresh => continue,
                Err(e) => return Err(e),
            }
        }
        Err(ClientError::Status { code: tonic::Code::Unauthenticated, message: "token refused twice".into() })
    }

    /// One query.
    pub async fn query(&self, req: QueryRequest) -> Result<QueryResponse, ClientError> {
        Ok(self.call(req, None, |mut api, req| async move { api.query(req).await }).await?.into_inner())
    }

    /// Many first pages at once, 50 per call.
    pub async fn batch_query(&self, requests: Vec<QueryRequest>) -> Result<Vec<QueryResponse>, ClientError> {
        let mut out = Vec::with_capacity(requests.len());
        for chunk in requests.chunks(50) {
            let req = BatchQueryRequest { requests: chunk.to_vec() };
            let r = self.call(req, None, |mut api, req| async move { api.batch_query(req).await }).await?;
            out.extend(r.into_inner().responses);
        }
        Ok(out)
    }

    /// The newest `limit` envelopes of a topic (contact lookups: descending, 5).
    pub async fn newest(&self, topic: &str, limit: u32) -> Result<Vec<Envelope>, ClientError> {
        let r = self.query(page_request(topic, None, limit, SortDirection::Descending)).await?;
        Ok(r.envelopes)
    }

    /// A live subscription whose topic set can be replaced (Subscribe2).
    pub async fn subscribe(
        &self,
        topics: Vec<String>,
    ) -> Result<(tokio::sync::mpsc::Sender<SubscribeRequest>, tonic::Streaming<Envelope>), ClientError> {
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        tx.send(SubscribeRequest { content_topics: topics })
            .await
            .map_err(|_| ClientError::Unreachable("subscription closed".into()))?;
        let requests = tokio_stream::wrappers::ReceiverStream::new(rx);
        let stream =
            self.call(requests, None, |mut api, req| async move { api.subscribe2(req).await }).await?.into_inner();
        Ok((tx, stream))
    }
}

/// A page request for `topic`, after `after` (a sync cursor) in `direction`.
pub fn page_request(
    topic: &str,
    after: Option<&courier_store::Cursor>,
    limit: u32,
    direction: SortDirection,
) -> QueryRequest {
    QueryRequest {
        content_topics: vec![topic.to_owned()],
        start_time_ns: 0,
        end_time_ns: 0,
        paging_info: Some(PagingInfo {
            limit,
            cursor: after.map(|c| Cursor {
                cursor: Some(cursor::Cursor::Index(IndexCursor {
                    digest: c.digest.to_vec(),
                    sender_time_ns: c.timestamp_ns,
                })),
            }),
            direction: direction as i32,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_urls_are_checked_before_use() {
        for ok in ["http://127.0.0.1:5556", "https://node.example.org", "http://[::1]:5556/", "http://localhost:1"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in
            ["", "127.0.0.1:5556", "ftp://x", "http://", "http:///x", "https://x/y", "http://x?y=1", "http://a b"]
        {
            assert!(matches!(check_url(bad), Err(ClientError::BadUrl { .. })), "{bad}");
        }
    }
}

//! A hostile node for the engine's tests: a real gRPC server on loopback that answers from a
//! real node's API, with one trick. (The attacker here is the node itself, so this is the real
//! part under test: the engine talks to it over the network as to any node.)

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::pin::Pin;
use std::sync::Arc;

use courier_node::Api;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};
use xmtp_proto::message_api::v1::message_api_server::{MessageApi, MessageApiServer};
use xmtp_proto::message_api::v1::{
    BatchQueryRequest, BatchQueryResponse, Cursor, Envelope, IndexCursor, PagingInfo, PublishRequest, PublishResponse,
    QueryRequest, QueryResponse, SubscribeAllRequest, SubscribeRequest, cursor,
};

/// What the node does wrong.
#[derive(Debug, Clone)]
pub enum Trick {
    /// Queries for `asked` are answered with what `served` holds (its envelopes keep their own
    /// topic label).
    Substitute { asked: String, served: String },
    /// Every query gets the first page there is and a cursor, whatever cursor it sent.
    RepeatCursor,
    /// Every query for `topic` gets a full page of new junk envelopes after the cursor, and a
    /// cursor: pages that never end.
    Forever { topic: String },
    /// Queries naming `topic` fail (a batch naming it fails as a whole).
    Refuse { topic: String },
    /// As `Forever` for `topic`'s first `pages` queries, then as `Refuse`; the time each query
    /// asked after is noted in `asked`.
    ForeverThenRefuse { topic: String, pages: usize, asked: Arc<std::sync::Mutex<Vec<u64>>> },
    /// Queries are accepted and never answered.
    Stall,
}

#[derive(Clone)]
struct Hostile {
    api: Arc<Api>,
    trick: Trick,
}

/// Starts a hostile node in front of `api`; returns its URL.
pub async fn start(api: Arc<Api>, trick: Trick) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let service = MessageApiServer::new(Hostile { api, trick }).max_encoding_message_size(64 << 20);
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    url
}

fn after(req: &QueryRequest) -> u64 {
    match req.paging_info.as_ref().and_then(|p| p.cursor.as_ref()).and_then(|c| c.cursor.as_ref()) {
        Some(cursor::Cursor::Index(i)) => i.sender_time_ns,
        None => 0,
    }
}

fn with_cursor(envelopes: Vec<Envelope>) -> QueryResponse {
    let last = envelopes.last().map(|e| e.timestamp_ns).unwrap_or_default();
    let cursor =
        Cursor { cursor: Some(cursor::Cursor::Index(IndexCursor { digest: vec![7; 32], sender_time_ns: last })) };
    QueryResponse { envelopes, paging_info: Some(PagingInfo { limit: 100, cursor: Some(cursor), direction: 1 }) }
}

/// A full page of new junk envelopes for `topic` after the request's cursor, and a cursor.
fn junk_page(topic: &str, req: &QueryRequest) -> QueryResponse {
    let from = after(req) + 1;
    let junk = (from..from + 100)
        .map(|ts| Envelope {
            content_topic: topic.to_owned(),
            timestamp_ns: ts,
            message: ts.to_be_bytes().to_vec().into(),
        })
        .collect();
    with_cursor(junk)
}

fn status(e: courier_node::api::ApiError) -> Status {
    Status::internal(e.message)
}

impl Hostile {
    async fn answer(&self, mut req: QueryRequest) -> Result<QueryResponse, Status> {
        match &self.trick {
            Trick::Substitute { asked, served } => {
                if req.content_topics == [asked.clone()] {
                    req.content_topics = vec![served.clone()];
                }
                self.api.query(None, req).await.map_err(status)
            }
            Trick::RepeatCursor => {
                if let Some(p) = req.paging_info.as_mut() {
                    p.cursor = None;
                }
                let r = self.api.query(None, req).await.map_err(status)?;
                Ok(with_cursor(r.envelopes))
            }
            Trick::Forever { topic } if req.content_topics == [topic.clone()] => Ok(junk_page(topic, &req)),
            Trick::ForeverThenRefuse { topic, pages, asked } if req.content_topics == [topic.clone()] => {
                let n = {
                    let mut asked = asked.lock().unwrap();
                    asked.push(after(&req));
                    asked.len()
                };
                if n > *pages {
                    return Err(Status::unavailable("gone"));
                }
                Ok(junk_page(topic, &req))
            }
            Trick::Refuse { topic } if req.content_topics.contains(topic) => {
                Err(Status::out_of_range("the response is larger than the limit"))
            }
            Trick::Stall => std::future::pending().await,
            _ => self.api.query(None, req).await.map_err(status),
        }
    }
}

type EnvelopeStream = Pin<Box<dyn Stream<Item = Result<Envelope, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl MessageApi for Hostile {
    async fn publish(&self, request: Request<PublishRequest>) -> Result<Response<PublishResponse>, Status> {
        let auth = request.metadata().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
        self.api.publish(None, auth.as_deref(), request.into_inner().envelopes).await.map_err(status)?;
        Ok(Response::new(PublishResponse {}))
    }

    type SubscribeStream = EnvelopeStream;

    async fn subscribe(&self, _: Request<SubscribeRequest>) -> Result<Response<EnvelopeStream>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }

    type Subscribe2Stream = EnvelopeStream;

    async fn subscribe2(&self, _: Request<Streaming<SubscribeRequest>>) -> Result<Response<EnvelopeStream>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }

    type SubscribeAllStream = EnvelopeStream;

    async fn subscribe_all(&self, _: Request<SubscribeAllRequest>) -> Result<Response<EnvelopeStream>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }

    async fn query(&self, request: Request<QueryRequest>) -> Result<Response<QueryResponse>, Status> {
        Ok(Response::new(self.answer(request.into_inner()).await?))
    }

    async fn batch_query(&self, request: Request<BatchQueryRequest>) -> Result<Response<BatchQueryResponse>, Status> {
        let mut responses = Vec::new();
        for q in request.into_inner().requests {
            responses.push(self.answer(q).await?);
        }
        Ok(Response::new(BatchQueryResponse { responses }))
    }
}

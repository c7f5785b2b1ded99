//! A client told that its node must prove itself (a local node this user's Courier started,
//! `courier_engine::proof`) uses the node while it proves itself on every call, and gives a
//! process that cannot prove itself nothing: no token, no topic but the proof query's, and
//! nothing it answers is used. Real nodes on loopback (in-process `courier-node`, with and
//! without the user's key); the process that cannot prove itself is also a recording gRPC server
//! (the attacker itself, so the real part under test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier_engine::client::{ClientError, NodeClient, page_request};
use courier_engine::proof::{NodeProof, PROOF_TOPIC, Unproven};
use courier_node::proof::NodeKey;
use courier_node::{NodeConfig, NodeHandle};
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};
use xmtp_crypto::Secret;
use xmtp_proto::message_api::v1::message_api_server::{MessageApi, MessageApiServer};
use xmtp_proto::message_api::v1::{
    BatchQueryRequest, BatchQueryResponse, Envelope, PublishRequest, PublishResponse, QueryRequest, QueryResponse,
    SortDirection, SubscribeAllRequest, SubscribeRequest,
};

const KEY: [u8; 32] = [0x5a; 32];
const TOPIC: &str = "/xmtp/0/m-proven-node-test/proto";

async fn node_with_key(key: [u8; 32]) -> NodeHandle {
    let config = NodeConfig { http_addr: None, proof_key: Some(NodeKey::new(key)), ..NodeConfig::ephemeral() };
    courier_node::start(config).await.unwrap()
}

fn client_for(url: &str, addr: std::net::SocketAddr) -> NodeClient {
    let proof = NodeProof::new(Secret::new(KEY), addr);
    NodeClient::with_proof(url, Arc::new(common::identity()), Some(&proof)).unwrap()
}

fn envelope(n: u64) -> Envelope {
    Envelope { content_topic: TOPIC.into(), timestamp_ns: 1_700_000_000_000_000_000 + n, message: vec![1, 2, 3].into() }
}

fn query() -> QueryRequest {
    page_request(TOPIC, None, 100, SortDirection::Ascending)
}

#[tokio::test]
async fn a_node_that_proves_itself_serves_every_call() {
    let node = node_with_key(KEY).await;
    let client = client_for(&node.grpc_url(), node.grpc_addr());
    let (_tx, mut stream) = client.subscribe(vec![TOPIC.into()]).await.unwrap();
    client.publish(vec![envelope(1)]).await.unwrap();
    assert_eq!(client.query(query()).await.unwrap().envelopes.len(), 1);
    assert_eq!(client.batch_query(vec![query(), query()]).await.unwrap().len(), 2);
    let live = tokio::time::timeout(Duration::from_secs(10), stream.message()).await.unwrap().unwrap();
    assert_eq!(live.unwrap().timestamp_ns, envelope(1).timestamp_ns);
    node.shutdown().await;
}

#[tokio::test]
async fn a_node_with_another_key_is_not_proven() {
    let node = node_with_key([0x11; 32]).await;
    let client = client_for(&node.grpc_url(), node.grpc_addr());
    assert_eq!(client.query(query()).await.unwrap_err(), ClientError::NotProven(Unproven::Wrong));
    let err = client.publish(vec![envelope(1)]).await.unwrap_err();
    assert!(err.node_is_down() && err.is_transient(), "{err:?}");
    node.shutdown().await;
}

#[tokio::test]
async fn a_client_stops_using_the_node_once_another_process_holds_its_port() {
    let node = node_with_key(KEY).await;
    let (addr, url) = (node.grpc_addr(), node.grpc_url());
    let client = client_for(&url, addr);
    client.publish(vec![envelope(1)]).await.unwrap();
    node.shutdown().await;
    // A plain node (no key) takes the port.
    let mut impostor = None;
    for _ in 0..50 {
        let config = NodeConfig { grpc_addr: addr, http_addr: None, ..NodeConfig::ephemeral() };
        if let Ok(n) = courier_node::start(config).await {
            impostor = Some(n);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let impostor = impostor.expect("the port is free again");
    let err = client.publish(vec![envelope(3)]).await.unwrap_err();
    assert_eq!(err, ClientError::NotProven(Unproven::Missing));
    assert!(client.query(query()).await.is_err(), "nothing the impostor serves is used");
    let held = impostor.api().query(None, query()).await.unwrap().envelopes;
    assert!(held.iter().all(|e| e.timestamp_ns != envelope(3).timestamp_ns), "the impostor took the publish");
    impostor.shutdown().await;
}

/// What a process that cannot prove itself learnt.
#[derive(Debug, Default)]
struct Seen {
    tokens: usize,
    topics: Vec<String>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Seen>>);

impl Recorder {
    fn saw(&self, req_topics: &[String], token: bool) {
        let mut seen = self.0.lock().unwrap();
        seen.topics.extend(req_topics.iter().cloned());
        seen.tokens += usize::from(token);
    }
}

type EnvelopeStream = Pin<Box<dyn Stream<Item = Result<Envelope, Status>> + Send + 'static>>;

/// Answers everything, with an envelope of the topic asked for wherever one fits.
#[tonic::async_trait]
impl MessageApi for Recorder {
    async fn publish(&self, request: Request<PublishRequest>) -> Result<Response<PublishResponse>, Status> {
        let topics: Vec<String> = request.get_ref().envelopes.iter().map(|e| e.content_topic.clone()).collect();
        self.saw(&topics, request.metadata().contains_key("authorization"));
        Ok(Response::new(PublishResponse {}))
    }

    type SubscribeStream = EnvelopeStream;

    async fn subscribe(&self, request: Request<SubscribeRequest>) -> Result<Response<EnvelopeStream>, Status> {
        self.saw(&request.get_ref().content_topics, false);
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }

    type Subscribe2Stream = EnvelopeStream;

    async fn subscribe2(
        &self,
        request: Request<Streaming<SubscribeRequest>>,
    ) -> Result<Response<EnvelopeStream>, Status> {
        let mut requests = request.into_inner();
        if let Ok(Some(first)) = requests.message().await {
            self.saw(&first.content_topics, false);
        }
        Ok(Response::new(Box::pin(tokio_stream::iter(vec![Ok(envelope(9))]))))
    }

    type SubscribeAllStream = EnvelopeStream;

    async fn subscribe_all(&self, _: Request<SubscribeAllRequest>) -> Result<Response<EnvelopeStream>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }

    async fn query(&self, request: Request<QueryRequest>) -> Result<Response<QueryResponse>, Status> {
        self.saw(&request.get_ref().content_topics, false);
        Ok(Response::new(QueryResponse { envelopes: vec![envelope(9)], paging_info: None }))
    }

    async fn batch_query(&self, request: Request<BatchQueryRequest>) -> Result<Response<BatchQueryResponse>, Status> {
        let mut responses = Vec::new();
        for q in &request.get_ref().requests {
            self.saw(&q.content_topics, false);
            responses.push(QueryResponse { envelopes: vec![envelope(9)], paging_info: None });
        }
        Ok(Response::new(BatchQueryResponse { responses }))
    }
}

#[tokio::test]
async fn a_process_that_cannot_prove_itself_sees_no_token_and_no_topic() {
    let recorder = Recorder::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = MessageApiServer::new(recorder.clone());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    let client = client_for(&format!("http://{addr}"), addr);
    let not_proven = |e: ClientError| assert_eq!(e, ClientError::NotProven(Unproven::Missing));
    for _ in 0..2 {
        not_proven(client.publish(vec![envelope(1)]).await.unwrap_err());
        not_proven(client.query(query()).await.unwrap_err());
        not_proven(client.batch_query(vec![query()]).await.unwrap_err());
        not_proven(client.subscribe(vec![TOPIC.into()]).await.map(drop).unwrap_err());
        not_proven(client.newest(TOPIC, 5).await.unwrap_err());
    }
    let seen = recorder.0.lock().unwrap();
    assert_eq!(seen.tokens, 0, "a token went to a process that did not prove itself");
    assert!(seen.topics.iter().all(|t| t == PROOF_TOPIC), "it saw the user's topics: {:?}", seen.topics);
    assert!(!seen.topics.is_empty(), "it was asked for its proof");
}

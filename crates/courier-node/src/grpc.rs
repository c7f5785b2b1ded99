//! The gRPC transport: `xmtp.message_api.v1.MessageApi` with tonic, translating to [`Api`].

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tonic::codegen::http;
use tonic::{Request, Response, Status, Streaming};
use xmtp_proto::message_api::v1::message_api_server::MessageApi;
use xmtp_proto::message_api::v1::{
    BatchQueryRequest, BatchQueryResponse, Envelope, PublishRequest, PublishResponse, QueryRequest, QueryResponse,
    SubscribeAllRequest, SubscribeRequest,
};

use crate::api::{Api, ApiError, Code};
use crate::budget::{Budget, Ticket};
use crate::fanout::Subscription;

/// The tonic service.
#[derive(Debug, Clone)]
pub struct GrpcService {
    api: Arc<Api>,
}

impl GrpcService {
    /// Wraps the API.
    pub fn new(api: Arc<Api>) -> Self {
        Self { api }
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Self {
        let code = match e.code {
            Code::InvalidArgument => tonic::Code::InvalidArgument,
            Code::PermissionDenied => tonic::Code::PermissionDenied,
            Code::ResourceExhausted => tonic::Code::ResourceExhausted,
            Code::Internal => tonic::Code::Internal,
            Code::Unavailable => tonic::Code::Unavailable,
            Code::Unauthenticated => tonic::Code::Unauthenticated,
        };
        Status::new(code, e.message)
    }
}

/// The check of `:authority` for a node bound to loopback (DNS rebinding; see [`crate::web`]):
/// a foreign host name gets `PERMISSION_DENIED`.
#[allow(clippy::result_large_err, reason = "tower-http's validator returns the refusal as a whole response")]
pub fn host_guard(
    loopback_only: bool,
) -> impl FnMut(&mut http::Request<tonic::body::Body>) -> Result<(), http::Response<tonic::body::Body>> + Clone {
    move |req| {
        if !loopback_only || crate::web::names_loopback(req) {
            Ok(())
        } else {
            Err(Status::permission_denied(crate::web::FOREIGN_HOST).into_http())
        }
    }
}

type EnvelopeStream = Pin<Box<dyn Stream<Item = Result<Envelope, Status>> + Send + 'static>>;

/// The subscription itself is the response stream: each envelope goes from the fan-out buffer
/// straight to tonic's encoder, with no task in between.
fn stream_of(sub: Subscription) -> EnvelopeStream {
    Box::pin(tokio_stream::StreamExt::map(sub, Ok))
}

/// A stream fed by a task: the task ends when the client goes away or the subscription ends.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Envelope, Status>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<Envelope, Status>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    // A hand-off, not a buffer: the subscription's own buffer is bounded in bytes.
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(f(tx));
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// The request's share of the byte budget (see [`crate::budget`]), held while it is handled.
fn ticket<T>(request: &Request<T>) -> Ticket {
    // Every call passes `budget::Metering`, which puts one there; the fallback charges nothing.
    request.extensions().get::<Ticket>().cloned().unwrap_or_else(|| Budget::new(1, None).ticket(None))
}

/// The `subscribed: true` header, sent at once so that clients waiting for headers proceed.
fn subscribed<T>(body: T) -> Response<T> {
    let mut r = Response::new(body);
    r.metadata_mut().insert("subscribed", tonic::metadata::MetadataValue::from_static("true"));
    r
}

#[tonic::async_trait]
impl MessageApi for GrpcService {
    async fn publish(&self, request: Request<PublishRequest>) -> Result<Response<PublishResponse>, Status> {
        let _held = ticket(&request);
        let auth = request.metadata().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
        self.api.publish(request.remote_addr(), auth.as_deref(), request.into_inner().envelopes).await?;
        Ok(Response::new(PublishResponse {}))
    }

    type SubscribeStream = EnvelopeStream;

    async fn subscribe(&self, request: Request<SubscribeRequest>) -> Result<Response<Self::SubscribeStream>, Status> {
        let sub = self.api.subscribe(request.remote_addr(), request.into_inner().content_topics)?;
        Ok(subscribed(stream_of(sub)))
    }

    type Subscribe2Stream = EnvelopeStream;

    async fn subscribe2(
        &self,
        request: Request<Streaming<SubscribeRequest>>,
    ) -> Result<Response<Self::Subscribe2Stream>, Status> {
        let peer = request.remote_addr();
        let held = ticket(&request);
        let mut requests = request.into_inner();
        let mut sub = self.api.subscribe(peer, Vec::new())?;
        let fanout = Arc::clone(self.api.fanout());
        let stream = async_stream(move |tx| async move {
            loop {
                tokio::select! {
                    req = requests.message() => match req {
                        Ok(Some(r)) => {
                            let replaced = fanout.replace_topics(sub.id(), r.content_topics);
                            // This request is handled: its bytes leave the budget.
                            held.release();
                            if let Err(e) = replaced {
                                let _ = tx.send(Err(crate::api::refused(e).into())).await;
                                break;
                            }
                        }
                        // The client closed its side or the request stream broke: stop.
                        Ok(None) | Err(_) => break,
                    },
                    env = sub.recv() => match env {
                        Some(e) => if tx.send(Ok(e)).await.is_err() { break },
                        None => break,
                    },
                }
            }
        });
        Ok(subscribed(Box::pin(stream)))
    }

    type SubscribeAllStream = EnvelopeStream;

    async fn subscribe_all(
        &self,
        request: Request<SubscribeAllRequest>,
    ) -> Result<Response<Self::SubscribeAllStream>, Status> {
        Ok(subscribed(stream_of(self.api.subscribe_all(request.remote_addr())?)))
    }

    async fn query(&self, request: Request<QueryRequest>) -> Result<Response<QueryResponse>, Status> {
        let _held = ticket(&request);
        Ok(Response::new(self.api.query(request.remote_addr(), request.into_inner()).await?))
    }

    async fn batch_query(&self, request: Request<BatchQueryRequest>) -> Result<Response<BatchQueryResponse>, Status> {
        let _held = ticket(&request);
        Ok(Response::new(self.api.batch_query(request.remote_addr(), request.into_inner()).await?))
    }
}

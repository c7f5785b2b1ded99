//! The HTTP/JSON gateway (spec §12.8) that xmtp-js uses: `POST /message/v1/*` with JSON (or
//! binary protobuf for unary calls), newline-delimited streaming for subscriptions with headers
//! sent at once and keep-alive lines, errors as `{code, message, details}` (413, 404, 405 and
//! refused host names included), CORS only for configured origins (see [`crate::web`]), gzip
//! for query responses, and `GET /healthz`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tower_http::compression::CompressionLayer;

use crate::api::{Api, ApiError, Code};
use crate::body::{self, BodyError};
use crate::budget::Ticket;
use crate::fanout::Subscription;
use crate::{json, web};

/// Settings of the gateway.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Silence after which a subscription stream gets a `{"result":{}}` line (xmtp-js's fetch
    /// gives up on a body idle for 300 s).
    pub keepalive: Duration,
    /// Web origins (e.g. `https://app.example`) allowed cross-origin access. Empty (the
    /// default): no CORS headers at all, so web pages the user visits cannot read the node.
    pub cors_origins: Vec<String>,
    /// Serve the message API (`/message/v1/*`). Off: the listener serves only `/healthz` and
    /// the attachment store ([`crate::http_blobs`]), which the app needs even when it keeps its
    /// node's gateway closed.
    pub message_api: bool,
    /// The base URL clients reach this listener at (e.g. `https://node.example`), for the `url`
    /// of an upload's answer. `None`: `http://<bound address>`.
    pub public_url: Option<String>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self { keepalive: Duration::from_secs(30), cors_origins: Vec::new(), message_api: true, public_url: None }
    }
}

/// What the HTTP handlers share.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    pub(crate) api: Arc<Api>,
    pub(crate) options: HttpOptions,
    /// Where clients reach this listener, without a trailing `/`.
    pub(crate) base_url: Arc<str>,
}

/// The HTTP listener's router: the gateway (unless [`HttpOptions::message_api`] is off),
/// `/healthz` and the attachment store. A listener bound to loopback answers only loopback
/// host names.
pub fn router(api: Arc<Api>, options: HttpOptions, addr: SocketAddr) -> Router {
    let body_limit = api.limits().max_request_bytes;
    let cors = web::cors(&options.cors_origins);
    let base_url: Arc<str> = match &options.public_url {
        Some(u) => u.trim_end_matches('/').into(),
        None => format!("http://{addr}").into(),
    };
    let message_api = options.message_api;
    let state = Gateway { api, options, base_url };
    let mut router = Router::new().route("/healthz", get(health));
    if message_api {
        let queries = Router::new()
            .route("/message/v1/query", post(query))
            .route("/message/v1/batch-query", post(batch_query))
            .layer(CompressionLayer::new().gzip(true).no_br().no_deflate().no_zstd());
        router = router
            .route("/message/v1/publish", post(publish))
            .route("/message/v1/subscribe", post(subscribe))
            .route("/message/v1/subscribe-all", post(subscribe_all))
            .merge(queries);
    }
    let mut router = router
        .fallback(|| async { error(StatusCode::NOT_FOUND, 5, "no such path") })
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit));
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    // Merged after the gateway's layers: the attachment routes have their own body limit and
    // their own CORS rule.
    let mut router = router.merge(crate::http_blobs::routes());
    if addr.ip().is_loopback() {
        router = router.layer(axum::middleware::from_fn(loopback_host));
    }
    router.with_state(state)
}

/// 405 as the JSON error object.
pub(crate) async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, 12, "method not allowed")
}

/// Refuses requests that name a host other than loopback (DNS rebinding).
async fn loopback_host(req: Request, next: Next) -> Response {
    if web::names_loopback(&req) {
        next.run(req).await
    } else {
        error(web::FOREIGN_HOST_STATUS, Code::PermissionDenied as i32, web::FOREIGN_HOST)
    }
}

/// The spec's error object `{code, message, details}` with an HTTP status. When the node is
/// short of something (429, 413, 503) or the client too slow (408) the connection is closed
/// after the answer, so a refused client does not keep holding it (nor the rest of its body).
pub(crate) fn error(status: StatusCode, code: i32, message: &str) -> Response {
    let mut r = (status, Json(json!({"code": code, "message": message, "details": []}))).into_response();
    if matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::REQUEST_TIMEOUT
    ) {
        r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

/// The client's address, when the connection recorded it.
pub(crate) struct Peer(pub(crate) Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)))
    }
}

/// A request body, read by [`body::read`] within the gateway's size limit. The [`Ticket`] holds
/// its bytes in the budget until the handler has answered.
struct RawBody(Bytes, Ticket);

impl FromRequest<Gateway> for RawBody {
    type Rejection = Response;

    async fn from_request(req: Request, g: &Gateway) -> Result<Self, Response> {
        let limits = g.api.limits();
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let (parts, b) = req.into_parts();
        let (bytes, ticket) =
            body::read(&parts.headers, b, peer, g.api.budget(), limits.max_request_bytes, limits.request_timeout)
                .await
                .map_err(IntoResponse::into_response)?;
        Ok(Self(bytes, ticket))
    }
}

/// Refusals are the JSON error object: 413 past the size limit, 408 past the deadline, 503 when
/// the budget is short.
impl IntoResponse for BodyError {
    fn into_response(self) -> Response {
        match self {
            BodyError::TooLarge => {
                error(StatusCode::PAYLOAD_TOO_LARGE, Code::ResourceExhausted as i32, &self.to_string())
            }
            BodyError::Timeout => error(StatusCode::REQUEST_TIMEOUT, DEADLINE_EXCEEDED, &self.to_string()),
            BodyError::Broken(_) => error(StatusCode::BAD_REQUEST, Code::InvalidArgument as i32, &self.to_string()),
            BodyError::Budget(e) => e.into_response(),
        }
    }
}

/// gRPC's DEADLINE_EXCEEDED, for a request body not received in time.
const DEADLINE_EXCEEDED: i32 = 4;

fn http_status(code: Code) -> StatusCode {
    match code {
        Code::InvalidArgument => StatusCode::BAD_REQUEST,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = http_status(self.code);
        let mut r = error(status, self.code as i32, &self.message);
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// Whether the body is binary protobuf (`Content-Type: application/x-protobuf`).
fn is_protobuf(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-protobuf"))
}

/// Parses a JSON body whatever its content type (xmtp-js sends `text/plain`); an empty body is `{}`.
fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError { code: Code::InvalidArgument, message: format!("invalid JSON: {e}") })
}

fn bad(message: String) -> ApiError {
    ApiError { code: Code::InvalidArgument, message }
}

fn decode<M: prost::Message + Default>(body: &Bytes) -> Result<M, ApiError> {
    M::decode(body.as_ref()).map_err(|e| bad(format!("invalid protobuf: {e}")))
}

fn protobuf_response(m: &impl prost::Message) -> Response {
    ([(header::CONTENT_TYPE, "application/x-protobuf")], m.encode_to_vec()).into_response()
}

async fn publish(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    headers: HeaderMap,
    RawBody(body, _held): RawBody,
) -> Result<Response, ApiError> {
    let binary = is_protobuf(&headers);
    let req = if binary {
        decode::<xmtp_proto::message_api::v1::PublishRequest>(&body)?
    } else {
        json::publish_in(&parse_json(&body)?).map_err(bad)?
    };
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    g.api.publish(peer, auth, req.envelopes).await?;
    Ok(if binary {
        protobuf_response(&xmtp_proto::message_api::v1::PublishResponse {})
    } else {
        Json(json!({})).into_response()
    })
}

async fn query(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    headers: HeaderMap,
    RawBody(body, _held): RawBody,
) -> Result<Response, ApiError> {
    let binary = is_protobuf(&headers);
    let req = if binary { decode(&body)? } else { json::query_in(&parse_json(&body)?).map_err(bad)? };
    let resp = g.api.query(peer, req).await?;
    Ok(if binary { protobuf_response(&resp) } else { Json(json::query_out(&resp)).into_response() })
}

async fn batch_query(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    headers: HeaderMap,
    RawBody(body, _held): RawBody,
) -> Result<Response, ApiError> {
    let binary = is_protobuf(&headers);
    let req = if binary { decode(&body)? } else { json::batch_in(&parse_json(&body)?).map_err(bad)? };
    let resp = g.api.batch_query(peer, req).await?;
    Ok(if binary { protobuf_response(&resp) } else { Json(json::batch_out(&resp)).into_response() })
}

async fn subscribe(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    RawBody(body, _held): RawBody,
) -> Result<Response, ApiError> {
    let req = json::subscribe_in(&parse_json(&body)?).map_err(bad)?;
    Ok(stream_response(g.api.subscribe(peer, req.content_topics)?, g.options.keepalive))
}

async fn subscribe_all(State(g): State<Gateway>, Peer(peer): Peer) -> Result<Response, ApiError> {
    Ok(stream_response(g.api.subscribe_all(peer)?, g.options.keepalive))
}

/// One JSON object per line: `{"result":<envelope>}`, or `{"result":{}}` after `keepalive` of
/// silence. Never a blank line. The body ends when the node cuts the subscription off.
fn stream_response(mut sub: Subscription, keepalive: Duration) -> Response {
    // A hand-off, not a buffer: the subscription's own buffer is bounded in bytes.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    tokio::spawn(async move {
        loop {
            let line = match tokio::time::timeout(keepalive, sub.recv()).await {
                Ok(Some(e)) => json!({"result": json::envelope_out(&e)}).to_string(),
                Ok(None) => break,
                Err(_) => r#"{"result":{}}"#.to_owned(),
            };
            if tx.send(Ok(Bytes::from(line + "\n"))).await.is_err() {
                break;
            }
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn health(State(g): State<Gateway>) -> Result<Json<Value>, ApiError> {
    let stored = g.api.count().await?;
    let mut health = json!({"status": "ok", "envelopes": stored, "subscriptions": g.api.fanout().len()});
    if let Some(position) = g.api.backend().relay_position() {
        health["relay_position"] = json!(position);
    }
    Ok(Json(health))
}

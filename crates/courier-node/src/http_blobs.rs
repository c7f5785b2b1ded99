//! The attachment store's HTTP routes (a Courier extension; the rules are in [`crate::blobs`]):
//!
//! - `PUT /attachments/v1/<digest>`: the body is the blob; `Authorization: Bearer <token>` as
//!   for publish. 201 when stored now, 200 when it was already stored, both with
//!   `{"url": "<base>/attachments/v1/<digest>", "size": N}`.
//! - `GET` (and `HEAD`) `/attachments/v1/<digest>`: the bytes as `application/octet-stream`,
//!   immutable and cacheable, readable by any web page (`Access-Control-Allow-Origin: *`, no
//!   credentials: blobs are ciphertext, named by their hash).
//!
//! Errors are the gateway's JSON object `{code, message, details}`: 400 for a bad digest or a
//! body that does not hash to it, 401 without a valid token, 413 past the size cap or the
//! identity's quota, 429 past the address's upload byte rate, 507 when the database or the
//! node's attachment cap is full, 404 for an unknown blob.
//!
//! A download is streamed out of the database [`CHUNK`] by [`CHUNK`] ([`BlobBody`]): the node
//! holds one chunk per download it is reading, and nothing of the request byte budget for a
//! client that does not read.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body::{Frame, SizeHint};
use serde_json::json;

use crate::api::Api;
use crate::blobs::{BlobError, Digest, Stored};
use crate::body::{self, BodyError};
use crate::error::Code;
use crate::http::{Gateway, Peer, error, method_not_allowed};

/// gRPC's NOT_FOUND.
const NOT_FOUND: i32 = 5;

/// Bytes of a blob read from the database and handed to the connection at a time: each chunk is
/// one read on the pool (a transaction, the row looked up, the blob opened), so chunks of 128 KiB
/// made a 20 MB download take 0.49 s against 0.025 s unchunked; 1 MiB brings it near the latter
/// while a stalled reader still holds at most this much of the budget.
const CHUNK: usize = 1024 * 1024;

/// The routes, with their own 405.
pub(crate) fn routes() -> Router<Gateway> {
    Router::new()
        .route("/attachments/v1/{digest}", get(get_blob).head(head_blob).put(put_blob))
        .method_not_allowed_fallback(method_not_allowed)
}

impl IntoResponse for BlobError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            BlobError::BadDigest | BlobError::Mismatch { .. } => {
                (StatusCode::BAD_REQUEST, Code::InvalidArgument as i32)
            }
            BlobError::TooLarge { .. } | BlobError::OverQuota { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, Code::ResourceExhausted as i32)
            }
            BlobError::Full | BlobError::StoreFull { .. } => {
                (StatusCode::INSUFFICIENT_STORAGE, Code::ResourceExhausted as i32)
            }
            BlobError::NotFound => (StatusCode::NOT_FOUND, NOT_FOUND),
            BlobError::Refused(e) => return e.clone().into_response(),
            BlobError::Store(e) => {
                tracing::error!(error = %e, "attachment store failed");
                return error(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal as i32, "internal error");
            }
        };
        error(status, code, &self.to_string())
    }
}

fn digest(path: Result<Path<String>, PathRejection>) -> Result<Digest, BlobError> {
    Digest::parse(&path.map_err(|_| BlobError::BadDigest)?.0)
}

async fn put_blob(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, Response> {
    let digest = digest(path).map_err(IntoResponse::into_response)?;
    let (parts, b) = req.into_parts();
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let limits = g.api.limits();
    let cap = limits.max_attachment_bytes;
    // Authorised before a byte of the body is read; a declared length past the cap is refused
    // by `body::read` before it is charged to the upload byte rate.
    let declared = body::declared(&parts.headers).filter(|n| *n <= cap);
    let uploader = g.api.authorize_upload(peer, authorization, declared).map_err(IntoResponse::into_response)?;
    let (bytes, _held) = body::read(&parts.headers, b, peer, g.api.budget(), cap, limits.request_timeout)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => BlobError::TooLarge { cap }.into_response(),
            e => e.into_response(),
        })?;
    let size = bytes.len();
    g.api.charge_upload_bytes(peer, size.saturating_sub(declared.unwrap_or(0))).map_err(IntoResponse::into_response)?;
    let stored = g.api.put_blob(uploader, digest, bytes).await.map_err(IntoResponse::into_response)?;
    let status = match stored {
        Stored::New => StatusCode::CREATED,
        Stored::Existing => StatusCode::OK,
    };
    let url = format!("{}/attachments/v1/{}", g.base_url, digest.hex());
    Ok((status, axum::Json(json!({"url": url, "size": size}))).into_response())
}

/// The headers of a blob's 200.
fn found(digest: Digest, size: u64, body: Body) -> Response {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", digest.hex())) {
        h.insert(header::ETAG, etag);
    }
    r
}

async fn get_blob(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, BlobError> {
    let digest = digest(path)?;
    let size = g.api.blob_size(peer, digest).await?;
    let body = BlobBody { api: Arc::clone(&g.api), peer, digest, size, sent: 0, reading: None };
    Ok(found(digest, size, Body::new(body)))
}

async fn head_blob(
    State(g): State<Gateway>,
    Peer(peer): Peer,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, BlobError> {
    let digest = digest(path)?;
    let size = g.api.blob_size(peer, digest).await?;
    Ok(found(digest, size, Body::empty()))
}

type Reading = Pin<Box<dyn Future<Output = Result<Bytes, BlobError>> + Send>>;

/// A blob being sent, read from the database a [`CHUNK`] at a time when the connection asks for
/// more. A blob deleted mid-way (retention) ends the body with an error, and the connection.
struct BlobBody {
    api: Arc<Api>,
    peer: Option<SocketAddr>,
    digest: Digest,
    size: u64,
    sent: u64,
    reading: Option<Reading>,
}

impl http_body::Body for BlobBody {
    type Data = Bytes;
    type Error = BlobError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BlobError>>> {
        let this = self.get_mut();
        if this.sent >= this.size {
            return Poll::Ready(None);
        }
        let reading = this.reading.get_or_insert_with(|| {
            let (api, peer, digest, offset) = (Arc::clone(&this.api), this.peer, this.digest, this.sent);
            let len = usize::try_from(this.size - offset).map_or(CHUNK, |left| left.min(CHUNK));
            Box::pin(async move { api.blob_chunk(peer, digest, offset, len).await })
        });
        let read = std::task::ready!(reading.as_mut().poll(cx));
        this.reading = None;
        Poll::Ready(Some(match read {
            Ok(chunk) => {
                this.sent += chunk.len() as u64;
                Ok(Frame::data(chunk))
            }
            Err(e) => {
                this.sent = this.size;
                Err(e)
            }
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.size
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.size.saturating_sub(self.sent))
    }
}

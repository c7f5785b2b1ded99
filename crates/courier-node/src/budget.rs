//! The node-wide budget of request bytes in flight (review #2 of issue #12): every request's
//! bytes are charged as they arrive, on both transports, and stay charged until the request is
//! answered (a publish: until it is stored), so that many connections each sending large
//! requests cannot make the node buffer more than the budget. A request that finds the budget
//! short is refused at once with `UNAVAILABLE` (HTTP 503): it is the node that is short, not
//! the client that misbehaved.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::codegen::http::{Request, Response};
use tonic::codegen::{BoxFuture, Service};
use tonic::server::NamedService;

use crate::api::{ApiError, Code};

/// The budget: a semaphore of bytes.
#[derive(Debug, Clone)]
pub struct Budget {
    bytes: Arc<Semaphore>,
}

/// The bytes one request holds; released when the last clone is dropped (or on
/// [`Ticket::release`]).
#[derive(Debug, Clone, Default)]
pub struct Ticket(Arc<Mutex<Option<OwnedSemaphorePermit>>>);

impl Budget {
    /// A budget of `bytes` (at most [`Semaphore::MAX_PERMITS`]).
    pub fn new(bytes: usize) -> Self {
        Self { bytes: Arc::new(Semaphore::new(bytes.clamp(1, Semaphore::MAX_PERMITS))) }
    }

    /// Charges `n` more bytes to `ticket`, or refuses if the budget is short (charging nothing).
    pub fn take(&self, ticket: &Ticket, n: usize) -> Result<(), ApiError> {
        if n == 0 {
            return Ok(());
        }
        let permit = u32::try_from(n)
            .ok()
            .and_then(|n| Arc::clone(&self.bytes).try_acquire_many_owned(n).ok())
            .ok_or_else(|| ApiError::new(Code::Unavailable, "the node holds as many request bytes as it may; retry"))?;
        let mut held = ticket.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match held.as_mut() {
            Some(p) => p.merge(permit),
            None => *held = Some(permit),
        }
        Ok(())
    }

    /// Bytes free now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }
}

impl Ticket {
    /// Gives back what this request holds (a stream of requests, after each one is handled).
    pub fn release(&self) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    }
}

/// A request body charged to the budget frame by frame; a frame the budget cannot take ends the
/// body with `UNAVAILABLE`, which tonic reports as the call's status.
#[derive(Debug)]
pub struct Metered<B> {
    inner: B,
    budget: Budget,
    ticket: Ticket,
}

impl<B> Body for Metered<B>
where
    B: Body<Data = Bytes, Error = tonic::Status> + Unpin,
{
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(f))) = &frame
            && let Some(data) = f.data_ref()
            && let Err(e) = self.budget.take(&self.ticket, data.len())
        {
            return Poll::Ready(Some(Err(e.into())));
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A gRPC service whose request bodies are [`Metered`]; the request's [`Ticket`] is in its
/// extensions, for the handler to hold until it has answered.
#[derive(Debug, Clone)]
pub struct Metering<S> {
    inner: S,
    budget: Budget,
}

impl<S> Metering<S> {
    /// Wraps `inner`, charging `budget`.
    pub fn new(inner: S, budget: Budget) -> Self {
        Self { inner, budget }
    }
}

impl<S: NamedService> NamedService for Metering<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, RB> Service<Request<tonic::body::Body>> for Metering<S>
where
    S: Service<Request<tonic::body::Body>, Response = Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<tonic::body::Body>) -> Self::Future {
        let ticket = Ticket::default();
        let budget = self.budget.clone();
        let (mut parts, body) = req.into_parts();
        parts.extensions.insert(ticket.clone());
        let body = tonic::body::Body::new(Metered { inner: body, budget, ticket });
        Box::pin(self.inner.call(Request::from_parts(parts, body)))
    }
}

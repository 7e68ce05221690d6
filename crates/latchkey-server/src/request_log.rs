//! One log line per request: request id, method, path, status, latency. The query string is
//! left out (it can carry codes or tokens), and so are bodies and headers.
//!
//! Every request runs in a `request` span carrying its id, method and path, so the other
//! events it logs (a refused login, a sign-out) carry them too, and the line is that span's
//! `served` event once the response's head is ready. This is `tower_http`'s `TraceLayer`
//! reduced to what the line needs: the span is entered only while the handler's future is
//! polled (not while the body is written), nothing is classified, and the clock is read twice
//! (docs/architecture.md, "Performance budgets": logging at `info` within 10 % of `warn`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use axum::http::{HeaderName, Request, Response};
use tower::{Layer, Service};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tracing::instrument::{Instrument, Instrumented};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids `<process prefix>-<counter>`: unique per process without a syscall.
#[derive(Clone)]
pub struct SequentialRequestId {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl MakeRequestId for SequentialRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.prefix).parse().ok().map(RequestId::new)
    }
}

/// Request ids (kept from `X-Request-Id` when the caller sent one) and the per-request log
/// line, outermost first.
pub fn layer(
    prefix: String,
) -> (SetRequestIdLayer<SequentialRequestId>, RequestLogLayer, PropagateRequestIdLayer) {
    let ids = SequentialRequestId { prefix: prefix.into(), next: Arc::new(AtomicU64::new(1)) };
    (SetRequestIdLayer::new(REQUEST_ID, ids), RequestLogLayer, PropagateRequestIdLayer::new(REQUEST_ID))
}

#[derive(Clone, Copy)]
pub struct RequestLogLayer;

impl<S> Layer<S> for RequestLogLayer {
    type Service = RequestLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestLog { inner }
    }
}

#[derive(Clone)]
pub struct RequestLog<S> {
    inner: S,
}

impl<S, B, R> Service<Request<B>> for RequestLog<S>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Logged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        let span =
            tracing::info_span!("request", id, method = %request.method(), path = request.uri().path());
        let inner = {
            let _in = span.enter();
            self.inner.call(request)
        };
        Logged { inner: inner.instrument(span), start }
    }
}

pin_project_lite::pin_project! {
    /// The handler's future in the request's span; logs the line when the response is ready.
    pub struct Logged<F> {
        #[pin]
        inner: Instrumented<F>,
        start: Instant,
    }
}

impl<F, R, E> Future for Logged<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let result = ready!(this.inner.as_mut().poll(cx));
        if let Ok(response) = &result {
            // Inside the span, not only its child: JSON logs list the spans entered.
            let _in = this.inner.span().enter();
            tracing::info!(
                status = response.status().as_u16(),
                latency_us = this.start.elapsed().as_micros() as u64,
                "served"
            );
        }
        Poll::Ready(result)
    }
}

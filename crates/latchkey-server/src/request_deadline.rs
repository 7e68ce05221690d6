//! A deadline on every answer: a request that is not answered within `request_timeout` is
//! answered 503 `temporarily_unavailable` (RFC 6749 §5.2) with `Retry-After`.
//!
//! What makes an answer late is almost always the database: a link that silently stopped
//! delivering packets (a firewall dropping a long-lived connection, a failed-over address)
//! leaves a query waiting for a reply that the kernel may not give up on for a quarter of an
//! hour, and sqlx has no per-statement client timeout nor socket timeouts to set. The pool's
//! acquire timeout only helps the requests after the stuck ones; the server-side
//! `statement_timeout` only helps when the server hears the query. This deadline bounds the
//! rest, like Go's `http.Server.WriteTimeout`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tokio::time::Timeout;
use tower::{Layer, Service};

use crate::error::ApiError;

/// Wraps a service in [`AnswerWithin`]. No `axum::middleware::from_fn` (docs/architecture.md,
/// "Performance budgets").
#[derive(Clone, Copy)]
pub struct AnswerWithinLayer {
    pub deadline: Duration,
}

impl<S> Layer<S> for AnswerWithinLayer {
    type Service = AnswerWithin<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AnswerWithin { inner, deadline: self.deadline }
    }
}

/// The answer of `inner`, or 503 once `deadline` has passed.
#[derive(Clone)]
pub struct AnswerWithin<S> {
    inner: S,
    deadline: Duration,
}

impl<S> Service<Request> for AnswerWithin<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Answer {
            inner: tokio::time::timeout(self.deadline, self.inner.call(request)),
            deadline: self.deadline,
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner answer under its deadline.
    pub struct Answer<F> {
        #[pin]
        inner: Timeout<F>,
        deadline: Duration,
    }
}

impl<F> Future for Answer<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        Poll::Ready(match ready!(this.inner.poll(cx)) {
            Ok(answer) => answer,
            Err(_elapsed) => {
                let deadline = *this.deadline;
                Ok(ApiError::Unavailable(anyhow::anyhow!(
                    "no answer within the request timeout ({deadline:?})"
                ))
                .into_response())
            }
        })
    }
}

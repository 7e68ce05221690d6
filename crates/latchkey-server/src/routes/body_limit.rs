//! The body limit, enforced from the declared `Content-Length` before any of the body is read.
//!
//! `DefaultBodyLimit` only stops reading once the limit is passed, so a request that declares
//! a large body and sends it slowly (or never) holds a handler until the body timeout. A
//! declared length over [`MAX_BODY_BYTES`] is answered 413 at once (RFC 9110 §15.5.14), and
//! the connection closed without reading the body.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::future::Either;
use tower::{Layer, Service};

use super::MAX_BODY_BYTES;
use crate::error::ApiError;

/// Wraps a route in [`RejectDeclaredOversize`]. No `axum::middleware::from_fn`
/// (docs/architecture.md, "Performance budgets").
#[derive(Clone, Copy)]
pub struct RejectDeclaredOversizeLayer;

impl<S> Layer<S> for RejectDeclaredOversizeLayer {
    type Service = RejectDeclaredOversize<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RejectDeclaredOversize { inner }
    }
}

/// 413 for a declared length over [`MAX_BODY_BYTES`]; `inner`'s answer otherwise.
#[derive(Clone)]
pub struct RejectDeclaredOversize<S> {
    inner: S,
}

impl<S> Service<Request> for RejectDeclaredOversize<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        match declared {
            Some(length) if length > MAX_BODY_BYTES as u64 => {
                Either::Left(ready(Ok(ApiError::PayloadTooLarge.into_response())))
            }
            _ => Either::Right(self.inner.call(request)),
        }
    }
}

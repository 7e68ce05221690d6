//! The body limit, enforced from the declared `Content-Length` before any of the body is read.
//!
//! `DefaultBodyLimit` only stops reading once the limit is passed, so a request that declares
//! a large body and sends it slowly (or never) holds a handler until the body timeout. A
//! declared length over [`MAX_BODY_BYTES`] is answered 413 at once (RFC 9110 §15.5.14), and
//! the connection closed without reading the body.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::MAX_BODY_BYTES;
use crate::error::ApiError;

pub async fn reject_declared_oversize(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > MAX_BODY_BYTES as u64 => ApiError::PayloadTooLarge.into_response(),
        _ => next.run(request).await,
    }
}

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

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The middleware (`axum::middleware::from_fn_with_state`, the state being the deadline):
/// the answer of `next`, or 503 once `deadline` has passed.
pub async fn answer_within(State(deadline): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => {
            ApiError::Unavailable(anyhow::anyhow!("no answer within the request timeout ({deadline:?})"))
                .into_response()
        }
    }
}

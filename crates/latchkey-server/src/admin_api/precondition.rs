//! Optimistic concurrency of admin updates (RFC 9110 §8.8.3, §13.1.1): a resource's `ETag`
//! is its version; an update must send it back in `If-Match` and is made only while the
//! version is unchanged — a compare-and-swap in the store, so of two admins who read the same
//! version exactly one wins and the other gets 412 instead of overwriting blindly. An update
//! without `If-Match` is refused with 428 (RFC 6585 §3).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::problem::Problem;

/// `response` with the version as its (strong) `ETag`.
pub fn with_etag(status: StatusCode, version: i64, response: impl IntoResponse) -> Response {
    let mut response = (status, response).into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// The version `If-Match` names.
pub fn expected_version(headers: &HeaderMap) -> Result<i64, Problem> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        Problem::new(StatusCode::PRECONDITION_REQUIRED, "send the ETag you read in If-Match")
    })?;
    let etag = value.to_str().unwrap_or_default().trim();
    etag.strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|version| version.parse::<i64>().ok())
        .ok_or_else(stale)
}

/// The answer to an update based on a version that is no longer current.
pub fn stale() -> Problem {
    Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "the resource changed since its ETag was read; read it again and reapply the change",
    )
}

//! The edge error: how a protocol error, a storage failure or a bug becomes an HTTP response
//! at the API endpoints. (The browser endpoints answer with a page or a redirect instead:
//! `routes::authorize::AuthorizeError`.)
//!
//! RFC 6749 §5.2: errors are JSON `{"error", "error_description"}` with `Cache-Control:
//! no-store`; `invalid_client` is 401 with `WWW-Authenticate` (the scheme the client used,
//! Basic). A database outage is 503 `temporarily_unavailable`. Internal details go to the log
//! only, never to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::{ErrorCode, OAuthError};
use latchkey_crypto::CryptoError;
use latchkey_store::StoreError;
use serde::Serialize;

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A protocol error for the client.
    #[error("{}", .0.description.as_deref().unwrap_or(.0.code.as_str()))]
    OAuth(OAuthError),
    /// The body was larger than the endpoint accepts.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The database cannot be reached; the client should retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; logged, answered with a generic 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<OAuthError> for ApiError {
    fn from(error: OAuthError) -> Self {
        Self::OAuth(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable(error.to_string())
        } else {
            Self::Internal(error.to_string())
        }
    }
}

impl From<CryptoError> for ApiError {
    fn from(error: CryptoError) -> Self {
        Self::Internal(error.to_string())
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<&'a str>,
}

fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The JSON error body of RFC 6749 §5.2 (also used by RFC 6750 §3 and RFC 7009 §2.2.1) with
/// `status`, and `Cache-Control: no-store`: every JSON error of the server goes out here.
pub fn oauth_error_json(status: StatusCode, error: &OAuthError) -> Response {
    let body = ErrorBody { error: error.code.as_str(), error_description: error.description.as_deref() };
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The JSON error response of RFC 6749 §5.2: the status that goes with the code, and the
/// `WWW-Authenticate` or `Retry-After` header it calls for.
pub fn oauth_error_response(error: &OAuthError) -> Response {
    let mut response = oauth_error_json(status_of(error.code), error);
    let headers = response.headers_mut();
    match error.code {
        ErrorCode::InvalidClient => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"latchkey\", charset=\"UTF-8\""),
            );
        }
        ErrorCode::TemporarilyUnavailable => {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        _ => {}
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::OAuth(error) => oauth_error_response(&error),
            Self::PayloadTooLarge => {
                let mut response =
                    oauth_error_response(&OAuthError::invalid_request("the request body is too large"));
                *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                response
            }
            Self::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                oauth_error_response(&OAuthError::temporarily_unavailable())
            }
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                oauth_error_response(&OAuthError::server_error())
            }
        }
    }
}

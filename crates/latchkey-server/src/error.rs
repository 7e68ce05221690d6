//! The edge error: how a protocol error, a storage failure or a bug becomes an HTTP response
//! at the API endpoints. (The browser endpoints answer with a page or a redirect instead:
//! `routes::authorize::AuthorizeError`.)
//!
//! RFC 6749 §5.2: errors are JSON `{"error", "error_description"}` with `Cache-Control:
//! no-store`; `invalid_client` is 401 with `WWW-Authenticate` (the scheme the client used,
//! Basic). A bearer token refused at the server's own resources answers as RFC 6750 §3 says
//! ([`latchkey_core::bearer`], shared with `latchkey-guard`). A database outage is 503
//! `temporarily_unavailable`. Internal details, with their whole cause chain, go to the log
//! only, never to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::bearer::{BearerError, Scheme};
use latchkey_core::{ErrorCode, OAuthError};
use latchkey_crypto::CryptoError;
use latchkey_store::StoreError;
use serde::Serialize;

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A protocol error for the client.
    #[error("{}", .0.description().unwrap_or(.0.code.as_str()))]
    OAuth(OAuthError),
    /// A bearer token refused at `/userinfo` or `/account/*` (RFC 6750 §3.1).
    #[error("{}", .0.description())]
    Bearer(BearerError),
    /// A request with the `DPoP` scheme or a DPoP-bound token refused at `/userinfo` or
    /// `/account/*`: as [`Self::Bearer`], challenged with `DPoP` (RFC 9449 §7.1).
    #[error("{}", .0.description())]
    Dpop(BearerError),
    /// An error that tells the client to use a server nonce (RFC 9449 §8, §9): the response
    /// of the inner error with this `DPoP-Nonce` header.
    #[error("{0}")]
    WithDpopNonce(Box<ApiError>, String),
    /// The body was larger than the endpoint accepts.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The caller's IP must wait before its next sign-in attempt ([`crate::throttle`]): the
    /// body of the error it would otherwise get, as 429 with `Retry-After` (RFC 6585 §4).
    #[error("rate limited for {retry_after} s: {error:?}")]
    RateLimited { error: OAuthError, retry_after: i64 },
    /// The database cannot be reached; the client should retry. `Display` prints the whole
    /// cause chain (`{:#}`), for the log.
    #[error("database unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// A bug or an unexpected failure; logged with its cause chain, answered with a generic
    /// 500.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl ApiError {
    /// An unexpected failure, kept whole (with what caused it) for the log:
    /// `.map_err(ApiError::internal)`. To say what was being done, use anyhow's
    /// `.context(..)` instead and let `?` convert.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

impl From<OAuthError> for ApiError {
    fn from(error: OAuthError) -> Self {
        Self::OAuth(error)
    }
}

impl From<BearerError> for ApiError {
    fn from(error: BearerError) -> Self {
        Self::Bearer(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable(error.into())
        } else {
            Self::Internal(error.into())
        }
    }
}

impl From<CryptoError> for ApiError {
    fn from(error: CryptoError) -> Self {
        Self::Internal(error.into())
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
    let body = ErrorBody { error: error.code.as_str(), error_description: error.description() };
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

/// The realm of the server's own protected resources (RFC 6750 §3).
const BEARER_REALM: &str = "latchkey";

/// The RFC 6750 §3 response: the status, challenge and body that [`BearerError`] decides.
fn bearer_error_response(error: &BearerError, scheme: Scheme) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut response = (status, Json(error.body())).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let algs = (scheme == Scheme::Dpop).then(crate::dpop::supported_algs);
    if let Ok(challenge) =
        HeaderValue::from_str(&error.challenge_for(scheme, Some(BEARER_REALM), algs.as_deref()))
    {
        headers.insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

/// Marks a response caused by a failed database operation, for [`crate::metrics::Measured`] to
/// count by backend and route: `unavailable` (the 503s of an outage) or `failed` (500s).
#[derive(Clone, Copy, Debug)]
pub struct DatabaseFailure(pub &'static str);

impl ApiError {
    fn database_failure(&self) -> Option<DatabaseFailure> {
        let (kind, cause) = match self {
            Self::Unavailable(cause) => ("unavailable", cause),
            Self::Internal(cause) => ("failed", cause),
            _ => return None,
        };
        cause.chain().any(|c| c.is::<StoreError>()).then_some(DatabaseFailure(kind))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let failure = self.database_failure();
        let mut response = self.response();
        if let Some(failure) = failure {
            response.extensions_mut().insert(failure);
        }
        response
    }
}

impl ApiError {
    fn response(self) -> Response {
        match self {
            Self::OAuth(error) => oauth_error_response(&error),
            Self::Bearer(error) => bearer_error_response(&error, Scheme::Bearer),
            Self::Dpop(error) => bearer_error_response(&error, Scheme::Dpop),
            Self::WithDpopNonce(error, nonce) => {
                let mut response = error.into_response();
                if let Ok(nonce) = HeaderValue::from_str(&nonce) {
                    response.headers_mut().insert(latchkey_core::dpop::NONCE_HEADER, nonce);
                }
                response
            }
            Self::PayloadTooLarge => {
                let mut response =
                    oauth_error_response(&OAuthError::invalid_request("the request body is too large"));
                *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                response
            }
            Self::RateLimited { error, retry_after } => {
                let mut response = oauth_error_response(&error);
                *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
                response
            }
            Self::Unavailable(_) => {
                tracing::warn!(error = %self, "database unavailable");
                oauth_error_response(&OAuthError::temporarily_unavailable())
            }
            Self::Internal(_) => {
                tracing::error!(error = %self, "internal error");
                oauth_error_response(&OAuthError::server_error())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use anyhow::Context;

    fn read_the_signing_key() -> Result<(), ApiError> {
        let cause = std::io::Error::other("disk sector 7 unreadable");
        Err(cause).context("reading the signing key")?;
        Ok(())
    }

    async fn body_of(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn internal_errors_keep_their_cause_for_the_log_but_not_for_the_client() {
        let error = read_the_signing_key().unwrap_err();
        // What the log line prints (`error = %self`): the context and its cause.
        let logged = error.to_string();
        assert!(logged.contains("reading the signing key"), "{logged}");
        assert!(logged.contains("disk sector 7 unreadable"), "{logged}");
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(response).await;
        assert!(!body.contains("signing key") && !body.contains("sector"), "{body}");
        assert!(body.contains("server_error"), "{body}");
    }

    #[tokio::test]
    async fn store_outages_keep_their_cause_for_the_log_but_not_for_the_client() {
        let error = ApiError::from(StoreError::Unavailable("connection refused by 10.0.0.5".into()));
        assert!(error.to_string().contains("connection refused by 10.0.0.5"), "{error}");
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!body_of(response).await.contains("10.0.0.5"));
    }
}

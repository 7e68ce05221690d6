//! How the BFF answers when it cannot serve a request. API callers get JSON in the RFC 6749
//! §5.2 shape with `Cache-Control: no-store`, and a signed-out browser gets 401 — never a
//! redirect, which `fetch` would follow into Latchkey's login page and hand to JavaScript
//! as an opaque HTML answer.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::csrf::CsrfRefusal;

#[derive(Debug, thiserror::Error)]
pub enum BffError {
    /// No session, or it ended (expired, revoked, signed out).
    #[error("no session")]
    SignedOut,
    #[error("CSRF check failed: {0:?}")]
    Csrf(CsrfRefusal),
    /// A malformed request (the description is fixed text, never the input).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The sign-in could not complete (state, code or ID token refused).
    #[error("sign-in failed: {0}")]
    SignIn(&'static str),
    /// Latchkey or the upstream API did not answer usably.
    #[error("bad gateway: {0}")]
    BadGateway(&'static str),
    #[error("the upstream API did not answer in time")]
    GatewayTimeout,
    /// The session database is unreachable.
    #[error("session store unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<sqlx::Error> for BffError {
    fn from(error: sqlx::Error) -> Self {
        tracing::warn!(%error, "BFF session store");
        Self::Unavailable
    }
}

impl BffError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::SignedOut => (StatusCode::UNAUTHORIZED, "login_required", "sign in first"),
            Self::Csrf(_) => (StatusCode::FORBIDDEN, "csrf", "cross-site request refused"),
            Self::BadRequest(why) => (StatusCode::BAD_REQUEST, "invalid_request", why),
            Self::SignIn(why) => (StatusCode::BAD_REQUEST, "access_denied", why),
            Self::BadGateway(why) => (StatusCode::BAD_GATEWAY, "bad_gateway", why),
            Self::GatewayTimeout => {
                (StatusCode::GATEWAY_TIMEOUT, "gateway_timeout", "the API did not answer in time")
            }
            Self::Unavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "session store unavailable")
            }
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal error"),
        }
    }
}

impl IntoResponse for BffError {
    fn into_response(self) -> Response {
        if let Self::Csrf(why) = &self {
            tracing::info!(?why, "BFF refused a request");
        }
        let (status, code, description) = self.parts();
        let mut response =
            (status, Json(json!({ "error": code, "error_description": description }))).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

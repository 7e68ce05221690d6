//! The successful token response (RFC 6749 §5.1), never cached.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// OpenID Connect Core §3.1.3.3, when the scope has `openid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// RFC 8693 §2.2.1, for the token exchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
}

impl TokenResponse {
    /// The answer for a session [`super::session::start`] started, without an ID token.
    pub fn of(started: super::session::Started, scope: &latchkey_core::scope::Scope) -> Self {
        Self {
            access_token: started.access_token.token,
            token_type: started.access_token.token_type,
            expires_in: started.access_token.expires_in,
            refresh_token: started.refresh_token,
            scope: (!scope.is_empty()).then(|| scope.to_string()),
            id_token: None,
            issued_token_type: None,
        }
    }
}

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        let mut response = Json(self).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

//! Turning a [`Rejection`] into an HTTP response: the status, `WWW-Authenticate: Bearer`
//! challenge and JSON body that [`latchkey_core::bearer`] decides (RFC 6750 §3), so the guard
//! answers exactly as the Latchkey server's own resources do.
//!
//! A handler-level rejection (a missing scope) does not know the guard's realm, so
//! [`Rejection`]'s own response carries a challenge without one and keeps the rejection in
//! the response extensions; [`GuardService`](crate::GuardService) then rewrites the challenge
//! with its realm on the way out ([`add_realm`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use latchkey_core::bearer::Scheme;
use latchkey_core::dpop::NONCE_HEADER;

use crate::dpop::SUPPORTED_ALGS;
use crate::error::Rejection;

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            Rejection::Bearer(error) | Rejection::Dpop { error, .. } => {
                (StatusCode::from_u16(error.status()).unwrap_or(StatusCode::UNAUTHORIZED), error.body())
            }
            Rejection::Unavailable(why) => {
                (StatusCode::SERVICE_UNAVAILABLE, json!({ "error": self.code(), "error_description": why }))
            }
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = challenge(None, &self) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Rejection::Dpop { nonce: Some(nonce), .. } = &self {
            if let Ok(nonce) = HeaderValue::from_str(nonce) {
                headers.insert(NONCE_HEADER, nonce);
            }
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// Puts `realm` into the challenge of a response made from a [`Rejection`].
pub(crate) fn add_realm(response: &mut Response, realm: &str) {
    let challenge = response.extensions().get::<Rejection>().and_then(|r| challenge(Some(realm), r));
    if let Some(challenge) = challenge {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
    }
}

/// The RFC 6750 §3 challenge; none for `503` (that is not an authentication failure).
fn challenge(realm: Option<&str>, rejection: &Rejection) -> Option<HeaderValue> {
    match rejection {
        Rejection::Bearer(error) => HeaderValue::from_str(&error.challenge(realm)).ok(),
        Rejection::Dpop { error, .. } => {
            let algs = SUPPORTED_ALGS.map(|alg| alg.as_str()).join(" ");
            HeaderValue::from_str(&error.challenge_for(Scheme::Dpop, realm, Some(&algs))).ok()
        }
        Rejection::Unavailable(_) => None,
    }
}

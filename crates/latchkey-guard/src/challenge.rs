//! Turning a [`Rejection`] into an HTTP response: status, the RFC 6750 §3
//! `WWW-Authenticate: Bearer` challenge and a JSON body.
//!
//! A handler-level rejection (a missing scope) does not know the guard's realm, so
//! [`Rejection`]'s own response carries a challenge without one and keeps the rejection in
//! the response extensions; [`GuardService`](crate::GuardService) then rewrites the challenge
//! with its realm on the way out ([`add_realm`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::error::Rejection;

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = match &self {
            Rejection::MissingToken | Rejection::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Rejection::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Rejection::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Rejection::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        let body = match self.code() {
            Some(code) => json!({ "error": code, "error_description": self.description() }),
            None => json!({ "error_description": self.description() }),
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = challenge(None, &self) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
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
    if matches!(rejection, Rejection::Unavailable(_)) {
        return None;
    }
    let mut params = Vec::new();
    if let Some(realm) = realm {
        params.push(format!("realm=\"{}\"", quotable(realm)));
    }
    if let Some(code) = rejection.code() {
        params.push(format!("error=\"{code}\""));
        params.push(format!("error_description=\"{}\"", quotable(&rejection.description())));
    }
    if let Rejection::InsufficientScope(scope) = rejection {
        params.push(format!("scope=\"{}\"", quotable(scope)));
    }
    let value = if params.is_empty() { "Bearer".to_owned() } else { format!("Bearer {}", params.join(", ")) };
    HeaderValue::from_str(&value).ok()
}

/// RFC 6750 §3: `error_description` (and, in practice, the other values) must use only
/// %x20-21 / %x23-5B / %x5D-7E: printable ASCII without `"` and `\`. Anything else becomes
/// `'` or `?`, so an attacker-chosen `kid` echoed in a description cannot break the header.
fn quotable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_cannot_break_out_of_the_quoted_string() {
        let rejection = Rejection::InvalidToken("no key \"a\\\"\r\nX-Evil: 1\" é".into());
        let value = challenge(Some("api"), &rejection).unwrap();
        assert_eq!(
            value.to_str().unwrap(),
            "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"no key 'a''??X-Evil: 1' ?\""
        );
    }

    #[test]
    fn missing_token_gets_a_bare_challenge() {
        assert_eq!(challenge(Some("api"), &Rejection::MissingToken).unwrap(), "Bearer realm=\"api\"");
        assert_eq!(challenge(None, &Rejection::MissingToken).unwrap(), "Bearer");
    }
}

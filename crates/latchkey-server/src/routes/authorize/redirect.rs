//! Redirects back to the client (RFC 6749 §4.1.2): query parameters appended to the
//! registered URI (keeping its own query), `303 See Other` so a form post becomes a GET
//! (RFC 9700 §4.11), and the page security headers (no Referer leaks the code).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;

use crate::pages;
use crate::state::AppState;

/// `uri` with `params` appended to its query.
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        serializer.append_pair(name, value);
    }
    let query = serializer.finish();
    let separator = if uri.contains('?') {
        if uri.ends_with('?') || uri.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    format!("{uri}{separator}{query}")
}

/// A 303 to `uri` with `params`.
pub fn redirect_to(uri: &str, params: &[(&str, &str)]) -> Response {
    let location = with_query(uri, params);
    let mut response = match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => {
            return pages::error_page(
                StatusCode::BAD_REQUEST,
                "Cannot return",
                "The return address is invalid.",
            )
        }
    };
    pages::add_security_headers(&mut response);
    response
}

/// RFC 6749 §4.1.2.1 with RFC 9207's `iss`.
pub fn error_redirect(
    state: &AppState,
    uri: &str,
    error: &OAuthError,
    client_state: Option<&str>,
) -> Response {
    let mut params = vec![("error", error.code.as_str())];
    if let Some(description) = error.description.as_deref() {
        params.push(("error_description", description));
    }
    if let Some(s) = client_state {
        params.push(("state", s));
    }
    params.push(("iss", &state.issuer));
    redirect_to(uri, &params)
}

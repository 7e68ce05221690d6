//! Redirects back to the client (RFC 6749 §4.1.2): query parameters appended to the
//! registered URI (keeping its own query), `303 See Other` so a form post becomes a GET
//! (RFC 9700 §4.11), and the page security headers (no Referer leaks the code).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::pages::tr;
use crate::pages::{self, ErrorPage};

/// `uri` with `params` appended to its query (`uri` itself when there are none).
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return uri.to_owned();
    }
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
            return ErrorPage::bad_request(tr("return-error-title"), tr("return-error-text")).into_response()
        }
    };
    pages::add_security_headers(&mut response);
    response
}

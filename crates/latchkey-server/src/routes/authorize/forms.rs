//! What every hosted form shares: reading its body, the `Origin` and CSRF check, and showing a
//! form page with its CSRF token (the double-submit cookie is set when the browser has none).
//! Each failure is an error page.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use latchkey_core::form::FormParams;

use super::error::AuthorizeError;
use crate::browser;
use crate::error::ApiError;
use crate::pages::tr;
use crate::pages::ErrorPage;
use crate::routes::form_body::form_body;
use crate::state::AppState;

/// The page for a form post that failed the `Origin` or CSRF check.
pub fn forbidden_page() -> ErrorPage {
    ErrorPage::new(StatusCode::FORBIDDEN, tr("forbidden-title"), tr("forbidden-text"))
}

/// Reads a hosted form's body: its parameters, or the page to answer with.
pub fn read_page_form(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<FormParams, ErrorPage> {
    form_body(headers, body)
        .ok()
        .and_then(|body| FormParams::parse(&body).ok())
        .ok_or_else(|| ErrorPage::bad_request(super::error::title(), tr("error-form-unreadable")))
}

/// Reads a hosted form's body and checks that it was sent from this site's own page
/// (`Origin`, CSRF token).
pub fn read_checked_form(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<FormParams, AuthorizeError> {
    let form = read_page_form(headers, body)?;
    if !browser::check_form_post(state, headers, form.get("csrf")) {
        return Err(forbidden_page().into());
    }
    Ok(form)
}

/// `response` (a form shown again) as the answer to a client IP that must wait: 429 with
/// `Retry-After` (RFC 6585 §4).
pub fn rate_limited(mut response: Response, retry_after: i64) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// The page `render` makes with the browser's CSRF token, setting the CSRF cookie when the
/// browser has none.
pub fn with_csrf(
    state: &AppState,
    headers: &HeaderMap,
    render: impl FnOnce(&str) -> Response,
) -> Result<Response, ApiError> {
    let (cookie, set_cookie) = browser::csrf_cookie(state, headers)?;
    let mut response = render(&browser::csrf_token(&state.page_mac, &cookie));
    if let Some(set_cookie) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, set_cookie);
    }
    Ok(response)
}

//! What the passkey endpoints share (docs/architecture.md, "Passkeys"): the static script of
//! the ceremonies (`GET /passkeys.js`), and the JSON answer of an options endpoint — a POST
//! from our own page (`Origin` and the CSRF token, as every hosted form), answered with the
//! ceremony's handle and webauthn-rs's options, `no-store`; a refusal is an RFC 6749 §5.2
//! error.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::form::FormParams;
use latchkey_core::OAuthError;
use serde::Serialize;

use crate::browser;
use crate::error::ApiError;
use crate::routes::form_body::read_form;
use crate::state::AppState;

const SCRIPT: &str = include_str!("../pages/passkeys.js");

pub async fn script() -> Response {
    let mut response = SCRIPT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Checks an options request: a form from our own page with its CSRF token. Returns the form.
pub fn check_options_request(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<FormParams, ApiError> {
    let form = read_form(headers, body)?;
    if !browser::check_form_post(state, headers, form.get("csrf")) {
        return Err(OAuthError::invalid_request("the request was not sent from this site").into());
    }
    Ok(form)
}

/// The ceremony's options (webauthn-rs's `{"publicKey": …}`) with its `ceremony` handle.
pub fn options_response(handle: &str, options: &impl Serialize) -> Result<Response, ApiError> {
    let mut json = serde_json::to_value(options).map_err(ApiError::internal)?;
    json["ceremony"] = serde_json::Value::from(handle);
    let mut response = Json(json).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

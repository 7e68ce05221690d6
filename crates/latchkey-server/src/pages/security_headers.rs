//! The security headers of every hosted page and of the redirects the pages answer with, in
//! one place: a Content-Security-Policy that allows nothing but the one inline stylesheet (by
//! its hash), the configured logo's origin, this server's own scripts (the passkey ceremonies' `/passkeys.js`; no inline
//! script) and their requests to it, and forbids framing, `X-Frame-Options: DENY` for older browsers (no clickjacking
//! of the consent button), `Referrer-Policy: no-referrer` (no codes or `state` in Referer
//! headers, RFC 9700 §4.2.4), `nosniff`, and `Cache-Control: no-store`.

use axum::http::{header, HeaderValue};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_crypto::digest::sha256;

use super::presentation::with_current;

/// The policy for the stylesheet `style` (allowed by its hash) and a logo from `logo_origin`
/// (the one origin `img-src` allows beside this server); computed once at start, the
/// stylesheet does not change while the server runs.
pub fn content_security_policy(style: &str, logo_origin: Option<&str>) -> anyhow::Result<HeaderValue> {
    let style_hash = STANDARD.encode(sha256(style.as_bytes()));
    let logo = logo_origin.map(|origin| format!(" {origin}")).unwrap_or_default();
    Ok(HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'sha256-{style_hash}'; script-src 'self'; connect-src 'self'; \
         img-src 'self'{logo}; base-uri 'none'; frame-ancestors 'none'"
    ))?)
}

/// Adds the hosted pages' security headers to `response`.
pub fn add_security_headers(response: &mut Response) {
    let headers = response.headers_mut();
    if let Some(csp) = with_current(|presentation, _| presentation.csp.clone()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

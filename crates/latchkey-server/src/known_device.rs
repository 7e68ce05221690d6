//! The known-device cookie: proof that this browser signed in to an account before, so that
//! other people's failures against that account do not slow it down ([`crate::authn`]; the
//! Keycloak and OWASP "device cookie" answer to lockouts anyone can trigger).
//!
//! The value is `<issued-at>.<tag>`, the tag an HMAC under the hosted pages' key over the
//! issued-at and the lower-cased username: it cannot be forged nor moved to another account,
//! and it stops counting after [`MAX_AGE`] whatever the browser keeps. A browser remembers
//! one account (the last it signed in to). The password grant has no such cookie: its
//! clients keep a refresh token and do not re-enter the password while they hold one.

use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::cookies::read_cookie;
use crate::state::AppState;

/// How long a sign-in keeps a browser known (seconds).
pub const MAX_AGE: i64 = 180 * 24 * 3600;

fn signed_data(issued_at: i64, username: &str) -> Vec<u8> {
    format!("latchkey known device v1\0{issued_at}\0{}", username.to_lowercase()).into_bytes()
}

/// Whether the request carries a live known-device cookie for `username`.
pub fn is_known(state: &AppState, headers: &HeaderMap, username: &str, now: i64) -> bool {
    let Some(value) = read_cookie(headers, state.cookies.device_name) else { return false };
    let Some((issued_at, tag)) = value.split_once('.') else { return false };
    let Ok(issued_at) = issued_at.parse::<i64>() else { return false };
    let live = issued_at <= now && now < issued_at.saturating_add(MAX_AGE);
    live && URL_SAFE_NO_PAD
        .decode(tag)
        .is_ok_and(|tag| state.page_mac.verify(&signed_data(issued_at, username), &tag))
}

/// The `Set-Cookie` that makes this browser known for `username` after a successful sign-in.
pub fn cookie(state: &AppState, username: &str, now: i64) -> HeaderValue {
    let tag = URL_SAFE_NO_PAD.encode(state.page_mac.tag(&signed_data(now, username)));
    state.cookies.set_cookie(state.cookies.device_name, &format!("{now}.{tag}"), MAX_AGE)
}

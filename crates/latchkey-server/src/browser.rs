//! The browser side of the hosted pages: the single-sign-on cookie, CSRF defence (a
//! double-submit token bound to a cookie, plus an `Origin` check) and the signed
//! "interaction" that carries an authorization request through login and consent.
//!
//! The session cookie's name and attributes follow from the issuer ([`crate::cookies`]).
//! It holds a 256-bit secret; the database keeps only its SHA-256. Every login
//! creates a new browser session, so the id changes at login (no session fixation).

use axum::http::{header, HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest::sha256;
use latchkey_crypto::{random, MacKey};
use latchkey_store::{BrowserSession, SignInMethod};
use serde::{Deserialize, Serialize};

use crate::cookies::read_cookie;
use crate::error::ApiError;
use crate::state::AppState;

/// How long a browser stays signed in at the hosted pages.
pub const BROWSER_SESSION_TTL: i64 = 12 * 3600;
/// How long a login or consent page may stay open before its form expires.
pub const INTERACTION_TTL: i64 = 30 * 60;

fn hash_secret(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(secret.as_bytes()))
}

/// The live browser session named by the request's cookie.
pub async fn current_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<BrowserSession>, ApiError> {
    let Some(secret) = read_cookie(headers, state.cookies.session_name) else { return Ok(None) };
    if secret.len() > 100 {
        return Ok(None);
    }
    Ok(state.store.browser_session_by_secret(&hash_secret(&secret), state.clock.now()).await?)
}

/// Starts a browser session for `user_id`, signed in by `method` (ending `previous`, if
/// any), and returns it with the `Set-Cookie` header that carries its secret.
pub async fn start_session(
    state: &AppState,
    user_id: &str,
    method: SignInMethod,
    previous: Option<&BrowserSession>,
) -> Result<(BrowserSession, HeaderValue), ApiError> {
    let now = state.clock.now();
    if let Some(previous) = previous {
        state.store.end_browser_session(&previous.id, now).await?;
    }
    let secret = random::token(32)?;
    let session = BrowserSession {
        id: random::token(16)?,
        user_id: user_id.to_owned(),
        auth_time: now,
        created_at: now,
        expires_at: now + BROWSER_SESSION_TTL,
        ended_at: None,
        method,
    };
    state.store.create_browser_session(&session, &hash_secret(&secret)).await?;
    let cookie = state.cookies.set_cookie(state.cookies.session_name, &secret, BROWSER_SESSION_TTL);
    Ok((session, cookie))
}

/// The `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    state.cookies.set_cookie(state.cookies.session_name, "", 0)
}

/// The CSRF cookie value of the request, or a new one with the `Set-Cookie` to send.
pub fn csrf_cookie(state: &AppState, headers: &HeaderMap) -> Result<(String, Option<HeaderValue>), ApiError> {
    if let Some(value) =
        read_cookie(headers, state.cookies.csrf_name).filter(|v| (20..=100).contains(&v.len()))
    {
        return Ok((value, None));
    }
    let value = random::token(32)?;
    let set = state.cookies.set_cookie(state.cookies.csrf_name, &value, BROWSER_SESSION_TTL);
    Ok((value, Some(set)))
}

/// The form token for a CSRF cookie value: a MAC, so only this server can make one.
pub fn csrf_token(mac: &MacKey, cookie: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac.tag(&[b"latchkey csrf v1\0", cookie.as_bytes()].concat()))
}

/// Checks a form post: its `Origin` (when sent) is the issuer's, compared in serialized
/// form ([`crate::issuer::Issuer::is_origin`]), `Sec-Fetch-Site` (when sent) is not
/// cross-site, and its token matches the CSRF cookie.
///
/// Our pages send `Referrer-Policy: no-referrer`, and the Fetch standard then makes
/// browsers send `Origin: null` on their form posts. `null` is accepted only together with
/// `Sec-Fetch-Site: same-origin`, a header pages cannot forge; a `null` from anywhere else
/// (a sandboxed frame on another site) is refused.
pub fn check_form_post(state: &AppState, headers: &HeaderMap, token: Option<&str>) -> bool {
    let fetch_site = headers.get("sec-fetch-site").map(HeaderValue::as_bytes);
    if fetch_site.is_some_and(|site| site != b"same-origin" && site != b"none") {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let same = origin.to_str().is_ok_and(|origin| state.urls.issuer().is_origin(origin));
        let opaque_same_origin =
            origin.as_bytes() == b"null" && fetch_site == Some(b"same-origin".as_slice());
        if !same && !opaque_same_origin {
            return false;
        }
    }
    let (Some(cookie), Some(token)) = (read_cookie(headers, state.cookies.csrf_name), token) else {
        return false;
    };
    let tag = [b"latchkey csrf v1\0", cookie.as_bytes()].concat();
    URL_SAFE_NO_PAD.decode(token).is_ok_and(|t| state.page_mac.verify(&tag, &t))
}

/// An authorization request in flight between the hosted pages, signed by the server so a
/// form cannot be altered: the original request, the browser session it is bound to, and
/// whether that session's login happened during this very request (which satisfies
/// `prompt=login` and `max_age`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interaction {
    /// The authorization request's parameters, form-encoded.
    pub q: String,
    /// The browser session it is bound to (none before login).
    pub bs: Option<String>,
    /// The login happened during this request.
    pub fresh: bool,
    pub exp: i64,
}

impl Interaction {
    pub fn seal(&self, mac: &MacKey) -> Result<String, ApiError> {
        seal_signed(mac, b"latchkey interaction v1\0", self)
    }

    /// The interaction, if the MAC checks out and it has not expired.
    pub fn open(mac: &MacKey, sealed: &str, now: i64) -> Option<Self> {
        let interaction: Self = open_signed(mac, b"latchkey interaction v1\0", sealed)?;
        (interaction.exp > now).then_some(interaction)
    }
}

/// `value` as JSON with a MAC under `label` (one label per kind of value, so one kind cannot
/// pass for another): readable by the browser, alterable by nobody.
pub fn seal_signed<T: Serialize>(mac: &MacKey, label: &[u8], value: &T) -> Result<String, ApiError> {
    let json = serde_json::to_vec(value).map_err(ApiError::internal)?;
    let tag = mac.tag(&[label, &json].concat());
    Ok(format!("{}.{}", URL_SAFE_NO_PAD.encode(&json), URL_SAFE_NO_PAD.encode(tag)))
}

/// The value [`seal_signed`] sealed under `label`, if its MAC checks out.
pub fn open_signed<T: for<'de> Deserialize<'de>>(mac: &MacKey, label: &[u8], sealed: &str) -> Option<T> {
    let (json, tag) = sealed.split_once('.')?;
    let json = URL_SAFE_NO_PAD.decode(json).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    if !mac.verify(&[label, &json].concat(), &tag) {
        return None;
    }
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn interactions_are_tamper_proof() {
        let mac = MacKey::from_bytes([1; 32]);
        let sealed = Interaction { q: "a=b".into(), bs: None, fresh: false, exp: 100 }.seal(&mac).unwrap();
        assert!(Interaction::open(&mac, &sealed, 99).is_some());
        assert!(Interaction::open(&mac, &sealed, 100).is_none(), "expired");
        assert!(Interaction::open(&MacKey::from_bytes([2; 32]), &sealed, 0).is_none());
        let forged = format!("{}{}", &sealed[..2], &sealed[3..]);
        assert!(Interaction::open(&mac, &forged, 0).is_none());
    }
}

//! `GET {prefix}/login` and `GET {prefix}/callback`: the authorization-code flow with PKCE
//! as a confidential client (RFC 6749 §4.1, RFC 7636, OpenID Connect Core §3.1).
//!
//! A login may be a step-up (RFC 9470 §4): `acr_values` and `max_age` from an API's
//! challenge go on to `/authorize`, with `prompt=login` when `max_age` is 0.
//!
//! The pending sign-in (state, nonce, verifier, where to return) travels in a sealed,
//! short-lived cookie rather than a table: it binds the callback to the browser that
//! started the sign-in (RFC 6749 §10.12) and costs no write for abandoned attempts. The
//! callback checks `state`, RFC 9207 `iss`, redeems the code, checks the ID token
//! ([`crate::id_token`]), and starts a new session under a fresh id (the old one, if any,
//! is deleted: session fixation, RFC 6819 §4.4.1.x), answering with a redirect to the
//! sanitized `return_to` ([`crate::return_to`]).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_client::{AuthorizationRequest, PkceVerifier, State as OAuthState, StepUp};
use latchkey_crypto::{digest::sha256, random};
use serde::{Deserialize, Serialize};

use crate::bff::Bff;
use crate::error::BffError;
use crate::gate::{hash_id, new_session};
use crate::{cookies, return_to};

/// Associated data of the sealed login cookie.
const LOGIN_AAD: &[u8] = b"latchkey-bff pending login v1";

#[derive(Serialize, Deserialize)]
struct PendingLogin {
    state: String,
    nonce: String,
    verifier: String,
    return_to: String,
    expires_at: i64,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
    /// A step-up (RFC 9470 §4): what an API's `insufficient_user_authentication` challenge
    /// asked for, passed on to `/authorize` (OpenID Connect Core §3.1.2.1).
    acr_values: Option<String>,
    max_age: Option<i64>,
}

/// Longest `acr_values` passed on; an API asks for a few short URNs.
const MAX_ACR_VALUES_LEN: usize = 512;

/// The step-up a login asks for, checked: `acr_values` printable ASCII of bounded length
/// (it goes to the issuer as is), `max_age` not negative.
fn step_up(query: &LoginQuery) -> Result<StepUp, BffError> {
    let acr_values = query.acr_values.as_deref().map(str::trim).filter(|v| !v.is_empty());
    if acr_values
        .is_some_and(|v| v.len() > MAX_ACR_VALUES_LEN || !v.bytes().all(|b| (0x20..0x7f).contains(&b)))
    {
        return Err(BffError::BadRequest("acr_values must be a short list of printable ASCII values"));
    }
    if query.max_age.is_some_and(|age| age < 0) {
        return Err(BffError::BadRequest("max_age must not be negative"));
    }
    Ok(StepUp { acr_values: acr_values.map(str::to_owned), max_age: query.max_age })
}

/// A `303 See Other` that sets cookies; such answers are never cached.
pub(crate) fn redirect(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, location);
    }
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn random_value() -> Result<String, BffError> {
    random::token(32).map_err(|_| BffError::Internal("no randomness"))
}

pub async fn login(State(bff): State<Bff>, Query(query): Query<LoginQuery>) -> Result<Response, BffError> {
    let inner = &bff.inner;
    let config = &inner.config;
    let step_up = step_up(&query)?;
    let state = OAuthState::generate().map_err(|_| BffError::Internal("no randomness"))?;
    let verifier = PkceVerifier::generate().map_err(|_| BffError::Internal("no randomness"))?;
    let nonce = random_value()?;
    let endpoint = inner
        .client
        .endpoints()
        .authorization
        .clone()
        .ok_or(BffError::BadGateway("the issuer announces no authorization endpoint"))?;
    let mut scope: Vec<&str> = config.scope.split_whitespace().collect();
    if !scope.contains(&"openid") {
        scope.insert(0, "openid");
    }
    let pending = PendingLogin {
        state: state.as_str().to_owned(),
        nonce: nonce.clone(),
        verifier: verifier.as_str().to_owned(),
        return_to: return_to::sanitize(query.return_to.as_deref()),
        expires_at: inner.clock.now() + cookies::LOGIN_TTL_SECONDS,
    };
    let request = AuthorizationRequest {
        client_id: config.client_id.clone(),
        redirect_uri: config.redirect_uri(),
        scope: Some(scope.join(" ")),
        state,
        verifier,
        step_up,
    };
    let mut url = request.url(&endpoint);
    url.query_pairs_mut().append_pair("nonce", &nonce);
    let json = serde_json::to_vec(&pending).map_err(|_| BffError::Internal("serialize login"))?;
    let sealed = inner.key.seal(&json, LOGIN_AAD).map_err(|_| BffError::Internal("seal login"))?;
    let cookie = cookies::login(base64url(&sealed), config.insecure_loopback());
    Ok(redirect(url.as_str(), vec![cookie]))
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn pending_login(bff: &Bff, headers: &HeaderMap) -> Result<PendingLogin, BffError> {
    use base64::Engine;
    let insecure = bff.inner.config.insecure_loopback();
    let cookie =
        cookies::read(headers, cookies::LOGIN, insecure).ok_or(BffError::SignIn("no sign-in in progress"))?;
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cookie)
        .map_err(|_| BffError::SignIn("no sign-in in progress"))?;
    let json =
        bff.inner.key.open(&sealed, LOGIN_AAD).map_err(|_| BffError::SignIn("no sign-in in progress"))?;
    let pending: PendingLogin =
        serde_json::from_slice(&json).map_err(|_| BffError::SignIn("no sign-in in progress"))?;
    if pending.expires_at <= bff.inner.clock.now() {
        return Err(BffError::SignIn("the sign-in took too long"));
    }
    Ok(pending)
}

pub async fn callback(
    State(bff): State<Bff>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, BffError> {
    let inner = &bff.inner;
    let pending = pending_login(&bff, &headers)?;
    let param = |name: &str| query.get(name).map(String::as_str);
    // Constant-time in effect: both are 256-bit random values compared by their hashes.
    if param("state").map(|s| sha256(s.as_bytes())) != Some(sha256(pending.state.as_bytes())) {
        return Err(BffError::SignIn("the state does not match this sign-in"));
    }
    let endpoints = inner.client.endpoints();
    if (endpoints.authorization_response_iss || param("iss").is_some())
        && param("iss") != Some(&endpoints.issuer)
    {
        return Err(BffError::SignIn("the redirect names another issuer (RFC 9207)"));
    }
    if param("error").is_some() {
        return Err(BffError::SignIn("the authorization server refused the sign-in"));
    }
    let code = param("code").ok_or(BffError::BadRequest("the redirect carries no code"))?;
    let verifier =
        PkceVerifier::parse(&pending.verifier).map_err(|_| BffError::Internal("stored verifier"))?;
    let tokens =
        inner.client.exchange_code(code, &verifier, &inner.config.redirect_uri()).await.map_err(|error| {
            tracing::info!(%error, "BFF code exchange refused");
            BffError::SignIn("the authorization code was refused")
        })?;
    let value = new_session(&bff, tokens, &pending.nonce).await?;
    if let Some(old) = cookies::read(&headers, cookies::SESSION, inner.config.insecure_loopback()) {
        inner.store.delete(&hash_id(&old)).await?;
    }
    let insecure = inner.config.insecure_loopback();
    Ok(redirect(
        &pending.return_to,
        vec![cookies::session(value, insecure), cookies::clear(cookies::LOGIN, insecure)],
    ))
}

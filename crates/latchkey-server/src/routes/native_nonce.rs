//! `GET /native/nonce`: a single-use nonce for a native app's token exchange
//! (`docs/architecture.md`, "Native apps"). The app passes it (or, for a provider configured
//! `sha256` such as Apple, its hex SHA-256) to the provider's SDK, so the ID token it gets
//! back is bound to this one exchange; `POST /token` then consumes it once. 256 random bits,
//! stored only as their SHA-256, valid 10 minutes; never cached. Each one is a row, so the
//! caller's IP is throttled ([`Key::native_nonce`], counted in the database every process
//! shares): a flood is answered 429 with `Retry-After` (RFC 6585 §4).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::OAuthError;
use latchkey_crypto::random;
use serde_json::json;

use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::federation::exchange::{nonce_hash, NONCE_TTL};
use crate::state::AppState;
use crate::throttle::{self, Key, Verdict};

pub async fn issue(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let key = Key::native_nonce(client_ip(peer, &headers, &state.config.trusted_proxies));
    if let Verdict::RateLimited { retry_after } =
        throttle::admit_request(state.login_throttle.as_ref(), &[key], now).await?
    {
        let error =
            OAuthError::invalid_request("too many nonces requested from your network; try again later");
        return Err(ApiError::RateLimited { error, retry_after });
    }
    let nonce = random::token(32)?;
    state.store.create_native_nonce(&nonce_hash(&nonce), now, now + NONCE_TTL).await?;
    let mut response = Json(json!({ "nonce": nonce, "expires_in": NONCE_TTL })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

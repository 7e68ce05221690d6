//! `GET /native/nonce`: a single-use nonce for a native app's token exchange
//! (`docs/architecture.md`, "Native apps"). The app passes it (or, for a provider configured
//! `sha256` such as Apple, its hex SHA-256) to the provider's SDK, so the ID token it gets
//! back is bound to this one exchange; `POST /token` then consumes it once. 256 random bits,
//! stored only as their SHA-256, valid 10 minutes; never cached.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_crypto::random;
use serde_json::json;

use crate::error::ApiError;
use crate::federation::exchange::{nonce_hash, NONCE_TTL};
use crate::state::AppState;

pub async fn issue(State(state): State<AppState>) -> Result<Response, ApiError> {
    let nonce = random::token(32)?;
    let now = state.clock.now();
    state.store.create_native_nonce(&nonce_hash(&nonce), now, now + NONCE_TTL).await?;
    let mut response = Json(json!({ "nonce": nonce, "expires_in": NONCE_TTL })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

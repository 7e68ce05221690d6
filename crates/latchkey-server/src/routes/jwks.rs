//! `GET /jwks.json`: the public signing keys (RFC 7517 §5) — pending, active and retiring
//! (docs/architecture.md, "Signing-key rotation"). Read from the store on each request, so an
//! emergency revocation by any process takes the key out at once; while the database is
//! down, the keys this process loaded last, so resource servers starting meanwhile still get
//! keys (tokens cannot be issued then anyway). Cacheable for
//! `jwks_max_age` (`must-revalidate`: a resource server never uses a stale copy), with a
//! strong `ETag` so a revalidation costs a 304 (RFC 9110 §8.8.3, §13.1.2).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest;

use crate::error::ApiError;
use crate::keys;
use crate::state::AppState;

pub async fn jwks(State(state): State<AppState>, request: HeaderMap) -> Result<Response, ApiError> {
    let set = match state.store.signing_keys().await {
        Ok(records) => keys::jwks(&records).map_err(ApiError::internal)?,
        Err(e) => {
            tracing::warn!(error = %e, "serving the JWKS this process loaded last: the database is unavailable");
            state.keys.verifiers().to_jwks()
        }
    };
    let body = serde_json::to_string(&set).map_err(ApiError::internal)?;
    let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest::sha256(body.as_bytes())[..16]));
    let cache_control = format!("public, max-age={}, must-revalidate", state.config.jwks_max_age.as_secs());
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| candidate.trim() == etag || candidate.trim() == "*");
    let mut response = if matches { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let headers = response.headers_mut();
    if !matches {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).map_err(ApiError::internal)?);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_str(&cache_control).map_err(ApiError::internal)?);
    Ok(response)
}

//! Server metadata (RFC 8414 §2, OpenID Connect Discovery 1.0 §3). Lists only what this
//! server implements: no authorization endpoint is advertised until one exists.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::grant::GrantType;
use serde_json::json;

use crate::state::AppState;

pub async fn metadata(State(state): State<AppState>) -> Response {
    let issuer = &state.issuer;
    let grants: Vec<&str> = GrantType::ALL.iter().map(|g| g.as_str()).collect();
    let body = json!({
        "issuer": issuer.as_ref(),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks.json"),
        "grant_types_supported": grants,
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

//! `GET /jwks.json`: the public signing keys (RFC 7517 §5), cacheable so resource servers
//! fetch it rarely; keys are published for as long as tokens signed with them may live.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn jwks(State(state): State<AppState>) -> Response {
    let mut response = state.keys.jwks_json().to_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

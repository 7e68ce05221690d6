//! `GET /revocations?since=T`: the revocation feed resource servers poll, so the access
//! tokens of a session that ended — revoked, or past its idle or absolute deadline (the one
//! liveness rule, `latchkey_core::session`) — stop working within one poll interval instead
//! of at their own expiry.
//!
//! Authenticated like introspection (a confidential client, HTTP Basic). Each entry carries
//! `expires_at`, after which it no longer matters: for a token, its own expiry; for a
//! session, revocation time plus the longest access-token lifetime any client has; for a
//! signing key revoked in an emergency (`"type": "key_revoked"`, with its `kid`), when every
//! token it signed has expired. Guards ignore entry types they do not know. The
//! cursor is a time, and `next_since` overlaps the previous page by a few seconds, so an
//! entry committed by another process just as a page is read is never skipped; entries are
//! idempotent, so seeing one twice is harmless.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::client::ClientKind;
use latchkey_core::OAuthError;
use latchkey_store::RevocationKind;
use serde::Deserialize;
use serde_json::json;

use crate::client_auth::authenticate_client;
use crate::error::ApiError;
use crate::keys;
use crate::state::AppState;

/// Entries per page.
const PAGE: i64 = 1000;
/// How far each `next_since` reaches back to cover writes still in flight elsewhere.
const OVERLAP_SECS: i64 = 5;

#[derive(Deserialize)]
pub struct FeedQuery {
    #[serde(default)]
    since: i64,
}

pub async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let client = authenticate_client(&state, &headers, None, None).await?;
    if client.kind != ClientKind::Confidential {
        return Err(OAuthError::invalid_client("the revocation feed is for confidential clients").into());
    }
    let Query(query) =
        query.map_err(|_| OAuthError::invalid_request("since must be a Unix time in seconds"))?;
    let now = state.clock.now();
    let longest_ttl = keys::longest_access_token_ttl(state.store.as_ref(), &state.config).await?;
    let entries = state.store.revocations_since(query.since, now, PAGE).await?;
    let full_page = entries.len() as i64 == PAGE;
    let next_since = match entries.last() {
        Some(last) if full_page => last.revoked_at,
        _ => query.since.max(now - OVERLAP_SECS),
    };
    let revocations: Vec<_> = entries
        .iter()
        .map(|entry| match entry.kind {
            RevocationKind::Session => json!({
                "type": "session",
                "sid": entry.id,
                "revoked_at": entry.revoked_at,
                "expires_at": entry.revoked_at + longest_ttl,
            }),
            RevocationKind::AccessToken => json!({
                "type": "access_token",
                "jti": entry.id,
                "revoked_at": entry.revoked_at,
                "expires_at": entry.expires_at,
            }),
            RevocationKind::SigningKey => json!({
                "type": "key_revoked",
                "kid": entry.id,
                "revoked_at": entry.revoked_at,
                "expires_at": entry.expires_at,
            }),
        })
        .collect();
    let mut response = Json(json!({
        "revocations": revocations,
        "next_since": next_since,
        "more": full_page,
    }))
    .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

//! `grant_type=refresh_token` (RFC 6749 §6) with rotation on every use.
//!
//! The happy path is one compare-and-swap on the session row (one round trip on
//! PostgreSQL). When it does not match, the row says why ([`classify_failed_rotation`]): a
//! concurrent duplicate gets the same successor token, a replay revokes the whole session
//! and is recorded as an audit event (RFC 9700 §4.14.2), anything else is `invalid_grant`.

use axum::response::{IntoResponse, Response};
use latchkey_core::refresh::{classify_failed_rotation, FailedRotation, SessionState};
use latchkey_core::scope::Scope;
use latchkey_core::OAuthError;
use latchkey_store::{AuditEvent, Client, SessionWithUser};

use super::response::TokenResponse;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::access_token::{self, AccessTokenSpec};

fn invalid_token() -> ApiError {
    OAuthError::invalid_grant("the refresh token is invalid, expired or revoked").into()
}

fn state_of(found: &SessionWithUser) -> SessionState {
    let s = &found.session;
    SessionState { generation: s.generation, rotated_at: s.rotated_at, lifetime: s.lifetime() }
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    refresh_token: &str,
    requested: Option<&Scope>,
    dpop_jkt: Option<&str>,
) -> Result<Response, ApiError> {
    let (session_id, generation) =
        state.refresh_tokens.open(refresh_token, &client.id).ok_or_else(invalid_token)?;
    let sid = session_id.to_string();
    let policy = state.policy(client);

    // RFC 6749 §6: a narrower scope may be asked for, never a wider one. Checked before
    // rotating, so a refused request does not consume the token.
    if let Some(requested) = requested {
        let found = state.store.session(&sid).await?.ok_or_else(invalid_token)?;
        let granted = Scope::parse(&found.session.scope)?;
        if !requested.is_subset_of(&granted) {
            return Err(OAuthError::invalid_scope(
                "a refresh may not ask for more scope than the session was granted",
            )
            .into());
        }
    }

    let now = state.clock.now();
    let rotated =
        state.store.rotate_session(&sid, generation, now, now + policy.refresh_idle_ttl, dpop_jkt).await?;
    let (session, new_generation) = match rotated {
        Some(session) => {
            state.metrics.record_rotation();
            let generation = session.session.generation;
            (session, generation)
        }
        None => {
            let found = state.store.session(&sid).await?.ok_or_else(invalid_token)?;
            // RFC 9449 §5: a token bound to a key, shown without a proof of it, is refused
            // before anything else, and is no sign of reuse: only the key holder could
            // have caused a duplicate or a replay.
            if found.session.dpop_jkt.is_some() && found.session.dpop_jkt.as_deref() != dpop_jkt {
                return Err(OAuthError::invalid_grant(
                    "the refresh token is bound to a DPoP key; send a proof signed by that key",
                )
                .into());
            }
            let downtimes = state.uptime.downtimes();
            match classify_failed_rotation(
                &state_of(&found),
                generation,
                now,
                policy.reuse_window,
                &downtimes,
            ) {
                FailedRotation::Duplicate { successor_generation } => {
                    state.metrics.record_duplicate();
                    (found, successor_generation)
                }
                FailedRotation::Reuse(cause) => {
                    state.metrics.record_reuse(cause);
                    revoke_for_reuse(state, &found, cause.as_str(), generation, now).await?;
                    return Err(OAuthError::invalid_grant(
                        "the refresh token was already used; the session has been ended",
                    )
                    .into());
                }
                FailedRotation::Revoked | FailedRotation::Expired | FailedRotation::Stale => {
                    return Err(invalid_token())
                }
            }
        }
    };
    if session.user_disabled {
        state.store.revoke_session(&sid, now, "user_disabled").await?;
        return Err(invalid_token());
    }

    let session_scope = Scope::parse(&session.session.scope)?;
    let scope = requested.cloned().unwrap_or(session_scope);
    let issued = access_token::issue(
        state,
        &AccessTokenSpec {
            subject: &session.session.user_id,
            client_id: &client.id,
            scope: &scope,
            session_id: Some(&sid),
            auth_time: Some(session.session.auth_time),
            username: Some(&session.username),
            roles: &session.roles,
            method: Some(&session.session.method),
            ttl: policy.access_token_ttl,
            dpop_jkt,
        },
    )?;
    Ok(TokenResponse {
        access_token: issued.token,
        token_type: issued.token_type,
        expires_in: issued.expires_in,
        refresh_token: Some(state.refresh_tokens.mint(&session_id, new_generation, &client.id)),
        scope: (!scope.is_empty()).then(|| scope.to_string()),
        id_token: None,
        issued_token_type: None,
    }
    .into_response())
}

/// Ends a session whose rotated token came back, and records why, in one unit of work.
async fn revoke_for_reuse(
    state: &AppState,
    found: &SessionWithUser,
    cause: &str,
    presented_generation: i64,
    now: i64,
) -> Result<(), ApiError> {
    let session = &found.session;
    let mut work = state.store.begin().await?;
    work.revoke_session(&session.id, now, cause).await?;
    work.record_audit_event(&AuditEvent {
        at: now,
        kind: "refresh_token_reuse".to_owned(),
        user_id: Some(session.user_id.clone()),
        client_id: Some(session.client_id.clone()),
        session_id: Some(session.id.clone()),
        detail: Some(format!(
            "cause={cause} presented_generation={presented_generation} current_generation={}",
            session.generation
        )),
    })
    .await?;
    work.commit().await?;
    tracing::warn!(sid = %session.id, user_id = %session.user_id, cause, "refresh token reuse: session revoked");
    Ok(())
}

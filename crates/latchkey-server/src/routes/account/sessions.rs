//! `GET /account/sessions`, `DELETE /account/sessions/{id}`, `POST /account/logout`.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::bearer::AccountUser;
use crate::error::ApiError;
use crate::state::AppState;

/// One session as its user sees it.
#[derive(Serialize)]
pub struct SessionView {
    id: String,
    client_id: String,
    client_name: Option<String>,
    created_at: i64,
    last_used_at: i64,
    expires_at: i64,
    ip: Option<String>,
    user_agent: Option<String>,
    scope: String,
    current: bool,
}

/// Every registered client's display name by client id: how a session list names the app
/// each session belongs to (the JSON list here, the account page's table).
pub(crate) async fn client_names(state: &AppState) -> Result<HashMap<String, String>, ApiError> {
    let clients = state.store.list_clients().await?;
    Ok(clients.into_iter().map(|c| (c.registration.id, c.registration.name)).collect())
}

pub async fn list_sessions(
    State(state): State<AppState>,
    user: AccountUser,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    let sessions = state.store.list_live_sessions(Some(&user.claims.sub), state.clock.now()).await?;
    let names = client_names(&state).await?;
    let views = sessions
        .into_iter()
        .map(|s| SessionView {
            current: s.id == user.session_id,
            client_name: names.get(&s.client_id).cloned(),
            expires_at: s.lifetime().expires_at(),
            id: s.id,
            client_id: s.client_id,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            ip: s.ip,
            user_agent: s.user_agent,
            scope: s.scope,
        })
        .collect();
    Ok(Json(views))
}

/// Ends one of the user's sessions; another user's session is "not found", never "forbidden",
/// so ids cannot be probed.
pub async fn end_session(
    State(state): State<AppState>,
    user: AccountUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let owned = state.store.session(&id).await?.is_some_and(|s| s.session.user_id == user.claims.sub);
    if !owned {
        return Ok(StatusCode::NOT_FOUND);
    }
    state.store.revoke_session(&id, state.clock.now(), "ended_by_user").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends the session the access token belongs to.
pub async fn logout(State(state): State<AppState>, user: AccountUser) -> Result<StatusCode, ApiError> {
    state.store.revoke_session(&user.session_id, state.clock.now(), "logout").await?;
    Ok(StatusCode::NO_CONTENT)
}

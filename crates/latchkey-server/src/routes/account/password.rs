//! `POST /account/password`: change the password (the current one is required) and end every
//! other session, so whoever knew the old password is signed out everywhere.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::Json;
use latchkey_core::token_request::Secret;
use latchkey_core::OAuthError;
use latchkey_crypto::PasswordCheck;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::admin;
use crate::bearer::AccountUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    user: AccountUser,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(change) = body.map_err(|e| {
        OAuthError::invalid_request(format!(
            "send JSON {{\"current_password\", \"new_password\"}}: {}",
            e.body_text()
        ))
    })?;
    let new_password = Secret::new(change.new_password);
    admin::check_password(&new_password).map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let account = state
        .store
        .user_by_id(&user.claims.sub)
        .await?
        .ok_or_else(|| OAuthError::invalid_request("the account no longer exists"))?;
    let check = state.passwords.verify(change.current_password, account.password_hash.clone()).await?;
    if check == PasswordCheck::Invalid {
        return Err(OAuthError::invalid_request("the current password is wrong").into());
    }
    let now = state.clock.now();
    let hash = state.passwords.hash(new_password.expose().to_owned()).await?;
    state.store.set_password_hash(&account.id, &hash, now).await?;
    let ended = state
        .store
        .revoke_user_sessions(&account.id, now, "password_changed", Some(&user.session_id))
        .await?;
    Ok(Json(json!({ "other_sessions_ended": ended })))
}

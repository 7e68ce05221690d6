//! `POST /account/password`: change the password (the current one is required) and end every
//! other session, so whoever knew the old password is signed out everywhere.
//!
//! The current password is checked by [`crate::authn`], throttled like every other door (a
//! stolen access token must not become an unthrottled password oracle). The new hash and the
//! ending of the other sessions are one unit of work: never a changed password with the old
//! sessions still live.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::Json;
use latchkey_core::password_policy;
use latchkey_core::token_request::Secret;
use latchkey_core::OAuthError;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::authn::{self, Attempt, Channel, Refused};
use crate::bearer::AccountUser;
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    user: AccountUser,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(change) = body.map_err(|_| {
        OAuthError::invalid_request("send a JSON object with current_password and new_password")
    })?;
    let new_password = Secret::new(change.new_password);
    let account = state
        .store
        .user_by_id(&user.claims.sub)
        .await?
        .ok_or_else(|| OAuthError::invalid_request("the account no longer exists"))?;
    let names = [account.username.as_str(), account.email.as_deref().unwrap_or_default()];
    password_policy::check(new_password.expose(), state.config.password_min_length, &names)
        .map_err(|refusal| OAuthError::invalid_request(refusal.to_string()))?;
    let attempt = Attempt {
        username: &account.username,
        password: Secret::new(change.current_password),
        ip: Some(client_ip(peer, &headers, &state.config.trusted_proxies)),
        client_id: Some(&user.claims.client_id),
        known_device: false,
        channel: Channel::PasswordChange,
    };
    if let Err(refused) = authn::authenticate(&state, attempt).await? {
        let error = OAuthError::invalid_request("the current password is wrong");
        return Err(match refused {
            Refused::RateLimited { retry_after } => ApiError::RateLimited { error, retry_after },
            Refused::Throttled | Refused::BadCredentials => error.into(),
        });
    }
    let now = state.clock.now();
    let hash = state.passwords.hash(new_password.expose().to_owned()).await?;
    let mut work = state.store.begin().await?;
    work.set_password_hash(&account.id, &hash, now).await?;
    let ended =
        work.revoke_user_sessions(&account.id, now, "password_changed", Some(&user.session_id)).await?;
    work.commit().await?;
    Ok(Json(json!({ "other_sessions_ended": ended })))
}

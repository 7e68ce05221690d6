//! `grant_type=password` (RFC 6749 §4.3), for first-party clients that were given it.
//!
//! Every failure — unknown user, disabled user, wrong password — costs one Argon2 verify and
//! answers the same `invalid_grant` body, so neither timing nor wording tells which usernames
//! exist. A legacy (bcrypt or weaker Argon2) hash is replaced by Argon2id at login.

use axum::response::{IntoResponse, Response};
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_core::OAuthError;
use latchkey_crypto::PasswordCheck;
use latchkey_store::{Client, User};

use super::response::TokenResponse;
use super::session::{self, Login};
use super::Origin;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::session_id::SessionId;

fn bad_credentials() -> ApiError {
    OAuthError::invalid_grant("invalid username or password").into()
}

/// Checks the password of `username`; `None` for every kind of failure.
pub(crate) async fn authenticate_user(
    state: &AppState,
    username: &str,
    password: Secret,
) -> Result<Option<User>, ApiError> {
    let user = state.store.user_by_username(username).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        state.passwords.dummy_verify(password.expose().to_owned()).await?;
        return Ok(None);
    };
    let check = state.passwords.verify(password.expose().to_owned(), user.password_hash.clone()).await?;
    match check {
        PasswordCheck::Invalid => Ok(None),
        PasswordCheck::Valid => Ok(Some(user)),
        PasswordCheck::ValidNeedsRehash => {
            upgrade_hash(state, &user, password).await;
            Ok(Some(user))
        }
    }
}

/// Replaces a legacy hash with Argon2id; a failure here must not fail the login.
async fn upgrade_hash(state: &AppState, user: &User, password: Secret) {
    let now = state.clock.now();
    let result = match state.passwords.hash(password.expose().to_owned()).await {
        Ok(new_hash) => state
            .store
            .replace_password_hash(&user.id, &user.password_hash, &new_hash, now)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => tracing::info!(user_id = %user.id, "upgraded the password hash to Argon2id"),
        Err(e) => tracing::warn!(user_id = %user.id, error = ?e, "could not upgrade the password hash"),
    }
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    username: &str,
    password: Secret,
    requested: Option<&Scope>,
    origin: Origin,
) -> Result<Response, ApiError> {
    let allowed = Scope::from_tokens(&client.scopes)?;
    let scope = Scope::grant(requested, &allowed)?;
    let user = authenticate_user(state, username, password).await?.ok_or_else(bad_credentials)?;
    let now = state.clock.now();
    let with_refresh = client.grant_types.contains(&GrantType::RefreshToken);
    let session_id = if with_refresh { Some(SessionId::generate()?) } else { None };
    let started = session::start(
        state,
        client,
        Login {
            user_id: &user.id,
            username: &user.username,
            roles: &user.roles,
            scope: &scope,
            auth_time: now,
            origin,
            browser_session_id: None,
        },
        session_id,
        with_refresh,
    )
    .await?;
    let sid = started.session_id.map(|id| id.to_string());
    tracing::info!(user_id = %user.id, client_id = %client.id, sid = ?sid, "password login");
    Ok(TokenResponse {
        access_token: started.access_token.token,
        token_type: "Bearer",
        expires_in: started.access_token.expires_in,
        refresh_token: started.refresh_token,
        scope: (!scope.is_empty()).then(|| scope.to_string()),
        id_token: None,
    }
    .into_response())
}

//! `grant_type=password` (RFC 6749 §4.3), for first-party clients that were given it.
//!
//! The user is authenticated by [`crate::authn`] (throttle, verify, hash upgrade, audit).
//! Every refusal — unknown user, disabled user, wrong password, throttled — answers the same
//! `invalid_grant` body (RFC 6749 §5.2), so the wording tells nothing about which usernames
//! exist or which are being guessed at.

use axum::response::{IntoResponse, Response};
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_core::OAuthError;
use latchkey_store::{Client, SignInMethod};

use super::response::TokenResponse;
use super::session::{self, Login};
use super::Origin;
use crate::authn::{self, Attempt, Channel, Refused};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::session_id::SessionId;

fn bad_credentials_error() -> OAuthError {
    OAuthError::invalid_grant("invalid username or password")
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
    let attempt = Attempt {
        username,
        password,
        ip: origin.ip,
        client_id: Some(&client.id),
        // No browser, no device cookie: see `crate::known_device`.
        known_device: false,
        channel: Channel::PasswordGrant,
    };
    let user = authn::authenticate(state, attempt).await?.map_err(|refused| match refused {
        Refused::RateLimited { retry_after } => {
            ApiError::RateLimited { error: bad_credentials_error(), retry_after }
        }
        Refused::Throttled | Refused::BadCredentials => bad_credentials_error().into(),
    })?;
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
            method: &SignInMethod::password(),
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
        issued_token_type: None,
    }
    .into_response())
}

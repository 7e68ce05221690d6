//! `grant_type=password` (RFC 6749 §4.3), for first-party clients that were given it.
//!
//! The user is authenticated by [`crate::authn`] (throttle, verify, hash upgrade, audit).
//! Every refusal — unknown user, disabled user, wrong password, throttled — answers the same
//! `invalid_grant` body (RFC 6749 §5.2), so the wording tells nothing about which usernames
//! exist or which are being guessed at.

use axum::response::{IntoResponse, Response};
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_core::OAuthError;
use latchkey_store::{Client, SignInMethod};

use super::response::TokenResponse;
use super::session;
use super::Origin;
use crate::authn::{self, Attempt, Channel, Refused};
use crate::error::ApiError;
use crate::state::AppState;

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
    dpop_jkt: Option<&str>,
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
    let started =
        session::start_direct(state, client, &user, &scope, origin, &SignInMethod::password(), dpop_jkt)
            .await?;
    let sid = started.session_id.map(|id| id.to_string());
    tracing::info!(user_id = %user.id, client_id = %client.id, sid = ?sid, "password login");
    Ok(TokenResponse::of(started, &scope).into_response())
}

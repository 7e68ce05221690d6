//! `grant_type=password` (RFC 6749 §4.3), for first-party clients that were given it.
//!
//! The user is authenticated by [`crate::authn`] (throttle, verify, hash upgrade, audit).
//! Every refusal — unknown user, disabled user, wrong password, throttled — answers the same
//! `invalid_grant` body (RFC 6749 §5.2), so the wording tells nothing about which usernames
//! exist or which are being guessed at. A client that requires a second factor (or an
//! `optional` one, for a user who enrolled one) is refused: only the browser flow asks for it.

use axum::response::{IntoResponse, Response};
use latchkey_core::mfa::MfaPolicy;
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

/// The password grant cannot ask for a second factor (docs/architecture.md, "Multi-factor
/// authentication"): the browser flow can.
fn second_factor_needed() -> OAuthError {
    OAuthError::invalid_grant(
        "this sign-in needs a second factor, which the password grant cannot ask for; \
         use the authorization code flow in a browser",
    )
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
    if client.mfa == MfaPolicy::Required {
        return Err(second_factor_needed().into());
    }
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
    // A user who enrolled a factor is asked for it by an `optional` client too, which this
    // grant cannot do.
    if client.mfa == MfaPolicy::Optional && !crate::mfa::enrolled(state, &user.id).await?.is_empty() {
        return Err(second_factor_needed().into());
    }
    let started =
        session::start_direct(state, client, &user, &scope, origin, &SignInMethod::password(), dpop_jkt)
            .await?;
    let sid = started.session_id.map(|id| id.to_string());
    tracing::info!(user_id = %user.id, client_id = %client.id, sid = ?sid, "password login");
    Ok(TokenResponse::of(started, &scope).into_response())
}

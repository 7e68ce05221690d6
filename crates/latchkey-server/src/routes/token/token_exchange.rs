//! `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693 §2.1): a native app
//! exchanges a provider's ID token or access token for Latchkey's tokens
//! (`docs/architecture.md`, "Native apps"). Throttled through [`crate::authn::exchange`];
//! the subject token is judged by [`crate::federation::exchange`]; the answer is a normal
//! token response with `issued_token_type` (§2.2.1) and a refresh token when the client may
//! have one, its tokens carrying `amr: ["fed"]` and `idp`.

use axum::response::{IntoResponse, Response};
use latchkey_core::scope::Scope;
use latchkey_core::token_exchange::{ExchangeParams, ACCESS_TOKEN_TYPE};
use latchkey_core::OAuthError;
use latchkey_store::{Client, SignInMethod};

use super::response::TokenResponse;
use super::session;
use super::Origin;
use crate::authn::exchange::{self, ExchangeAttempt};
use crate::authn::Refused;
use crate::error::ApiError;
use crate::federation::exchange::{sign_in_with, Refusal};
use crate::state::AppState;

fn throttled() -> OAuthError {
    OAuthError::invalid_request("too many refused subject tokens; wait and try again")
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    params: &ExchangeParams,
    requested: Option<&Scope>,
    origin: Origin,
    dpop_jkt: Option<&str>,
) -> Result<Response, ApiError> {
    let allowed = Scope::from_tokens(&client.scopes)?;
    let scope = Scope::grant(requested, &allowed)?;
    let attempt = ExchangeAttempt { ip: origin.ip, client_id: &client.id };
    match exchange::admit(state, &attempt).await? {
        Err(Refused::RateLimited { retry_after }) => {
            return Err(ApiError::RateLimited { error: throttled(), retry_after });
        }
        Err(_) => return Err(throttled().into()),
        Ok(()) => {}
    }
    let (user, provider) = match sign_in_with(state, client, params).await? {
        Ok(signed_in) => {
            exchange::record(state, &attempt, true).await?;
            signed_in
        }
        Err(Refusal::BadToken(error)) => {
            exchange::record(state, &attempt, false).await?;
            return Err(error.into());
        }
        Err(Refusal::Request(error)) => return Err(error.into()),
    };
    let method = SignInMethod::federated(&provider);
    let started = session::start_direct(state, client, &user, &scope, origin, &method, dpop_jkt).await?;
    tracing::info!(user_id = %user.id, client_id = %client.id, provider, "token exchange");
    let response =
        TokenResponse { issued_token_type: Some(ACCESS_TOKEN_TYPE), ..TokenResponse::of(started, &scope) };
    Ok(response.into_response())
}

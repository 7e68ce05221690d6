//! `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693 §2.1): a native app
//! exchanges a provider's ID token or access token for Latchkey's tokens
//! (`docs/architecture.md`, "Native apps"). Throttled through [`crate::authn::exchange`];
//! the subject token is judged by [`crate::federation::exchange`]; the answer is a normal
//! token response with `issued_token_type` (§2.2.1) and a refresh token when the client may
//! have one, its tokens carrying `amr: ["fed"]` and `idp`.

use axum::response::{IntoResponse, Response};
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::token_exchange::{ExchangeParams, ACCESS_TOKEN_TYPE};
use latchkey_core::OAuthError;
use latchkey_store::{Client, SignInMethod};

use super::response::TokenResponse;
use super::session::{self, Login};
use super::Origin;
use crate::authn::exchange::{self, ExchangeAttempt};
use crate::authn::Refused;
use crate::error::ApiError;
use crate::federation::exchange::{sign_in_with, Refusal};
use crate::state::AppState;
use crate::tokens::session_id::SessionId;

fn throttled() -> OAuthError {
    OAuthError::invalid_request("too many refused subject tokens; wait and try again")
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    params: &ExchangeParams,
    requested: Option<&Scope>,
    origin: Origin,
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
            method: &SignInMethod::federated(&provider),
        },
        session_id,
        with_refresh,
    )
    .await?;
    tracing::info!(user_id = %user.id, client_id = %client.id, provider, "token exchange");
    Ok(TokenResponse {
        access_token: started.access_token.token,
        token_type: "Bearer",
        expires_in: started.access_token.expires_in,
        refresh_token: started.refresh_token,
        scope: (!scope.is_empty()).then(|| scope.to_string()),
        id_token: None,
        issued_token_type: Some(ACCESS_TOKEN_TYPE),
    }
    .into_response())
}

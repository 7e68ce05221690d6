//! `grant_type=client_credentials` (RFC 6749 §4.4): a service acting for itself. The
//! access token's `sub` is the client id (RFC 9068 §2.2); no refresh token (§4.4.3).

use axum::response::{IntoResponse, Response};
use latchkey_core::client::ClientKind;
use latchkey_core::scope::Scope;
use latchkey_core::OAuthError;
use latchkey_store::Client;

use super::response::TokenResponse;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::access_token::{self, AccessTokenSpec};

pub fn grant(
    state: &AppState,
    client: &Client,
    requested: Option<&Scope>,
    dpop_jkt: Option<&str>,
) -> Result<Response, ApiError> {
    if client.kind != ClientKind::Confidential {
        return Err(
            OAuthError::unauthorized_client("client_credentials is for confidential clients only").into()
        );
    }
    let allowed = Scope::from_tokens(&client.scopes)?;
    let scope = Scope::grant(requested, &allowed)?;
    let policy = state.policy(client);
    let issued = access_token::issue(
        state,
        &AccessTokenSpec {
            subject: &client.id,
            client_id: &client.id,
            scope: &scope,
            session_id: None,
            auth_time: None,
            username: None,
            roles: &[],
            method: None,
            ttl: policy.access_token_ttl,
            dpop_jkt,
        },
    )?;
    Ok(TokenResponse {
        access_token: issued.token,
        token_type: issued.token_type,
        expires_in: issued.expires_in,
        refresh_token: None,
        scope: (!scope.is_empty()).then(|| scope.to_string()),
        id_token: None,
        issued_token_type: None,
    }
    .into_response())
}

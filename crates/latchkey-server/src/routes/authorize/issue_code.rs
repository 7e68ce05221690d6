//! Step 7: the authorization code (RFC 6749 §4.1.2), stored as a hash and bound to everything
//! the token request must repeat or prove: client, redirect URI, PKCE challenge, plus what
//! the tokens will say (user, scope, `nonce`, `auth_time`, browser session).

use axum::response::Response;
use latchkey_core::authorize::AuthorizationRequest;
use latchkey_core::scope::Scope;
use latchkey_crypto::random;
use latchkey_store::NewAuthorizationCode;

use super::error::AuthorizeError;
use super::login_policy::SignedIn;
use super::resolve_client::ClientRequest;
use crate::routes::token::authorization_code::{code_hash, CODE_TTL};
use crate::state::AppState;

pub async fn issue(
    state: &AppState,
    client_request: &ClientRequest,
    request: &AuthorizationRequest,
    scope: &Scope,
    signed_in: &SignedIn,
) -> Result<Response, AuthorizeError> {
    let now = state.clock.now();
    let code = random::token(32)?;
    let return_to = &client_request.return_to;
    state
        .store
        .create_authorization_code(&NewAuthorizationCode {
            hash: code_hash(&code),
            client_id: client_request.client.id.clone(),
            user_id: signed_in.user.id.clone(),
            redirect_uri: return_to.redirect_uri.clone(),
            redirect_uri_given: client_request.redirect_uri_given,
            scope: scope.to_string(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.as_ref().map(|c| c.as_str().to_owned()),
            auth_time: signed_in.session.auth_time,
            browser_session_id: Some(signed_in.session.id.clone()),
            created_at: now,
            expires_at: now + CODE_TTL,
            dpop_jkt: request.dpop_jkt.clone(),
            method: signed_in.session.method.clone(),
        })
        .await?;
    Ok(return_to.code(&code))
}

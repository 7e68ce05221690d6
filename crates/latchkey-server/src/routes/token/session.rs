//! Starting a session for a user and issuing its tokens: shared by the password grant, the
//! token exchange and the authorization-code grant, so all create sessions and access tokens
//! the same way.

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::OAuthError;
use latchkey_store::{Client, NewSession, SignInMethod, User};

use super::Origin;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::access_token::{self, AccessTokenSpec, IssuedAccessToken};
use crate::tokens::session_id::SessionId;

/// Who logged in, and how.
pub struct Login<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub roles: &'a [String],
    pub scope: &'a Scope,
    pub auth_time: i64,
    pub origin: Origin,
    /// The browser session the login came through (authorization-code flow).
    pub browser_session_id: Option<&'a str>,
    /// The DPoP key the client proved it holds: the access token is bound to it, and so is
    /// the session's refresh token when the client is public (RFC 9449 §5).
    pub dpop_jkt: Option<&'a str>,
    pub method: &'a SignInMethod,
}

/// What [`start`] issued.
pub struct Started {
    pub session_id: Option<SessionId>,
    pub access_token: IssuedAccessToken,
    pub refresh_token: Option<String>,
}

/// Stores a session with id `session_id` when given (and mints its refresh token when
/// `with_refresh`), then signs an access token bound to it.
pub async fn start(
    state: &AppState,
    client: &Client,
    login: Login<'_>,
    session_id: Option<SessionId>,
    with_refresh: bool,
) -> Result<Started, ApiError> {
    let policy = state.policy(client);
    let now = state.clock.now();
    if let Some(id) = session_id {
        state
            .store
            .create_session(&NewSession {
                id: id.to_string(),
                user_id: login.user_id.to_owned(),
                client_id: client.id.clone(),
                scope: login.scope.to_string(),
                auth_time: login.auth_time,
                created_at: now,
                idle_expires_at: now + policy.refresh_idle_ttl.min(policy.refresh_absolute_ttl),
                absolute_expires_at: now + policy.refresh_absolute_ttl,
                ip: login.origin.ip.map(|ip| ip.to_string()),
                user_agent: login.origin.user_agent,
                browser_session_id: login.browser_session_id.map(str::to_owned),
                dpop_jkt: login.dpop_jkt.filter(|_| client.kind == ClientKind::Public).map(str::to_owned),
                method: login.method.clone(),
            })
            .await?;
    }
    let sid = session_id.map(|id| id.to_string());
    let access_token = access_token::issue(
        state,
        &AccessTokenSpec {
            subject: login.user_id,
            client_id: &client.id,
            scope: login.scope,
            session_id: sid.as_deref(),
            auth_time: Some(login.auth_time),
            username: Some(login.username),
            roles: login.roles,
            method: Some(login.method),
            ttl: policy.access_token_ttl,
            dpop_jkt: login.dpop_jkt,
        },
    )?;
    let refresh_token =
        session_id.filter(|_| with_refresh).map(|id| state.refresh_tokens.mint(&id, 0, &client.id));
    Ok(Started { session_id, access_token, refresh_token })
}

/// A session for `user`, who proved who they are in this very request (the password grant, the
/// token exchange; no browser): its refresh token when the client has the refresh grant. A
/// client with `require_verified_email` refuses a user whose address is not verified.
pub async fn start_direct(
    state: &AppState,
    client: &Client,
    user: &User,
    scope: &Scope,
    origin: Origin,
    method: &SignInMethod,
    dpop_jkt: Option<&str>,
) -> Result<Started, ApiError> {
    if !client.signup.admits(user.email_verified) {
        return Err(OAuthError::invalid_grant("the user's e-mail address is not verified").into());
    }
    let with_refresh = client.grant_types.contains(&GrantType::RefreshToken);
    let session_id = if with_refresh { Some(SessionId::generate()?) } else { None };
    let login = Login {
        user_id: &user.id,
        username: &user.username,
        roles: &user.roles,
        scope,
        auth_time: state.clock.now(),
        origin,
        browser_session_id: None,
        dpop_jkt,
        method,
    };
    start(state, client, login, session_id, with_refresh).await
}

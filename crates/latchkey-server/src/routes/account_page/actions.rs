//! The account page's forms: `POST /account/end-session`, `/account/end-sessions`,
//! `/account/change-password`.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use latchkey_core::form::FormParams;
use latchkey_core::password_policy;
use latchkey_core::token_request::Secret;
use latchkey_store::{BrowserSession, User};

use super::{page, signed_in};
use crate::authn::{self, Attempt, Channel};
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::pages::account;
use crate::pages::tr;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::authorize::forms;
use crate::state::AppState;

/// A form of the account page, checked: read, sent from this site's own page (`Origin`, CSRF
/// token), by a browser signed in as an enabled user. Every account form's handler takes it,
/// so none can forget a check; a refusal is the error page, or the signed-out page.
pub struct AccountForm {
    pub form: FormParams,
    pub session: BrowserSession,
    pub user: User,
}

impl FromRequest<AppState> for AccountForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state).await;
        let form = forms::read_checked_form(state, &headers, body).map_err(IntoResponse::into_response)?;
        match signed_in(state, &headers).await {
            Ok(Some((session, user))) => Ok(Self { form, session, user }),
            Ok(None) => Err(account::signed_out_account_page()),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// Whether `password` is the user's, through the authentication door (throttled per account
/// and IP like every door, audited under `channel`).
pub(super) async fn is_current_password(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    user: &User,
    password: Secret,
    channel: Channel,
) -> Result<bool, ApiError> {
    let attempt = Attempt {
        username: &user.username,
        password,
        ip: Some(client_ip(peer, headers, &state.config.trusted_proxies)),
        client_id: None,
        known_device: false,
        channel,
    };
    Ok(authn::authenticate(state, attempt).await?.is_ok())
}

pub async fn end_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    AccountForm { form, user, .. }: AccountForm,
) -> Result<Response, AuthorizeError> {
    let id = form.get("session").unwrap_or_default();
    // Another user's session is treated as absent, so ids cannot be probed.
    let own = state.store.session(id).await?.is_some_and(|s| s.session.user_id == user.id);
    let ended = own && state.store.revoke_session(id, state.clock.now(), "ended_by_user").await?;
    let notice = if ended { tr("account-session-ended") } else { tr("account-session-gone") };
    Ok(page(&state, &headers, &user, Some(&notice), None).await?)
}

pub async fn end_sessions(
    State(state): State<AppState>,
    headers: HeaderMap,
    AccountForm { user, .. }: AccountForm,
) -> Result<Response, AuthorizeError> {
    state.store.revoke_user_sessions(&user.id, state.clock.now(), "ended_by_user", None).await?;
    Ok(page(&state, &headers, &user, Some(&tr("account-sessions-ended")), None).await?)
}

/// The current password through the authentication door (throttled like every door), the new
/// one through the policy; then, in one unit of work, the new hash, every application session
/// ended and every other browser session ended (this one stays).
pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    AccountForm { form, session, user }: AccountForm,
) -> Result<Response, AuthorizeError> {
    let new_password = form.get("new_password").unwrap_or_default();
    let names = [user.username.as_str(), user.email.as_deref().unwrap_or_default()];
    if let Err(refusal) = password_policy::check(new_password, state.config.password_min_length, &names) {
        return Ok(page(
            &state,
            &headers,
            &user,
            None,
            Some(&crate::pages::recovery::password_refusal(&refusal)),
        )
        .await?);
    }
    let current = Secret::new(form.get("current_password").unwrap_or_default());
    if !is_current_password(&state, peer, &headers, &user, current, Channel::PasswordChange).await? {
        return Ok(page(&state, &headers, &user, None, Some(&tr("wrong-current-password"))).await?);
    }
    let hash = state.passwords.hash(new_password.to_owned()).await?;
    let now = state.clock.now();
    let mut work = state.store.begin().await?;
    work.set_password_hash(&user.id, &hash, now).await?;
    work.revoke_user_sessions(&user.id, now, "password_changed", None).await?;
    work.end_user_browser_sessions(&user.id, now).await?;
    work.commit().await?;
    // This browser stays signed in: its session was ended with the others, start a new one.
    let (_, cookie) = crate::browser::start_session(
        &state,
        &user.id,
        latchkey_store::SignInMethod::password(),
        Some(&session),
    )
    .await?;
    let mut response = page(&state, &headers, &user, Some(&tr("account-password-changed")), None).await?;
    response.headers_mut().append(axum::http::header::SET_COOKIE, cookie);
    Ok(response)
}

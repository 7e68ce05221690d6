//! The login page and `POST /login`, the hosted login form.
//!
//! Checked like every form: `Origin` and the CSRF token first (403 otherwise). Then the user
//! is authenticated by [`crate::authn`] (throttle per account and per IP, password on the
//! bounded hashing pool, dummy verify for unknown users). Every failure shows the same message. Success starts
//! a new browser session (a new cookie: the id changes at login) and answers `303 See Other`
//! back into the authorization request.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use latchkey_core::token_request::{Secret, MAX_PASSWORD_LEN, MAX_USERNAME_LEN};
use latchkey_store::Client;

use super::error::AuthorizeError;
use super::redirect::redirect_to;
use super::{forms, resolve_client};
use crate::authn::{self, Attempt, Channel, Refused};
use crate::browser::{self, Interaction, INTERACTION_TTL};
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::known_device;
use crate::pages::{self, LoginForm};
use crate::public_urls::Endpoint;
use crate::state::AppState;

/// The one message for every failed login.
pub const LOGIN_FAILED: &str = "Wrong username or password.";

/// The login page for `interaction`, with `username` filled in; `error` makes it a 401.
pub fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    interaction: &Interaction,
    username: &str,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let sealed = interaction.seal(&state.page_mac)?;
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    forms::with_csrf(state, headers, |csrf| {
        pages::login_page(
            status,
            &LoginForm {
                action: &state.urls.path(Endpoint::Login),
                forgot_password: &state.urls.path(Endpoint::ForgotPassword),
                signup: state.config.self_registration.then(|| state.urls.path(Endpoint::Signup)).as_deref(),
                client_name: &client.name,
                interaction: &sealed,
                csrf,
                username,
                error,
            },
        )
    })
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form = forms::read_checked_form(&state, &headers, body)?;
    let now = state.clock.now();
    let interaction = form
        .get("interaction")
        .and_then(|sealed| Interaction::open(&state.page_mac, sealed, now))
        .ok_or_else(|| {
            AuthorizeError::page("This sign-in form has expired. Go back to the application and try again.")
        })?;
    let client = resolve_client::resolve(&state, &interaction.q).await?.client;

    // Authentication: the user, or the form again with the one failure message.
    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let fail = |state: &AppState| {
        form_page(state, &headers, &client, &interaction, username, Some(LOGIN_FAILED))
            .map_err(AuthorizeError::from)
    };
    if username.is_empty()
        || password.is_empty()
        || username.len() > MAX_USERNAME_LEN
        || password.len() > MAX_PASSWORD_LEN
    {
        return fail(&state);
    }
    let attempt = Attempt {
        username,
        password: Secret::new(password),
        ip: Some(client_ip(peer, &headers, &state.config.trusted_proxies)),
        client_id: Some(&client.id),
        known_device: known_device::is_known(&state, &headers, username, now),
        channel: Channel::HostedLogin,
    };
    let user = match authn::authenticate(&state, attempt).await? {
        Ok(user) => user,
        Err(Refused::RateLimited { retry_after }) => {
            let mut response = fail(&state)?;
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return Ok(response);
        }
        Err(Refused::Throttled | Refused::BadCredentials) => return fail(&state),
    };

    let previous = browser::current_session(&state, &headers).await?;
    let (session, cookie) = browser::start_session(&state, &user.id, previous.as_ref()).await?;
    tracing::info!(user_id = %user.id, client_id = %client.id, "hosted login");
    let next =
        Interaction { q: interaction.q, bs: Some(session.id), fresh: true, exp: now + INTERACTION_TTL };
    let mut response = redirect_to(
        &state.urls.path(Endpoint::AuthorizeResume),
        &[("interaction", &next.seal(&state.page_mac)?)],
    );
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response.headers_mut().append(header::SET_COOKIE, known_device::cookie(&state, &user.username, now));
    Ok(response)
}

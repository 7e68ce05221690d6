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
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::form::FormParams;
use latchkey_core::token_request::{Secret, MAX_PASSWORD_LEN, MAX_USERNAME_LEN};
use latchkey_store::{Client, SignInMethod};

use super::error::AuthorizeError;
use super::redirect::{redirect_to, with_query};
use super::{forms, resolve_client};
use crate::authn::{self, Attempt, Channel, Refused};
use crate::browser::{self, Interaction, INTERACTION_TTL};
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::known_device;
use crate::pages::passkeys::PasskeySignIn;
use crate::pages::{self, LoginForm};
use crate::public_urls::Endpoint;
use crate::state::AppState;

/// The one message for every failed login.
pub fn login_failed() -> String {
    crate::pages::tr("login-failed")
}

/// How the client's login page lets users sign in.
pub struct SignInOptions {
    /// The password form (unless the client turned it off).
    pub password: bool,
    /// "Continue with NAME": each provider the client offers, with its start URL carrying
    /// the signed interaction.
    pub providers: Vec<(String, String)>,
}

pub async fn sign_in_options(
    state: &AppState,
    client: &Client,
    interaction: &Interaction,
) -> Result<SignInOptions, ApiError> {
    let sealed = interaction.seal(&state.page_mac)?;
    let providers = state
        .store
        .client_upstream_providers(&client.id)
        .await?
        .into_iter()
        .map(|name| {
            let href = with_query(&state.urls.federation_path(&name, "start"), &[("interaction", &sealed)]);
            (name, href)
        })
        .collect();
    Ok(SignInOptions { password: state.store.client_password_login(&client.id).await?, providers })
}

/// The login page for `interaction`, with `username` filled in and the client's `options`;
/// `error` makes it a 401.
pub fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    interaction: &Interaction,
    username: &str,
    error: Option<&str>,
    options: &SignInOptions,
) -> Result<Response, ApiError> {
    let sealed = interaction.seal(&state.page_mac)?;
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    let (script, passkey_options, passkey_action) = (
        state.urls.path(Endpoint::PasskeyScript),
        state.urls.path(Endpoint::PasskeySignInOptions),
        state.urls.path(Endpoint::PasskeySignIn),
    );
    let passkey = crate::passkeys::available(state).then_some(PasskeySignIn {
        script: &script,
        options: &passkey_options,
        action: &passkey_action,
    });
    forms::with_csrf(state, headers, |csrf| {
        pages::login_page(
            status,
            &LoginForm {
                action: &state.urls.path(Endpoint::Login),
                forgot_password: &state.urls.path(Endpoint::ForgotPassword),
                signup: client
                    .signup
                    .allows_signup(state.config.self_registration)
                    .then(|| crate::routes::signup::signup_path(state, Some(&client.id)))
                    .as_deref(),
                client_name: &client.name,
                interaction: &sealed,
                csrf,
                username,
                error,
                password: options.password,
                providers: &options.providers,
                passkey: passkey.as_ref(),
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
    let interaction = open_interaction(&state, &form)?;
    let client = resolve_client::resolve(&state, &interaction.q).await?.client;

    // Authentication: the user, or the form again with the one failure message.
    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let options = sign_in_options(&state, &client, &interaction).await?;
    if !options.password {
        return Err(forms::forbidden_page().into());
    }
    let fail = |state: &AppState| {
        form_page(state, &headers, &client, &interaction, username, Some(&login_failed()), &options)
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
            return Ok(forms::rate_limited(fail(&state)?, retry_after))
        }
        Err(Refused::Throttled | Refused::BadCredentials) => return fail(&state),
    };

    tracing::info!(user_id = %user.id, client_id = %client.id, "hosted login");
    let mut response =
        resume_signed_in(&state, &headers, &user.id, SignInMethod::password(), &interaction.q).await?;
    response.headers_mut().append(header::SET_COOKIE, known_device::cookie(&state, &user.username, now));
    Ok(response)
}

/// The signed interaction a sign-in form carries, unless it was altered or has expired.
pub fn open_interaction(state: &AppState, form: &FormParams) -> Result<Interaction, AuthorizeError> {
    form.get("interaction")
        .and_then(|sealed| Interaction::open(&state.page_mac, sealed, state.clock.now()))
        .ok_or_else(|| AuthorizeError::page(crate::pages::tr("sign-in-form-expired")))
}

/// Starts a new browser session for the user who just signed in (by password here, or
/// through an upstream provider) and sends the browser back into the authorization request
/// `q`: every way of signing in at the hosted pages ends here.
pub async fn resume_signed_in(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    method: SignInMethod,
    q: &str,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let previous = browser::current_session(state, headers).await?;
    let (session, cookie) = browser::start_session(state, user_id, method, previous.as_ref()).await?;
    let next = Interaction { q: q.to_owned(), bs: Some(session.id), fresh: true, exp: now + INTERACTION_TTL };
    let mut response = redirect_to(
        &state.urls.path(Endpoint::AuthorizeResume),
        &[("interaction", &next.seal(&state.page_mac)?)],
    );
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

//! `POST /login`: the hosted login form.
//!
//! Checked like every form: `Origin` and the CSRF token first (403 otherwise). Then the
//! throttle (per account and per IP), then the password through the bounded hashing pool
//! (unknown users cost a dummy verify). Every failure shows the same message. Success starts
//! a new browser session (a new cookie: the id changes at login) and answers `303 See Other`
//! back into the authorization request.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::authorize::Target;
use latchkey_core::form::FormParams;
use latchkey_core::token_request::{Secret, MAX_PASSWORD_LEN, MAX_USERNAME_LEN};

use super::{bad_request_page, login_page, with_cookie};
use crate::browser::{self, Interaction, INTERACTION_TTL};
use crate::error::ApiError;
use crate::pages;
use crate::public_urls::Endpoint;
use crate::routes::token::password::authenticate_user;
use crate::state::AppState;
use crate::throttle::Key;

/// The one message for every failed login.
pub const LOGIN_FAILED: &str = "Wrong username or password.";

pub(crate) fn forbidden_page() -> Response {
    pages::error_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form was not sent from this site, or it has expired. Go back, reload the page and try again.",
    )
}

/// Reads a hosted form's body: its parameters, or the page to answer with.
pub(crate) fn read_page_form(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<FormParams, Box<Response>> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let is_form = content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    match body {
        Ok(body) if is_form => {
            FormParams::parse(&body).map_err(|_| Box::new(bad_request_page("The form could not be read.")))
        }
        _ => Err(Box::new(bad_request_page("The form could not be read."))),
    }
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let form = match read_page_form(&headers, body) {
        Ok(form) => form,
        Err(page) => return Ok(*page),
    };
    if !browser::check_form_post(&state, &headers, form.get("csrf")) {
        return Ok(forbidden_page());
    }
    let now = state.clock.now();
    let Some(interaction) =
        form.get("interaction").and_then(|sealed| Interaction::open(&state.page_mac, sealed, now))
    else {
        return Ok(bad_request_page(
            "This sign-in form has expired. Go back to the application and try again.",
        ));
    };
    let client =
        match FormParams::parse_all(interaction.q.as_bytes()).ok().and_then(|p| Target::parse(&p).ok()) {
            Some(target) => state.store.client_by_id(&target.client_id).await?,
            None => None,
        };
    let Some(client) = client else {
        return Ok(bad_request_page("The application that sent you here is not registered."));
    };

    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let fail =
        |state: &AppState| login_page(state, &headers, &client, &interaction, username, Some(LOGIN_FAILED));
    if username.is_empty()
        || password.is_empty()
        || username.len() > MAX_USERNAME_LEN
        || password.len() > MAX_PASSWORD_LEN
    {
        return fail(&state);
    }
    let keys = [Key::account(username), Key::ip(&peer.ip().to_string())];
    if state.login_throttle.blocked(&keys, now) {
        tracing::info!(client_id = %client.id, "login refused: throttled");
        return fail(&state);
    }
    let Some(user) = authenticate_user(&state, username, Secret::new(password)).await? else {
        state.login_throttle.record_failure(&keys, now);
        return fail(&state);
    };
    state.login_throttle.record_success(&keys[0]);

    let previous = browser::current_session(&state, &headers).await?;
    let (session, cookie) = browser::start_session(&state, &user.id, previous.as_ref()).await?;
    tracing::info!(user_id = %user.id, client_id = %client.id, "hosted login");
    let next =
        Interaction { q: interaction.q, bs: Some(session.id), fresh: true, exp: now + INTERACTION_TTL };
    let location = super::redirect::with_query(
        &state.urls.path(Endpoint::AuthorizeResume),
        &[("interaction", &next.seal(&state.page_mac)?)],
    );
    let location = HeaderValue::from_str(&location).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    pages::add_security_headers(&mut response);
    Ok(with_cookie(response, cookie))
}

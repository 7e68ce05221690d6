//! `GET /reset-password?token=…` (the form of a live link) and `POST /reset-password` (the
//! new password).
//!
//! The new password passes the one password policy; then, in ONE unit of work, the link is
//! used (compare-and-swap: a link works once, even when submitted twice at once), the
//! password replaced, every session (refresh tokens, and with them their access tokens at
//! `/introspect`) and every browser session of the user ended, and an audit event written.
//! The form needs no sign-in: the link's token is the proof; it travels in the form, never in
//! a `Referer` (`Referrer-Policy: no-referrer`), and is not logged (the request log has no
//! query strings).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use latchkey_core::password_policy;
use latchkey_core::token_request::Secret;
use latchkey_store::AuditEvent;

use crate::account_links::{self, token_hash, PASSWORD_RESET};
use crate::error::ApiError;
use crate::pages::recovery;
use crate::public_urls::Endpoint;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::authorize::forms;
use crate::routes::mail_requests::{self, LinkQuery};
use crate::state::AppState;
use crate::{browser, throttle};

pub async fn reset_password_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let token = mail_requests::link_token(query);
    if account_links::live(&state, &token, PASSWORD_RESET).await?.is_none() {
        return Ok(invalid(&state));
    }
    form(&state, &headers, &token, None)
}

fn form(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let action = state.urls.path(Endpoint::ResetPassword);
    forms::with_csrf(state, headers, |csrf| recovery::reset_password_page(&action, token, csrf, error))
}

fn invalid(state: &AppState) -> Response {
    recovery::invalid_link_page(&state.urls.path(Endpoint::ForgotPassword))
}

pub async fn reset_password_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form_params = forms::read_checked_form(&state, &headers, body)?;
    let token = form_params.get("token").unwrap_or_default();
    let Some((_, user)) = account_links::live(&state, token, PASSWORD_RESET).await? else {
        return Ok(invalid(&state));
    };
    let password = Secret::new(form_params.get("password").unwrap_or_default());
    let account = [user.username.as_str(), user.email.as_deref().unwrap_or_default()];
    if let Err(refusal) =
        password_policy::check(password.expose(), state.config.password_min_length, &account)
    {
        return Ok(form(&state, &headers, token, Some(&recovery::password_refusal(&refusal)))?);
    }
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    let mut work = state.store.begin().await?;
    if work.consume_account_token(&token_hash(token), PASSWORD_RESET, now).await?.is_none() {
        return Ok(invalid(&state));
    }
    work.set_password_hash(&user.id, &hash, now).await?;
    let ended = work.revoke_user_sessions(&user.id, now, "password_reset", None).await?;
    work.end_user_browser_sessions(&user.id, now).await?;
    let event = AuditEvent {
        at: now,
        kind: "password_reset".to_owned(),
        user_id: Some(user.id.clone()),
        client_id: None,
        session_id: None,
        detail: Some(format!("sessions_ended={ended}")),
    };
    work.record_audit_event(&event).await?;
    work.commit().await?;
    // The account's failed sign-ins were likely the owner's own: they start afresh.
    throttle::clear_account(state.store.as_ref(), &user.username).await?;
    tracing::info!(user_id = %user.id, ended, "password reset; every session ended");
    let mut response = recovery::password_reset_done_page(ended);
    response.headers_mut().append(header::SET_COOKIE, browser::clear_session_cookie(&state));
    Ok(response)
}

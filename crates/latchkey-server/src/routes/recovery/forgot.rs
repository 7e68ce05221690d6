//! `GET /forgot-password` (the form) and `POST /forgot-password` (send the link).
//!
//! The answer is the same page, byte for byte, whether the address has an account or not,
//! is throttled or not: the link is issued and queued in a task of its own, so neither the
//! body nor the time taken says whether an account exists (OWASP Forgot Password Cheat
//! Sheet). Requests are counted through the sign-in throttle ([`crate::throttle`]) per
//! address and per IP: an address that must wait gets no e-mail, an IP that must wait is told
//! so (429, about its own address only).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::account_links::{self, PASSWORD_RESET, PASSWORD_RESET_TTL};
use crate::error::ApiError;
use crate::mail::templates;
use crate::pages::recovery;
use crate::pages::tr;
use crate::public_urls::Endpoint;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::authorize::forms;
use crate::routes::mail_requests;
use crate::state::AppState;
use crate::throttle::Verdict;

pub async fn forgot_password_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    form(&state, &headers, None)
}

fn form(state: &AppState, headers: &HeaderMap, error: Option<&str>) -> Result<Response, ApiError> {
    let action = state.urls.path(Endpoint::ForgotPassword);
    forms::with_csrf(state, headers, |csrf| recovery::forgot_password_page(&action, csrf, error))
}

pub async fn forgot_password_request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form_params = forms::read_checked_form(&state, &headers, body)?;
    let email = form_params.get("email").unwrap_or_default().trim();
    if !mail_requests::is_email(email) {
        return Ok(form(&state, &headers, Some(&tr("enter-email")))?);
    }
    let verdict = mail_requests::admit(&state, peer, &headers, email).await?;
    if let Verdict::RateLimited { retry_after } = verdict {
        return Ok(mail_requests::too_many(
            form(&state, &headers, Some(&mail_requests::too_many_text()))?,
            retry_after,
        ));
    }
    if verdict == Verdict::Open {
        let (state, email) = (state.clone(), email.to_owned());
        tokio::spawn(crate::pages::presentation::carry(async move {
            if let Err(e) = send_link(&state, &email).await {
                tracing::warn!(error = %e, "could not queue a forgotten-password e-mail");
            }
        }));
    }
    Ok(recovery::link_sent_page(PASSWORD_RESET_TTL / 60))
}

/// Issues the link and queues the e-mail, when an enabled account has this address.
async fn send_link(state: &AppState, email: &str) -> Result<(), ApiError> {
    let Some(user) = state.store.user_by_email(email).await?.filter(|user| !user.disabled) else {
        return Ok(());
    };
    let Some(address) = user.email.clone() else { return Ok(()) };
    let token = account_links::issue(state, &user, &address, PASSWORD_RESET, PASSWORD_RESET_TTL).await?;
    let link = format!("{}?token={token}", state.urls.url(Endpoint::ResetPassword));
    let mail = templates::password_reset(&address, &user.username, &link, PASSWORD_RESET_TTL / 60);
    state.outbox.enqueue(&mail).await?;
    tracing::info!(user_id = %user.id, "forgotten-password link sent");
    Ok(())
}

//! `POST /account/change-email` (docs/architecture.md, "Changing the e-mail address"): the
//! new address gets a single-use link (`account_links::EMAIL_CHANGE`, 24 h, hashed) and
//! becomes the account's, verified, only when the link is used (`POST /verify-email`); the
//! old address is told at once, and again when the change is done.
//!
//! Proving who asks: the current password (through [`crate::authn`], throttled like every
//! door), or, for an account without a password (federated only), a sign-in within the last
//! five minutes (`recent_enough_to_link`, the rule that guards linking a provider).
//!
//! Enumeration: the page answers the same whether or not another account has the new
//! address. When one has, no link is issued; that account's owner is told someone tried to
//! use the address (as sign-up does), and the requester's old address gets the same notice
//! as for any request. The e-mails are queued from a task of their own, so the time taken
//! tells nothing either; the request counts against the new address and the IP.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::federation_linking::recent_enough_to_link;
use latchkey_core::token_request::Secret;
use latchkey_store::{BrowserSession, User};

use super::actions::{is_current_password, AccountForm};
use super::page;
use crate::account_links::{self, EMAIL_CHANGE, EMAIL_VERIFICATION_TTL};
use crate::authn::Channel;
use crate::error::ApiError;
use crate::federation::sign_in::NO_PASSWORD;
use crate::mail::templates;
use crate::pages::tr;
use crate::public_urls::Endpoint;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::mail_requests;
use crate::state::AppState;
use crate::throttle::Verdict;

pub async fn change_email(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    AccountForm { form, session, user }: AccountForm,
) -> Result<Response, AuthorizeError> {
    let new_email = form.get("new_email").unwrap_or_default().trim();
    let refusal = if !mail_requests::is_email(new_email) {
        Some(tr("enter-email"))
    } else if user.email.as_deref().is_some_and(|email| email.eq_ignore_ascii_case(new_email)) {
        Some(tr("email-change-same"))
    } else {
        let password = Secret::new(form.get("current_password").unwrap_or_default());
        let proven = proven(&state, peer, &headers, &session, &user, password).await?;
        (!proven).then_some(if user.password_hash == NO_PASSWORD {
            tr("email-change-sign-in-again")
        } else {
            tr("wrong-current-password")
        })
    };
    if let Some(refusal) = refusal {
        return Ok(page(&state, &headers, &user, None, Some(&refusal)).await?);
    }
    let verdict = mail_requests::admit(&state, peer, &headers, new_email).await?;
    if let Verdict::RateLimited { retry_after } = verdict {
        let page = page(&state, &headers, &user, None, Some(&mail_requests::too_many_text())).await?;
        return Ok(mail_requests::too_many(page, retry_after));
    }
    if verdict == Verdict::Open {
        let (state, user, new_email) = (state.clone(), user.clone(), new_email.to_owned());
        tokio::spawn(crate::pages::presentation::carry(async move {
            if let Err(e) = request_mails(&state, &user, &new_email).await {
                tracing::warn!(error = %e, "could not queue the e-mails of an e-mail change");
            }
        }));
    }
    Ok(page(&state, &headers, &user, Some(&tr("email-change-link-sent")), None).await?)
}

/// The current password, or a recent sign-in for an account that has none.
async fn proven(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    session: &BrowserSession,
    user: &User,
    password: Secret,
) -> Result<bool, ApiError> {
    if user.password_hash == NO_PASSWORD {
        return Ok(recent_enough_to_link(session.auth_time, state.clock.now()));
    }
    is_current_password(state, peer, headers, user, password, Channel::EmailChange).await
}

/// The link to the new address (or, when another account has it, a word to that account's
/// owner) and the notice to the old address.
async fn request_mails(state: &AppState, user: &User, new_email: &str) -> Result<(), ApiError> {
    match state.store.user_by_email(new_email).await? {
        Some(owner) => {
            let forgot_password = state.urls.url(Endpoint::ForgotPassword);
            let to = owner.email.as_deref().unwrap_or(new_email);
            let mail = templates::address_in_use(to, &owner.username, &forgot_password);
            state.outbox.enqueue(&mail).await?;
        }
        None => {
            let token =
                account_links::issue(state, user, new_email, EMAIL_CHANGE, EMAIL_VERIFICATION_TTL).await?;
            let link = format!("{}?token={token}", state.urls.url(Endpoint::VerifyEmail));
            let mail = templates::confirm_new_email(
                new_email,
                &user.username,
                &link,
                EMAIL_VERIFICATION_TTL / 3_600,
            );
            state.outbox.enqueue(&mail).await?;
        }
    }
    if let Some(old) = user.email.as_deref() {
        state.outbox.enqueue(&templates::email_change_requested(old, &user.username, new_email)).await?;
    }
    Ok(())
}

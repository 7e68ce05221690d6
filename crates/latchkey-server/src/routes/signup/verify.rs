//! `GET /verify-email?token=…` (a confirmation form: mail scanners open links, and must not
//! use them up) and `POST /verify-email` (uses the link, in one transaction). Two kinds of
//! link lead here: a verification link marks the account's address verified; an e-mail
//! change link (docs/architecture.md, "Changing the e-mail address") makes its address the
//! account's, verified, and the old address is told.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_store::AuditEvent;

use crate::account_links::{self, token_hash, EMAIL_CHANGE, EMAIL_VERIFICATION};
use crate::error::ApiError;
use crate::mail::templates;
use crate::pages::{account_email, recovery, signup};
use crate::public_urls::Endpoint;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::authorize::forms;
use crate::routes::mail_requests::{self, LinkQuery};
use crate::state::AppState;

fn invalid(state: &AppState) -> Response {
    recovery::invalid_link_page(&state.urls.path(Endpoint::Signup))
}

/// The purpose of the live link `token` leads to, if any.
async fn live_purpose(state: &AppState, token: &str) -> Result<Option<&'static str>, ApiError> {
    for purpose in [EMAIL_VERIFICATION, EMAIL_CHANGE] {
        if account_links::live(state, token, purpose).await?.is_some() {
            return Ok(Some(purpose));
        }
    }
    Ok(None)
}

pub async fn verify_email_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let token = mail_requests::link_token(query);
    if live_purpose(&state, &token).await?.is_none() {
        return Ok(invalid(&state));
    }
    let action = state.urls.path(Endpoint::VerifyEmail);
    forms::with_csrf(&state, &headers, |csrf| signup::verify_email_page(&action, &token, csrf))
}

async fn audit(state: &AppState, kind: &str, user_id: &str, now: i64) -> Result<(), ApiError> {
    let event = AuditEvent {
        at: now,
        kind: kind.to_owned(),
        user_id: Some(user_id.to_owned()),
        client_id: None,
        session_id: None,
        detail: None,
    };
    Ok(state.store.record_audit_event(&event).await?)
}

pub async fn verify_email_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let params = forms::read_checked_form(&state, &headers, body)?;
    let token = params.get("token").unwrap_or_default();
    let now = state.clock.now();
    match live_purpose(&state, token).await? {
        Some(EMAIL_VERIFICATION) => {
            let Some(link) = state.store.verify_email(&token_hash(token), now).await? else {
                return Ok(invalid(&state));
            };
            audit(&state, "email_verified", &link.user_id, now).await?;
            tracing::info!(user_id = %link.user_id, "e-mail address verified");
            Ok(signup::email_verified_page())
        }
        Some(_) => Ok(change_email(&state, token, now).await?),
        None => Ok(invalid(&state)),
    }
}

/// Uses an e-mail change link; tells the old address once the change is done.
async fn change_email(state: &AppState, token: &str, now: i64) -> Result<Response, ApiError> {
    let Some(change) = state.store.change_email(&token_hash(token), now).await? else {
        return Ok(invalid(state));
    };
    if !change.changed {
        return Ok(account_email::email_in_use_page());
    }
    let user_id = &change.link.user_id;
    audit(state, "email_changed", user_id, now).await?;
    tracing::info!(user_id = %user_id, "e-mail address changed");
    let user = state.store.user_by_id(user_id).await?;
    if let (Some(old), Some(user)) = (change.previous_email.as_deref(), user) {
        let notice = templates::email_changed(old, &user.username, &change.link.email);
        state.outbox.enqueue(&notice).await?;
    }
    Ok(account_email::email_changed_page(&change.link.email))
}

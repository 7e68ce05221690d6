//! `GET /verify-email?token=…` (a confirmation form: mail scanners open links, and must not
//! use them up) and `POST /verify-email` (uses the link and marks the address verified, in
//! one transaction).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_store::AuditEvent;

use crate::account_links::{self, token_hash, EMAIL_VERIFICATION};
use crate::error::ApiError;
use crate::pages::{recovery, signup};
use crate::public_urls::Endpoint;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::authorize::forms;
use crate::routes::mail_requests::{self, LinkQuery};
use crate::state::AppState;

fn invalid(state: &AppState) -> Response {
    recovery::invalid_link_page(&state.urls.path(Endpoint::Signup))
}

pub async fn verify_email_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let token = mail_requests::link_token(query);
    if account_links::live(&state, &token, EMAIL_VERIFICATION).await?.is_none() {
        return Ok(invalid(&state));
    }
    let action = state.urls.path(Endpoint::VerifyEmail);
    forms::with_csrf(&state, &headers, |csrf| signup::verify_email_page(&action, &token, csrf))
}

pub async fn verify_email_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let params = forms::read_checked_form(&state, &headers, body)?;
    let token = params.get("token").unwrap_or_default();
    if account_links::live(&state, token, EMAIL_VERIFICATION).await?.is_none() {
        return Ok(invalid(&state));
    }
    let now = state.clock.now();
    let Some(link) = state.store.verify_email(&token_hash(token), now).await? else {
        return Ok(invalid(&state));
    };
    let event = AuditEvent {
        at: now,
        kind: "email_verified".to_owned(),
        user_id: Some(link.user_id.clone()),
        client_id: None,
        session_id: None,
        detail: None,
    };
    state.store.record_audit_event(&event).await?;
    tracing::info!(user_id = %link.user_id, "e-mail address verified");
    Ok(signup::email_verified_page())
}

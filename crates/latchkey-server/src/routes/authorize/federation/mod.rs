//! Signing in through an upstream identity provider (`docs/architecture.md`, "Federation"):
//! [`start`] sends the browser upstream, [`callback`] brings it back and signs the user in,
//! [`link`] is the password form that links an upstream identity to an existing account,
//! [`account_link`] the flow a signed-in user starts from the account API to link one more,
//! [`link_ticket`] the route that binds that flow to the browser opening it.
//!
//! Every failure ends on an error page (or, for a user who declined upstream, an
//! `access_denied` redirect back to the client, RFC 6749 §4.1.2.1) and an audit event:
//! never a 500 for what the upstream or the browser sent, never half a user.

mod account_link;
mod callback;
mod link;
mod link_ticket;
mod start;

use axum::http::StatusCode;
use latchkey_store::AuditEvent;

pub(crate) use account_link::begin as begin_account_link;
pub use callback::{callback_get, callback_post};
pub use link::link;
pub use link_ticket::open as open_link_ticket;
pub use start::{begin, start};

use super::error::{title, AuthorizeError};
use crate::error::ApiError;
use crate::federation::providers::{self, Provider};
use crate::federation::upstream::UpstreamError;
use crate::pages::tr;
use crate::pages::ErrorPage;
use crate::state::AppState;

/// How long an outbound login may take (the bound: at most 10 minutes).
const FLOW_TTL: i64 = 600;

/// Records why a federated sign-in failed (an audit event and a log line).
async fn audit_failure(state: &AppState, provider: &str, reason: &str) -> Result<(), ApiError> {
    let event = AuditEvent {
        at: state.clock.now(),
        kind: "federation_failed".to_owned(),
        user_id: None,
        client_id: None,
        session_id: None,
        detail: Some(format!("provider={provider} reason={reason}")),
    };
    state.store.record_audit_event(&event).await?;
    tracing::info!(provider, reason, "federated sign-in failed");
    Ok(())
}

/// Records why a federated sign-in failed, and the page that says so.
async fn failure(
    state: &AppState,
    provider: &str,
    reason: &str,
    status: StatusCode,
    message: String,
) -> AuthorizeError {
    match audit_failure(state, provider, reason).await {
        Ok(()) => ErrorPage::new(status, title(), message).into(),
        Err(error) => error.into(),
    }
}

/// The page for an upstream failure: 502 when the provider could not be reached or
/// configured, 400 for what it refused or sent.
async fn upstream_failure(state: &AppState, provider: &str, error: UpstreamError) -> AuthorizeError {
    let status = match error {
        UpstreamError::Unreachable | UpstreamError::Discovery(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::BAD_REQUEST,
    };
    failure(state, provider, "upstream", status, error.to_string()).await
}

/// The provider called `name`, opened; a page when there is none.
async fn provider(state: &AppState, name: &str) -> Result<Provider, AuthorizeError> {
    let record = state
        .store
        .upstream_provider(name)
        .await?
        .ok_or_else(|| AuthorizeError::page(tr("federation-not-configured")))?;
    providers::open(&state.federation.sealer, &record).map_err(|e| ApiError::Internal(e).into())
}

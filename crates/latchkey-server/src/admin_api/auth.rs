//! Who may call the admin API: a client holding an access token of this server with the
//! [`ADMIN_SCOPE`], issued by the client-credentials grant (no user session). The token is
//! verified exactly as `/userinfo` verifies its tokens ([`crate::bearer::authenticate`]:
//! signature, expiry, revocation, DPoP binding), so the rules stay in one place; the guard
//! crate is for resource servers that only see the JWKS. Every authenticated call is
//! recorded as an `admin_request` audit event naming the acting client and the outcome
//! (docs/architecture.md, "Admin API").

use axum::extract::{OriginalUri, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::bearer::BearerError;
use latchkey_core::scope::{Scope, ADMIN_SCOPE};
use latchkey_store::AuditEvent;

use super::problem::Problem;
use crate::bearer::authenticate;
use crate::error::ApiError;
use crate::state::AppState;

/// The client an admin request acts as (an extension of authenticated requests).
#[derive(Clone, Debug)]
pub struct AdminCaller {
    pub client_id: String,
}

/// Authenticates the request, runs it, and records it.
pub async fn require_admin(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = match request.extensions().get::<OriginalUri>() {
        Some(original) => original.path().to_owned(),
        None => request.uri().path().to_owned(),
    };
    let method = request.method().clone();
    let caller = match authenticate_admin(&state, request.headers(), method.as_str(), &path).await {
        Ok(caller) => caller,
        Err(problem) => return problem.into_response(),
    };
    request.extensions_mut().insert(caller.clone());
    let response = next.run(request).await;
    let event = AuditEvent {
        at: state.clock.now(),
        kind: "admin_request".into(),
        user_id: None,
        client_id: Some(caller.client_id),
        session_id: None,
        detail: Some(format!("{method} {path} {}", response.status().as_u16())),
    };
    if let Err(error) = state.store.record_audit_event(&event).await {
        tracing::warn!(%error, "cannot record an admin request in the audit log");
    }
    response
}

async fn authenticate_admin(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
) -> Result<AdminCaller, Problem> {
    let claims = authenticate(state, headers, method, path).await?;
    let scope = Scope::parse(claims.scope.as_deref().unwrap_or_default()).unwrap_or_default();
    if !scope.contains(ADMIN_SCOPE) || claims.sid.is_some() {
        return Err(ApiError::Bearer(BearerError::InsufficientScope(ADMIN_SCOPE.into())).into());
    }
    Ok(AdminCaller { client_id: claims.client_id })
}

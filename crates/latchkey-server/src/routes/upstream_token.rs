//! `GET /federation/{name}/token`: the signed-in user's current access token at provider
//! `name`, for a confidential client whose access token carries the `upstream_token` scope
//! (RFC 6750 bearer; `docs/architecture.md`, "Federation"). Refreshed upstream when expired.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::bearer::BearerError;
use latchkey_core::client::ClientKind;
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::json;

use crate::bearer::{bearer_token, verify_access_token};
use crate::error::ApiError;
use crate::federation::{kept_tokens, providers};
use crate::state::AppState;

/// The scope that lets a client fetch upstream tokens.
pub const SCOPE: &str = "upstream_token";

pub async fn upstream_token(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let claims = verify_access_token(&state, bearer_token(&headers)?).await?;
    let scoped = claims.scope.as_deref().unwrap_or_default().split(' ').any(|s| s == SCOPE);
    let confidential = state
        .store
        .client_by_id(&claims.client_id)
        .await?
        .is_some_and(|c| c.kind == ClientKind::Confidential);
    if !scoped || !confidential {
        return Err(BearerError::InsufficientScope(SCOPE.into()).into());
    }
    let none =
        || OAuthError::new(ErrorCode::InvalidRequest, "no upstream token is kept for this user and provider");
    let record = state.store.upstream_provider(&name).await?.ok_or_else(none)?;
    let provider = providers::open(&state.federation.sealer, &record).map_err(ApiError::Internal)?;
    let (access_token, expires_in) = match kept_tokens::current(&state, &provider, &claims.sub).await? {
        Some(Ok(current)) => current,
        Some(Err(error)) => {
            tracing::info!(provider = %name, %error, "upstream refresh refused");
            let refused = "the provider refused to refresh the token; the user must sign in again";
            return Err(OAuthError::new(ErrorCode::InvalidGrant, refused).into());
        }
        None => return Err(none().into()),
    };
    let mut response = Json(json!({
        "access_token": access_token.as_str(),
        "token_type": "Bearer",
        "expires_in": expires_in,
        "idp": name,
    }))
    .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

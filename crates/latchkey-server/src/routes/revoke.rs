//! `POST /revoke` (RFC 7009). A refresh token ends its whole session (and through `sid`
//! every access token of it); an access token is denied until it expires. Unknown tokens are
//! answered 200 (§2.2). A token issued to another client is refused with `invalid_request`
//! and left alone (§2.1: "the authorization server … verifies whether the token was issued
//! to the client making the revocation request. If this validation fails, the request is
//! refused"), as Hydra, Keycloak and node-oidc-provider do.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::error::OAuthError;

use super::form_body::read_form;
use crate::client_auth::authenticate_form_client;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::presented::{belongs_to_another_client, identify, PresentedToken};

pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let form = read_form(&headers, body)?;
    let client = authenticate_form_client(&state, &headers, &form).await?;
    let token = form.require("token")?;
    let now = state.clock.now();
    let presented = identify(&state, token, &client.id);
    if belongs_to_another_client(&state, &presented, token, &client.id).await? {
        tracing::info!(client_id = %client.id, "refused to revoke another client's token");
        return Err(OAuthError::invalid_request("the token was not issued to this client").into());
    }
    match presented {
        PresentedToken::Refresh { session_id, .. } => {
            let sid = session_id.to_string();
            if state.store.revoke_session(&sid, now, "revoked_by_client").await? {
                tracing::info!(%sid, client_id = %client.id, "session revoked by its client");
            }
        }
        PresentedToken::Access { claims, .. } if claims.exp > now => {
            state.store.revoke_access_token(&claims.jti, claims.sid.as_deref(), claims.exp, now).await?;
        }
        PresentedToken::Access { .. } | PresentedToken::Unknown => {}
    }
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

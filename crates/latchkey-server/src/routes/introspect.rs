//! `POST /introspect` (RFC 7662), for confidential clients (a resource server gets one of
//! its own). An inactive token — expired, revoked, unknown, of a revoked session, a rotated
//! refresh token, signed by a key revoked in an emergency — answers `{"active": false}` and
//! nothing else (§2.2), so introspection never tells a caller why.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_core::client::ClientKind;
use latchkey_core::OAuthError;
use serde_json::{json, Value};

use super::form_body::read_form;
use crate::client_auth::authenticate_form_client;
use crate::error::ApiError;
use crate::keys;
use crate::state::AppState;
use crate::tokens::presented::{identify, PresentedToken};
use crate::tokens::session_id::SessionId;

fn inactive() -> Value {
    json!({ "active": false })
}

pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let form = read_form(&headers, body)?;
    let client = authenticate_form_client(&state, &headers, &form).await?;
    if client.kind != ClientKind::Confidential {
        return Err(OAuthError::invalid_client("introspection is for confidential clients").into());
    }
    let token = form.require("token")?;
    let answer = match identify(&state, token, &client.id) {
        PresentedToken::Refresh { session_id, generation } => {
            refresh_token_info(&state, &session_id, generation).await?
        }
        PresentedToken::Access { typ, kid, claims } => {
            access_token_info(&state, typ.as_deref(), kid.as_deref(), *claims).await?
        }
        PresentedToken::Unknown => inactive(),
    };
    let mut response = Json(answer).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn access_token_info(
    state: &AppState,
    typ: Option<&str>,
    kid: Option<&str>,
    claims: AccessTokenClaims,
) -> Result<Value, ApiError> {
    let now = state.clock.now();
    let checks = ClaimChecks { issuer: Some(&state.issuer), audience: None, leeway: 0 };
    if !check_access_token(typ, &claims, &checks, now).is_empty()
        || !keys::is_published(state.store.as_ref(), kid).await?
        || state.store.is_access_token_revoked(&claims.jti).await?
    {
        return Ok(inactive());
    }
    if let Some(sid) = &claims.sid {
        let live = state.store.session(sid).await?.is_some_and(|s| s.session.is_live(now));
        if !live {
            return Ok(inactive());
        }
    }
    let mut info = serde_json::to_value(&claims).map_err(ApiError::internal)?;
    info["active"] = true.into();
    // RFC 9449 §6.2: a bound token is of type DPoP, and its `cnf` (serialized with the
    // claims) names the key.
    info["token_type"] = if claims.cnf.is_some() { "DPoP" } else { "Bearer" }.into();
    if let Some(username) = &claims.preferred_username {
        info["username"] = username.clone().into();
    }
    Ok(info)
}

async fn refresh_token_info(
    state: &AppState,
    session_id: &SessionId,
    generation: i64,
) -> Result<Value, ApiError> {
    let now = state.clock.now();
    let Some(found) = state.store.session(&session_id.to_string()).await? else {
        return Ok(inactive());
    };
    let session = &found.session;
    if !session.is_live(now) || session.generation != generation {
        return Ok(inactive());
    }
    let mut info = json!({
        "active": true,
        "token_type": "refresh_token",
        "client_id": session.client_id,
        "sub": session.user_id,
        "username": found.username,
        "scope": session.scope,
        "sid": session.id,
        "iat": session.rotated_at.unwrap_or(session.created_at),
        "exp": session.lifetime().expires_at(),
        "iss": state.issuer.as_ref(),
        // How the sign-in that started the session was made (RFC 8176, Core §2).
        "auth_time": session.auth_time,
        "amr": session.method.amr,
        "acr": crate::mfa::acr(state, &session.method),
    });
    if let Some(jkt) = &session.dpop_jkt {
        info["cnf"] = json!({ "jkt": jkt });
    }
    Ok(info)
}

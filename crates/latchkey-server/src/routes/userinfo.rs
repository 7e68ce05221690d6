//! The UserInfo endpoint (OpenID Connect Core §5.3), GET and POST, with a bearer access
//! token (RFC 6750 §2.1) that was granted the `openid` scope. The standard claims returned
//! follow the scopes (Core §5.4): `profile` gives `preferred_username`, `updated_at` and the
//! normalized profile of a federated user (`name`, `given_name`, `family_name`, `picture`,
//! `locale`), `email` gives `email` and `email_verified` (true only when an upstream provider
//! or the operator vouched for the address).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::bearer::BearerError;
use serde_json::{Map, Value};

use crate::bearer::{bearer_token, verify_access_token};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = bearer_token(&headers)?;
    let claims = verify_access_token(&state, token).await?;
    let scopes: Vec<&str> = claims.scope.as_deref().unwrap_or_default().split(' ').collect();
    if !scopes.contains(&"openid") {
        return Err(BearerError::InsufficientScope("openid".into()).into());
    }
    let user =
        state.store.user_by_id(&claims.sub).await?.filter(|u| !u.disabled).ok_or_else(|| {
            BearerError::InvalidToken("the user of this access token no longer exists".into())
        })?;
    let mut body = Map::new();
    body.insert("sub".into(), Value::from(user.id.clone()));
    if scopes.contains(&"profile") {
        body.insert("preferred_username".into(), Value::from(user.username.clone()));
        body.insert("updated_at".into(), Value::from(user.updated_at));
        body.extend(user.profile.clone());
    }
    if scopes.contains(&"email") {
        if let Some(email) = &user.email {
            body.insert("email".into(), Value::from(email.clone()));
            body.insert("email_verified".into(), Value::from(user.email_verified));
        }
    }
    let mut response = Json(Value::Object(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

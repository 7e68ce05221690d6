//! `GET /account/identities` and `DELETE /account/identities/{provider}`: the signed-in user's
//! ways to sign in, and unlinking one (never the last: 409 `invalid_request`);
//! `POST /account/identities/{provider}`: linking another, through the browser
//! (`crate::routes::authorize::federation`'s account link).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::OAuthError;
use latchkey_store::Unlinked;

use crate::bearer::AccountUser;
use crate::error::ApiError;
use crate::federation::identities::{self, SignInMethods};
use crate::routes::authorize::begin_account_link;
use crate::state::AppState;

async fn account(state: &AppState, user: &AccountUser) -> Result<latchkey_store::User, ApiError> {
    state
        .store
        .user_by_id(&user.claims.sub)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("no such user").into())
}

pub async fn list_identities(
    State(state): State<AppState>,
    user: AccountUser,
) -> Result<Json<SignInMethods>, ApiError> {
    let account = account(&state, &user).await?;
    Ok(Json(identities::of_user(state.store.as_ref(), &account).await?))
}

pub async fn unlink_identity(
    State(state): State<AppState>,
    user: AccountUser,
    Path(provider): Path<String>,
) -> Result<Response, ApiError> {
    let account = account(&state, &user).await?;
    Ok(match identities::unlink(state.store.as_ref(), &account, &provider, state.clock.now()).await? {
        Unlinked::Unlinked => StatusCode::NO_CONTENT.into_response(),
        Unlinked::NotLinked => StatusCode::NOT_FOUND.into_response(),
        Unlinked::LastWay => {
            let error = OAuthError::invalid_request(
                "this is your only way to sign in: set a password or link another provider first",
            );
            let mut response = ApiError::from(error).into_response();
            *response.status_mut() = StatusCode::CONFLICT;
            response
        }
    })
}

/// The optional JSON body of `POST /account/identities/{provider}`.
#[derive(serde::Deserialize)]
struct LinkRequest {
    return_to: Option<String>,
}

pub async fn link_identity(
    State(state): State<AppState>,
    user: AccountUser,
    Path(provider): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request = if body.is_empty() {
        LinkRequest { return_to: None }
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| OAuthError::invalid_request("the body must be JSON: {\"return_to\": \"/path\"}"))?
    };
    begin_account_link(&state, &user, &provider, request.return_to).await
}

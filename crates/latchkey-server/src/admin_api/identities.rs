//! `/admin/users/{id}/identities`: a user's ways to sign in (their password, if any, and the
//! upstream identities linked to them) and unlinking one — what `latchkey users identities`
//! and `users unlink` do, through [`crate::federation::identities`]. Unlinking never removes
//! the last way in (409).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use latchkey_store::{Unlinked, User};

use super::problem::{Problem, ProblemBody};
use crate::federation::identities::{self, SignInMethods};
use crate::state::AppState;

async fn find(state: &AppState, id: &str) -> Result<User, Problem> {
    state.store.user_by_id(id).await?.ok_or_else(|| Problem::not_found("user"))
}

#[utoipa::path(get, operation_id = "users_identities", path = "/admin/users/{id}/identities", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = SignInMethods),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<SignInMethods>, Problem> {
    let Path(id) = id?;
    let user = find(&state, &id).await?;
    Ok(Json(identities::of_user(state.store.as_ref(), &user).await?))
}

#[utoipa::path(delete, operation_id = "users_unlink", path = "/admin/users/{id}/identities/{provider}", tag = "users",
    params(("id" = String, Path), ("provider" = String, Path)),
    responses((status = 204, description = "Unlinked, audited"),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn unlink(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let Path((id, provider)) = path?;
    let user = find(&state, &id).await?;
    match identities::unlink(state.store.as_ref(), &user, &provider, state.clock.now()).await? {
        Unlinked::Unlinked => Ok(StatusCode::NO_CONTENT),
        Unlinked::NotLinked => Err(Problem::not_found("identity of this user at that provider")),
        Unlinked::LastWay => Err(Problem::new(
            StatusCode::CONFLICT,
            "this is the user's only way to sign in: set a password first",
        )),
    }
}

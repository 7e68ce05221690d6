//! `/admin/users`: list, get, create, update (`If-Match`), delete, and the actions of
//! `latchkey users` (disable, enable, set password, unlock, revoke sessions). The rules are
//! those of [`crate::admin`].

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use latchkey_core::token_request::Secret;
use latchkey_store::User;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of_rows, Page, PageQuery};
use super::precondition::{expected_version, with_etag};
use super::problem::{Problem, ProblemBody};
use crate::admin::{self, UserSpec};
use crate::state::AppState;

/// A user as an operator sees it: never the password hash.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            roles: user.roles.clone(),
            disabled: user.disabled,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

fn user_response(status: StatusCode, user: &User) -> Response {
    with_etag(status, user.version, Json(UserView::from(user)))
}

/// Filters of the user list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only the user with this username.
    pub username: Option<String>,
    /// Only disabled (true) or only enabled (false) users.
    pub disabled: Option<bool>,
}

/// A user to create.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// No whitespace or control characters, at most 256 bytes.
    #[schema(pattern = "^[!-~]+$", min_length = 1, max_length = 256)]
    pub username: String,
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the operator vouches for the address (linking to this account by e-mail needs
    /// it; see the federation section of docs/architecture.md).
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub roles: Vec<String>,
    /// At least 8 characters.
    #[schema(min_length = 8, max_length = 1024)]
    pub password: String,
}

/// A change of profile: absent fields are kept, `"email": null` removes the email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// The operator vouches for the address given with it (default false: a changed address
    /// is unverified).
    #[serde(default)]
    pub email_verified: bool,
}

/// Tells a field given as `null` (Some(None)) from an absent one (None).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// A new password.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// At least 8 characters.
    #[schema(min_length = 8, max_length = 1024)]
    pub password: String,
}

/// How many sessions an action ended.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SessionsEnded {
    pub sessions_ended: u64,
}

/// Whether an unlock lifted a lockout.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Unlocked {
    pub was_locked: bool,
}

async fn find(state: &AppState, id: &str) -> Result<User, Problem> {
    state.store.user_by_id(id).await?.ok_or_else(|| Problem::not_found("user"))
}

#[utoipa::path(get, operation_id = "users_list", path = "/admin/users", tag = "users", params(PageQuery, UserFilter),
    responses((status = 200, body = Page<UserView>),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<PageQuery>, QueryRejection>,
    filter: Result<Query<UserFilter>, QueryRejection>,
) -> Result<Json<Page<UserView>>, Problem> {
    let (Query(page), Query(filter)) = (page?, filter?);
    let after = page.after()?;
    let users = match &filter.username {
        Some(username) => {
            let user = state.store.user_by_username(username).await?;
            let after_cursor =
                |user: &User| after.as_deref().is_none_or(|after| user.username.as_str() > after);
            let wanted = |user: &User| filter.disabled.is_none_or(|disabled| user.disabled == disabled);
            user.into_iter().filter(|user| after_cursor(user) && wanted(user)).collect()
        }
        None => state.store.users_page(after.as_deref(), filter.disabled, page.rows()).await?,
    };
    Ok(Json(page_of_rows(users, &page, |user| user.username.clone())))
}

#[utoipa::path(post, operation_id = "users_create", path = "/admin/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, body = UserView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewUserRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(body) = body?;
    let spec = UserSpec {
        username: body.username,
        email: body.email,
        email_verified: body.email_verified,
        roles: body.roles,
    };
    let password = Secret::new(body.password);
    let user =
        admin::add_user(state.store.as_ref(), &state.passwords, spec, &password, state.clock.now()).await?;
    Ok(user_response(StatusCode::CREATED, &user))
}

#[utoipa::path(get, operation_id = "users_get", path = "/admin/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Path(id) = id?;
    Ok(user_response(StatusCode::OK, &find(&state, &id).await?))
}

#[utoipa::path(patch, operation_id = "users_update", path = "/admin/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = String, Path), ("If-Match" = String, Header, description = "The ETag the change is based on")),
    responses((status = 200, body = UserView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<UserPatch>, JsonRejection>,
) -> Result<Response, Problem> {
    let Path(id) = id?;
    let expected = expected_version(&headers)?;
    let Json(patch) = body?;
    let user = find(&state, &id).await?;
    let email = patch.email.unwrap_or_else(|| user.email.clone());
    let roles = patch.roles.unwrap_or_else(|| user.roles.clone());
    let now = state.clock.now();
    let email = (email, patch.email_verified);
    match admin::update_user(state.store.as_ref(), &user, expected, email, roles, now).await? {
        Some(updated) => Ok(user_response(StatusCode::OK, &updated)),
        None => Err(super::precondition::stale()),
    }
}

#[utoipa::path(delete, operation_id = "users_delete", path = "/admin/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted: their sessions ended, their identities removed, audited"),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let Path(id) = id?;
    let user = find(&state, &id).await?;
    if admin::delete_user(state.store.as_ref(), &user, state.clock.now()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("user"))
    }
}

#[utoipa::path(post, operation_id = "users_disable", path = "/admin/users/{id}/disable", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = SessionsEnded),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn disable(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<SessionsEnded>, Problem> {
    let Path(id) = id?;
    let user = find(&state, &id).await?;
    let sessions_ended = admin::disable_user(state.store.as_ref(), &user, state.clock.now()).await?;
    Ok(Json(SessionsEnded { sessions_ended }))
}

#[utoipa::path(post, operation_id = "users_enable", path = "/admin/users/{id}/enable", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn enable(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Path(id) = id?;
    let user = find(&state, &id).await?;
    admin::enable_user(state.store.as_ref(), &user, state.clock.now()).await?;
    Ok(user_response(StatusCode::OK, &find(&state, &id).await?))
}

#[utoipa::path(post, operation_id = "users_set_password", path = "/admin/users/{id}/password", tag = "users", request_body = PasswordRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = SessionsEnded),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_password(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<PasswordRequest>, JsonRejection>,
) -> Result<Json<SessionsEnded>, Problem> {
    let Path(id) = id?;
    let Json(body) = body?;
    let user = find(&state, &id).await?;
    let password = Secret::new(body.password);
    let sessions_ended =
        admin::set_password(state.store.as_ref(), &state.passwords, &user, &password, state.clock.now())
            .await?;
    Ok(Json(SessionsEnded { sessions_ended }))
}

#[utoipa::path(post, operation_id = "users_unlock", path = "/admin/users/{id}/unlock", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = Unlocked),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn unlock(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Unlocked>, Problem> {
    let Path(id) = id?;
    let user = find(&state, &id).await?;
    let was_locked = admin::unlock_user(state.store.as_ref(), &user, state.clock.now()).await?;
    Ok(Json(Unlocked { was_locked }))
}

#[utoipa::path(post, operation_id = "users_revoke_sessions", path = "/admin/users/{id}/revoke-sessions", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = SessionsEnded),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<SessionsEnded>, Problem> {
    let Path(id) = id?;
    let user = find(&state, &id).await?;
    let sessions_ended = admin::revoke_user_sessions(state.store.as_ref(), &user, state.clock.now()).await?;
    Ok(Json(SessionsEnded { sessions_ended }))
}

//! `/admin/sessions`: the live sessions (refresh-token families), one session, and ending
//! one — what `latchkey sessions` shows and does. The list is paged in the database, in the
//! order of session ids.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use latchkey_store::Session;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of_rows, Page, PageQuery};
use super::problem::{Problem, ProblemBody};
use crate::admin;
use crate::state::AppState;

/// A session as an operator sees it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl From<&Session> for SessionView {
    fn from(session: &Session) -> Self {
        Self {
            id: session.id.clone(),
            user_id: session.user_id.clone(),
            client_id: session.client_id.clone(),
            scope: session.scope.clone(),
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            expires_at: session.idle_expires_at.min(session.absolute_expires_at),
            revoked_at: session.revoked_at,
            ip: session.ip.clone(),
            user_agent: session.user_agent.clone(),
        }
    }
}

/// Filters of the session list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionFilter {
    /// Only this user's sessions.
    pub user_id: Option<String>,
    /// Only sessions of this client.
    pub client_id: Option<String>,
}

#[utoipa::path(get, operation_id = "sessions_list", path = "/admin/sessions", tag = "sessions", params(PageQuery, SessionFilter),
    responses((status = 200, body = Page<SessionView>),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<PageQuery>, QueryRejection>,
    filter: Result<Query<SessionFilter>, QueryRejection>,
) -> Result<Json<Page<SessionView>>, Problem> {
    let (Query(page), Query(filter)) = (page?, filter?);
    let filter = latchkey_store::SessionFilter { user_id: filter.user_id, client_id: filter.client_id };
    let after = page.after()?;
    let now = state.clock.now();
    let sessions = state.store.sessions_page(&filter, after.as_deref(), now, page.rows()).await?;
    Ok(Json(page_of_rows(sessions, &page, |session| session.id.clone())))
}

#[utoipa::path(get, operation_id = "sessions_get", path = "/admin/sessions/{id}", tag = "sessions", params(("id" = String, Path)),
    responses((status = 200, body = SessionView),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<SessionView>, Problem> {
    let Path(id) = id?;
    let found = state.store.session(&id).await?.ok_or_else(|| Problem::not_found("session"))?;
    Ok(Json(SessionView::from(&found.session)))
}

#[utoipa::path(delete, operation_id = "sessions_revoke", path = "/admin/sessions/{id}", tag = "sessions", params(("id" = String, Path)),
    responses((status = 204, description = "Ended: its refresh and access tokens stop working"),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let Path(id) = id?;
    if admin::revoke_session(state.store.as_ref(), &id, state.clock.now()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("live session"))
    }
}

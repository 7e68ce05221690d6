//! `/admin/audit-events`: what the server recorded (logins, failures, refresh-token reuse,
//! revocations, admin requests), newest first, filtered by user, client, type and time, in
//! pages the database cuts (the table is the largest the server keeps; rows older than
//! `audit_retention` are deleted by the janitor).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use latchkey_store::{AuditEvent, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of_rows, Page, PageQuery};
use super::problem::{Problem, ProblemBody};
use crate::state::AppState;

/// An audit event.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AuditEventView {
    pub at: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub session_id: Option<String>,
    pub detail: Option<String>,
}

/// An event as the store lists it, with its id (the page's key).
impl From<&(i64, AuditEvent)> for AuditEventView {
    fn from((_, event): &(i64, AuditEvent)) -> Self {
        Self::from(event)
    }
}

impl From<&AuditEvent> for AuditEventView {
    fn from(event: &AuditEvent) -> Self {
        Self {
            at: event.at,
            kind: event.kind.clone(),
            user_id: event.user_id.clone(),
            client_id: event.client_id.clone(),
            session_id: event.session_id.clone(),
            detail: event.detail.clone(),
        }
    }
}

/// Filters of the audit list; every given one must hold.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    /// The event type, e.g. `login_failed`, `refresh_reuse`, `admin_request`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Only events at or after this Unix time.
    pub since: Option<i64>,
}

#[utoipa::path(get, operation_id = "audit_list", path = "/admin/audit-events", tag = "audit", params(PageQuery, AuditQuery),
    responses((status = 200, body = Page<AuditEventView>),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<PageQuery>, QueryRejection>,
    filter: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Page<AuditEventView>>, Problem> {
    let (Query(page), Query(query)) = (page?, filter?);
    let before_id = match page.after()? {
        Some(id) => {
            Some(id.parse::<i64>().map_err(|_| Problem::bad_request("the cursor is not one this API gave"))?)
        }
        None => None,
    };
    let filter = AuditFilter {
        user_id: query.user_id,
        client_id: query.client_id,
        kind: query.kind,
        since: query.since,
        before_id,
    };
    let events = state.store.find_audit_events(&filter, page.rows()).await?;
    Ok(Json(page_of_rows(events, &page, |(id, _)| id.to_string())))
}

//! [`AuditStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::model::AuditEvent;
use crate::traits::AuditStore;

/// Records an audit event (shared with the unit of work).
pub(super) fn insert_audit_event(event: &AuditEvent) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO audit_events (at, kind, user_id, client_id, session_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(event.at)
    .bind(&event.kind)
    .bind(&event.user_id)
    .bind(&event.client_id)
    .bind(&event.session_id)
    .bind(&event.detail)
}

fn audit_from_row(row: &AnyRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        at: col(row, "at")?,
        kind: col(row, "kind")?,
        user_id: col(row, "user_id")?,
        client_id: col(row, "client_id")?,
        session_id: col(row, "session_id")?,
        detail: col(row, "detail")?,
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn record_audit_event(&self, event: &AuditEvent) -> Result<(), StoreError> {
        insert_audit_event(event)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "audit event".into()))?;
        Ok(())
    }

    async fn audit_events(
        &self,
        session_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let limit = limit.max(0);
        let query = match session_id {
            Some(session_id) => sqlx::query(
                "SELECT at, kind, user_id, client_id, session_id, detail FROM audit_events \
                 WHERE session_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(session_id)
            .bind(limit),
            None => sqlx::query(
                "SELECT at, kind, user_id, client_id, session_id, detail FROM audit_events \
                 ORDER BY at DESC, id DESC LIMIT $1",
            )
            .bind(limit),
        };
        query
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "audit events".into()))?
            .iter()
            .map(audit_from_row)
            .collect()
    }
}

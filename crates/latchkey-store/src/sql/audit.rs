//! [`AuditStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::model::{AuditEvent, AuditFilter};
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

    async fn find_audit_events(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<(i64, AuditEvent)>, StoreError> {
        // Each given condition adds one numbered parameter, bound below in the same order.
        let mut conditions = Vec::new();
        let text = [
            ("user_id", filter.user_id.as_deref()),
            ("client_id", filter.client_id.as_deref()),
            ("kind", filter.kind.as_deref()),
        ];
        let text: Vec<(&str, &str)> = text.iter().filter_map(|(col, v)| v.map(|v| (*col, v))).collect();
        for (column, _) in &text {
            conditions.push(format!("{column} = ${}", conditions.len() + 1));
        }
        if filter.since.is_some() {
            conditions.push(format!("at >= ${}", conditions.len() + 1));
        }
        if filter.before_id.is_some() {
            conditions.push(format!("id < ${}", conditions.len() + 1));
        }
        let mut sql =
            "SELECT id, at, kind, user_id, client_id, session_id, detail FROM audit_events".to_owned();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", conditions.len() + 1));
        let mut query = sqlx::query(&sql);
        for (_, value) in &text {
            query = query.bind(*value);
        }
        if let Some(since) = filter.since {
            query = query.bind(since);
        }
        if let Some(before_id) = filter.before_id {
            query = query.bind(before_id);
        }
        query
            .bind(limit.max(0))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "audit events".into()))?
            .iter()
            .map(|row| Ok((col(row, "id")?, audit_from_row(row)?)))
            .collect()
    }

    async fn delete_audit_events_before(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM audit_events WHERE id IN \
             (SELECT id FROM audit_events WHERE at < $1 ORDER BY id LIMIT $2)",
        )
        .bind(cutoff)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "audit events".into()))?;
        Ok(done.rows_affected())
    }
}

//! [`KeyStore`] and [`AuditStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::model::{AuditEvent, SigningKeyRecord};
use crate::traits::{AuditStore, KeyStore};

fn key_from_row(row: &AnyRow) -> Result<SigningKeyRecord, StoreError> {
    Ok(SigningKeyRecord {
        kid: col(row, "kid")?,
        alg: col(row, "alg")?,
        sealed_private_key: col(row, "sealed_private_key")?,
        public_jwk: col(row, "public_jwk")?,
        created_at: col(row, "created_at")?,
        retired_at: col(row, "retired_at")?,
    })
}

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
impl KeyStore for SqlStore {
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, sealed_private_key, public_jwk, created_at, retired_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(&key.sealed_private_key)
        .bind(&key.public_jwk)
        .bind(key.created_at)
        .bind(key.retired_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("signing key {}", key.kid)))?;
        Ok(())
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        sqlx::query(
            "SELECT kid, alg, sealed_private_key, public_jwk, created_at, retired_at \
             FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(|e| self.fail(e, || "signing keys".into()))?
        .iter()
        .map(key_from_row)
        .collect()
    }

    async fn insert_first_signing_key(&self, key: &SigningKeyRecord) -> Result<bool, StoreError> {
        // The unique index on `first_of_alg` (migration 0006) decides between racing processes.
        let done = sqlx::query(
            "INSERT INTO signing_keys \
             (kid, alg, sealed_private_key, public_jwk, created_at, retired_at, first_of_alg) \
             VALUES ($1, $2, $3, $4, $5, $6, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(&key.sealed_private_key)
        .bind(&key.public_jwk)
        .bind(key.created_at)
        .bind(key.retired_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("signing key {}", key.kid)))?;
        Ok(done.rows_affected() == 1)
    }
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

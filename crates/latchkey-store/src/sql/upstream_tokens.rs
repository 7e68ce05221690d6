//! Kept upstream tokens (`upstream_tokens`): one upsert per login or refresh, one read, and
//! the janitor's delete.

use sqlx::any::AnyRow;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::federation::UpstreamTokenRecord;

fn from_row(row: &AnyRow) -> Result<UpstreamTokenRecord, StoreError> {
    Ok(UpstreamTokenRecord {
        provider: col(row, "provider")?,
        user_id: col(row, "user_id")?,
        sealed_tokens: col(row, "sealed_tokens")?,
        access_expires_at: col(row, "access_expires_at")?,
        retain_until: col(row, "retain_until")?,
        updated_at: col(row, "updated_at")?,
    })
}

pub(super) async fn put(store: &SqlStore, r: &UpstreamTokenRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO upstream_tokens (provider, user_id, sealed_tokens, access_expires_at, retain_until, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (provider, user_id) DO UPDATE SET \
         sealed_tokens = excluded.sealed_tokens, access_expires_at = excluded.access_expires_at, \
         retain_until = excluded.retain_until, updated_at = excluded.updated_at",
    )
    .bind(&r.provider)
    .bind(&r.user_id)
    .bind(&r.sealed_tokens)
    .bind(r.access_expires_at)
    .bind(r.retain_until)
    .bind(r.updated_at)
    .execute(&store.writer)
    .await
    .map_err(|e| store.fail(e, || "upstream tokens".into()))?;
    Ok(())
}

pub(super) async fn get(
    store: &SqlStore,
    provider: &str,
    user_id: &str,
) -> Result<Option<UpstreamTokenRecord>, StoreError> {
    sqlx::query(
        "SELECT provider, user_id, sealed_tokens, access_expires_at, retain_until, updated_at \
         FROM upstream_tokens WHERE provider = $1 AND user_id = $2",
    )
    .bind(provider)
    .bind(user_id)
    .fetch_optional(&store.reader)
    .await
    .map_err(|e| store.fail(e, || "upstream tokens".into()))?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(super) async fn delete_expired(store: &SqlStore, now: i64, limit: i64) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM upstream_tokens WHERE (provider, user_id) IN (\
         SELECT provider, user_id FROM upstream_tokens WHERE retain_until <= $1 LIMIT $2)",
    )
    .bind(now)
    .bind(limit.max(0))
    .execute(&store.writer)
    .await
    .map_err(|e| store.fail(e, || "upstream tokens".into()))?;
    Ok(done.rows_affected())
}

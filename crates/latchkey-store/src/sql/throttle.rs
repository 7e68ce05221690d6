//! [`ThrottleStore`] for [`SqlStore`]: the failure counts of the sign-in throttle, in the
//! database so that every process sees (and adds to) the same counts.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::model::ThrottleCount;
use crate::traits::ThrottleStore;

/// `$1, $2, …, $n` for a list bound one value per placeholder after `first - 1` others.
fn placeholders(first: usize, count: usize, per_row: impl Fn(usize) -> String) -> String {
    (0..count).map(|i| per_row(first + i)).collect::<Vec<_>>().join(", ")
}

fn count_from_row(row: &AnyRow) -> Result<ThrottleCount, StoreError> {
    Ok(ThrottleCount {
        key: col(row, "throttle_key")?,
        failures: col(row, "failures")?,
        last_failure: col(row, "last_failure")?,
    })
}

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn record_throttle_failures(
        &self,
        keys: &[&str],
        now: i64,
        window: i64,
    ) -> Result<Vec<ThrottleCount>, StoreError> {
        // Sorted and without duplicates: PostgreSQL refuses to update a row twice in one
        // statement, and a fixed lock order keeps racing statements from deadlocking.
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // $1 = now, $2 = end of the window, $3.. = the keys. The window restarts inside the
        // statement, so two racing processes can never both start it (and lose a count).
        let rows = placeholders(3, keys.len(), |i| format!("(${i}, 1, $1, $2)"));
        let sql = format!(
            "INSERT INTO login_throttle (throttle_key, failures, last_failure, expires_at) VALUES {rows} \
             ON CONFLICT (throttle_key) DO UPDATE SET \
             failures = CASE WHEN login_throttle.expires_at <= excluded.last_failure THEN 1 \
                        ELSE login_throttle.failures + 1 END, \
             last_failure = excluded.last_failure, expires_at = excluded.expires_at \
             RETURNING throttle_key, failures, last_failure"
        );
        let mut query = sqlx::query(&sql).bind(now).bind(now.saturating_add(window));
        for key in &keys {
            query = query.bind(*key);
        }
        query
            .fetch_all(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "login throttle".into()))?
            .iter()
            .map(count_from_row)
            .collect()
    }

    async fn throttle_counts(&self, keys: &[&str], now: i64) -> Result<Vec<ThrottleCount>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(2, keys.len(), |i| format!("${i}"));
        let sql = format!(
            "SELECT throttle_key, failures, last_failure FROM login_throttle \
             WHERE expires_at > $1 AND throttle_key IN ({list}) ORDER BY throttle_key"
        );
        let mut query = sqlx::query(&sql).bind(now);
        for key in keys {
            query = query.bind(*key);
        }
        query
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "login throttle".into()))?
            .iter()
            .map(count_from_row)
            .collect()
    }

    async fn clear_throttle(&self, key: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "login throttle".into()))?;
        Ok(done.rows_affected() > 0)
    }

    async fn clear_throttle_prefix(&self, prefix: &str) -> Result<u64, StoreError> {
        // `substr` and `length` count characters on both backends; no LIKE, so no escaping.
        let length = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
        let done =
            sqlx::query("DELETE FROM login_throttle WHERE substr(throttle_key, 1, CAST($2 AS INTEGER)) = $1")
                .bind(prefix)
                .bind(length)
                .execute(&self.writer)
                .await
                .map_err(|e| self.fail(e, || "login throttle".into()))?;
        Ok(done.rows_affected())
    }

    async fn delete_expired_throttles(&self, now: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM login_throttle WHERE throttle_key IN \
             (SELECT throttle_key FROM login_throttle WHERE expires_at < $1 LIMIT $2)",
        )
        .bind(now)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "login throttle".into()))?;
        Ok(done.rows_affected())
    }
}

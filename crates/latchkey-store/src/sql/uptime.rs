//! [`UptimeStore`] for [`SqlStore`]: the heartbeat row every process keeps fresh and the
//! downtimes recorded when one starts after all were down.

use async_trait::async_trait;
use latchkey_core::refresh::Downtime;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::traits::UptimeStore;

#[async_trait]
impl UptimeStore for SqlStore {
    async fn last_heartbeat(&self) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT beat_at FROM server_heartbeat WHERE id = 1")
            .fetch_optional(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "heartbeat".into()))?;
        row.as_ref().map(|row| col(row, "beat_at")).transpose()
    }

    async fn record_heartbeat(&self, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO server_heartbeat (id, beat_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET \
             beat_at = CASE WHEN server_heartbeat.beat_at > excluded.beat_at \
                       THEN server_heartbeat.beat_at ELSE excluded.beat_at END",
        )
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "heartbeat".into()))?;
        Ok(())
    }

    async fn record_downtime(&self, from: i64, until: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO server_downtimes (from_at, until_at) VALUES ($1, $2) ON CONFLICT (from_at) DO UPDATE \
             SET until_at = CASE WHEN server_downtimes.until_at > excluded.until_at \
                            THEN server_downtimes.until_at ELSE excluded.until_at END",
        )
        .bind(from)
        .bind(until)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "downtime".into()))?;
        Ok(())
    }

    async fn downtimes_since(&self, since: i64) -> Result<Vec<Downtime>, StoreError> {
        sqlx::query("SELECT from_at, until_at FROM server_downtimes WHERE until_at > $1 ORDER BY from_at")
            .bind(since)
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "downtimes".into()))?
            .iter()
            .map(|row| Ok(Downtime { from: col(row, "from_at")?, until: col(row, "until_at")? }))
            .collect()
    }

    async fn delete_downtimes_before(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM server_downtimes WHERE until_at < $1")
            .bind(before)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "downtimes".into()))?;
        Ok(done.rows_affected())
    }
}

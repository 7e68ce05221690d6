//! [`BackchannelLogoutStore`] for [`SqlStore`]: the `backchannel_logouts` outbox (its rows are
//! inserted by the `sessions_enqueue_backchannel_logout` trigger, migration 0025).

use async_trait::async_trait;

use super::{col, SqlStore};
use crate::backchannel_logout::{BackchannelLogout, BackchannelLogoutStore};
use crate::error::StoreError;

#[async_trait]
impl BackchannelLogoutStore for SqlStore {
    async fn claim_backchannel_logouts(
        &self,
        now: i64,
        lease: i64,
        limit: i64,
    ) -> Result<Vec<BackchannelLogout>, StoreError> {
        let due = sqlx::query(
            "SELECT b.session_id, b.client_id, c.backchannel_logout_uri, b.user_id, \
             b.browser_session_id, c.backchannel_logout_session_required, b.attempts FROM backchannel_logouts b \
             JOIN clients c ON c.id = b.client_id \
             WHERE b.next_attempt_at <= $1 AND (b.claimed_until IS NULL OR b.claimed_until <= $1) \
             AND c.backchannel_logout_uri IS NOT NULL ORDER BY b.next_attempt_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(|e| self.fail(e, || "back-channel logouts".into()))?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in &due {
            let delivery = BackchannelLogout {
                session_id: col(row, "session_id")?,
                client_id: col(row, "client_id")?,
                uri: col(row, "backchannel_logout_uri")?,
                user_id: col(row, "user_id")?,
                browser_session_id: col(row, "browser_session_id")?,
                session_required: col::<i64>(row, "backchannel_logout_session_required")? != 0,
                attempts: col(row, "attempts")?,
            };
            let won = sqlx::query(
                "UPDATE backchannel_logouts SET claimed_until = $2, attempts = attempts + 1 \
                 WHERE session_id = $1 AND attempts = $3 AND (claimed_until IS NULL OR claimed_until <= $4)",
            )
            .bind(&delivery.session_id)
            .bind(now + lease)
            .bind(delivery.attempts)
            .bind(now)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "back-channel logout".into()))?;
            if won.rows_affected() == 1 {
                claimed.push(delivery);
            }
        }
        Ok(claimed)
    }

    async fn finish_backchannel_logout(&self, session_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM backchannel_logouts WHERE session_id = $1")
            .bind(session_id)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "back-channel logout".into()))?;
        Ok(())
    }

    async fn retry_backchannel_logout(
        &self,
        session_id: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE backchannel_logouts SET claimed_until = NULL, next_attempt_at = $2 WHERE session_id = $1",
        )
        .bind(session_id)
        .bind(next_attempt_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "back-channel logout".into()))?;
        Ok(())
    }
}

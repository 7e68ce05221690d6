//! [`OutboxStore`] for [`SqlStore`]: the e-mail outbox (docs/architecture.md, "E-mail
//! delivery"). A claim is one `UPDATE … RETURNING` whose `WHERE` repeats the "unclaimed"
//! condition on the row itself: on PostgreSQL a claimer that waited for another's row lock
//! re-checks it against the committed row and skips it; SQLite has one writer at a time.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{col, SqlStore};
use crate::account_traits::{OutboxMail, OutboxStore};
use crate::error::StoreError;

fn mail_from_row(row: &AnyRow) -> Result<OutboxMail, StoreError> {
    Ok(OutboxMail {
        id: col(row, "id")?,
        recipient: col(row, "recipient")?,
        sealed_message: col(row, "sealed_message")?,
        attempts: col(row, "attempts")?,
    })
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn enqueue_mail(&self, mail: &OutboxMail, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (id, recipient, sealed_message, created_at, attempts, next_attempt_at) \
             VALUES ($1, $2, $3, $4, 0, $4)",
        )
        .bind(&mail.id)
        .bind(&mail.recipient)
        .bind(&mail.sealed_message)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "outbox".into()))?;
        Ok(())
    }

    async fn claim_mail(
        &self,
        now: i64,
        claimed_until: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let rows = sqlx::query(
            "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at <= $1 \
                          AND (claimed_until IS NULL OR claimed_until <= $1) \
                          ORDER BY next_attempt_at LIMIT $3) \
             AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) \
             RETURNING id, recipient, sealed_message, attempts",
        )
        .bind(now)
        .bind(claimed_until)
        .bind(limit.max(0))
        .fetch_all(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "outbox".into()))?;
        rows.iter().map(mail_from_row).collect()
    }

    async fn mail_sent(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM outbox WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "outbox".into()))?;
        Ok(())
    }

    async fn mail_failed(&self, id: &str, next_attempt_at: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL, next_attempt_at = $2, last_error = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(next_attempt_at)
        .bind(error)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "outbox".into()))?;
        Ok(())
    }

    async fn outbox_len(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox")
            .fetch_one(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "outbox".into()))?;
        row.try_get::<i64, _>("n").map_err(|e| self.fail(e, || "outbox".into()))
    }
}

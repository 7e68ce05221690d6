//! [`SecondFactorStore`] for [`SqlStore`]: TOTP authenticators, used time steps and recovery
//! codes (docs/architecture.md, "Multi-factor authentication").

use async_trait::async_trait;

use super::sessions::live_at;
use super::{col, SqlStore};
use crate::error::StoreError;
use crate::second_factors::{SecondFactorStore, TotpFactor};

#[async_trait]
impl SecondFactorStore for SqlStore {
    async fn begin_totp_enrolment(
        &self,
        user_id: &str,
        sealed_secret: &[u8],
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO totp_factors (user_id, sealed_secret, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET sealed_secret = $2, created_at = $3 \
             WHERE totp_factors.confirmed_at IS NULL",
        )
        .bind(user_id)
        .bind(sealed_secret)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("TOTP of user {user_id}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn totp_factor(&self, user_id: &str) -> Result<Option<TotpFactor>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, sealed_secret, created_at, confirmed_at FROM totp_factors WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.fail(e, || format!("TOTP of user {user_id}")))?;
        row.map(|row| {
            Ok(TotpFactor {
                user_id: col(&row, "user_id")?,
                sealed_secret: col(&row, "sealed_secret")?,
                created_at: col(&row, "created_at")?,
                confirmed_at: col(&row, "confirmed_at")?,
            })
        })
        .transpose()
    }

    async fn confirm_totp(&self, user_id: &str, sealed_secret: &[u8], now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE totp_factors SET confirmed_at = $3 \
             WHERE user_id = $1 AND sealed_secret = $2 AND confirmed_at IS NULL",
        )
        .bind(user_id)
        .bind(sealed_secret)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("TOTP of user {user_id}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_totp(&self, user_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let fail = |e| self.fail(e, || format!("second factors of user {user_id}"));
        let done =
            sqlx::query("DELETE FROM totp_factors WHERE user_id = $1").bind(user_id).execute(&mut *tx).await;
        let removed = done.map_err(fail)?.rows_affected() == 1;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(removed)
    }

    async fn use_totp_step(&self, user_id: &str, step: i64, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO totp_used_steps (user_id, step, used_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, step) DO NOTHING",
        )
        .bind(user_id)
        .bind(step)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("TOTP step of user {user_id}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_used_totp_steps(&self, before: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM totp_used_steps WHERE (user_id, step) IN (\
             SELECT user_id, step FROM totp_used_steps WHERE used_at < $1 LIMIT $2)",
        )
        .bind(before)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "TOTP steps".into()))?;
        Ok(done.rows_affected())
    }

    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let fail = |e| self.fail(e, || format!("recovery codes of user {user_id}"));
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        for hash in code_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
                .bind(user_id)
                .bind(hash)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)
    }

    async fn use_recovery_code(&self, user_id: &str, code_hash: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("recovery codes of user {user_id}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn recovery_codes_left(&self, user_id: &str) -> Result<i64, StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id)
                .fetch_one(&self.reader)
                .await
                .map_err(|e| self.fail(e, || format!("recovery codes of user {user_id}")))?;
        col(&row, "n")
    }

    async fn has_session_with_mfa_required_client(
        &self,
        user_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1 AND ",
            live_at!("$2"),
            " AND client_id IN (SELECT id FROM clients WHERE mfa = 'required')"
        ))
        .bind(user_id)
        .bind(now)
        .fetch_one(&self.reader)
        .await
        .map_err(|e| self.fail(e, || format!("sessions of user {user_id}")))?;
        Ok(col::<i64>(&row, "n")? > 0)
    }
}

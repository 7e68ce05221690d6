//! [`NativeExchangeStore`] for [`SqlStore`]: `native_nonces`, `subject_token_replay` and the
//! providers' `nonce_hashing` column.

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::native_exchange::NativeExchangeStore;
use async_trait::async_trait;

#[async_trait]
impl NativeExchangeStore for SqlStore {
    async fn create_native_nonce(
        &self,
        nonce_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO native_nonces (nonce_hash, created_at, expires_at) VALUES ($1, $2, $3)")
            .bind(nonce_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "native nonce".into()))?;
        Ok(())
    }

    async fn consume_native_nonce(&self, nonce_hash: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE native_nonces SET used_at = $2 WHERE nonce_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(nonce_hash)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "native nonce".into()))?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_subject_token(
        &self,
        issuer: &str,
        token_id: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO subject_token_replay (issuer, token_id, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (issuer, token_id) DO NOTHING",
        )
        .bind(issuer)
        .bind(token_id)
        .bind(expires_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "subject token".into()))?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_expired_native_exchange(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        let nonces = sqlx::query(
            "DELETE FROM native_nonces WHERE nonce_hash IN (\
             SELECT nonce_hash FROM native_nonces WHERE expires_at <= $1 LIMIT $2)",
        )
        .bind(cutoff)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "native nonces".into()))?;
        let tokens = sqlx::query(
            "DELETE FROM subject_token_replay WHERE (issuer, token_id) IN (\
             SELECT issuer, token_id FROM subject_token_replay WHERE expires_at <= $1 LIMIT $2)",
        )
        .bind(cutoff)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "subject tokens".into()))?;
        Ok(nonces.rows_affected() + tokens.rows_affected())
    }

    async fn provider_nonce_hashing(&self, provider: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT nonce_hashing FROM upstream_providers WHERE name = $1")
            .bind(provider)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "upstream provider".into()))?;
        match row {
            Some(row) => col(&row, "nonce_hashing"),
            None => Ok(None),
        }
    }

    async fn set_provider_nonce_hashing(
        &self,
        provider: &str,
        mode: Option<&str>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE upstream_providers SET nonce_hashing = $2 WHERE name = $1")
            .bind(provider)
            .bind(mode)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "upstream provider".into()))?;
        Ok(done.rows_affected() == 1)
    }
}

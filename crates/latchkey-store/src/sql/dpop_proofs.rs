//! [`DpopProofStore`] for [`SqlStore`]: the DPoP replay cache (RFC 9449 §11.1) in the database
//! every process shares, so a proof accepted by one process is refused by all the others.

use async_trait::async_trait;

use super::group_commit::RECORD_PROOF;
use super::SqlStore;
use crate::error::StoreError;
use crate::traits::DpopProofStore;

#[async_trait]
impl DpopProofStore for SqlStore {
    async fn record_dpop_proof(&self, replay_key: &str, expires_at: i64) -> Result<bool, StoreError> {
        // One per DPoP request: group-committed on SQLite files, like rotations.
        if let Some(queue) = &self.group_commit {
            return queue.record_proof(replay_key, expires_at).await.map_err(|e| self.note(e));
        }
        let row = sqlx::query(RECORD_PROOF)
            .bind(replay_key)
            .bind(expires_at)
            .fetch_optional(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "DPoP proof".into()))?;
        Ok(row.is_some())
    }

    async fn delete_expired_dpop_proofs(&self, now: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM dpop_proofs WHERE replay_key IN (\
             SELECT replay_key FROM dpop_proofs WHERE expires_at <= $1 LIMIT $2)",
        )
        .bind(now)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "DPoP proofs".into()))?;
        Ok(done.rows_affected())
    }
}

//! [`DpopProofStore`] for [`SqlStore`]: the DPoP replay cache (RFC 9449 §11.1) in the database
//! every process shares, so a proof accepted by one process is refused by all the others.

use async_trait::async_trait;

use super::SqlStore;
use crate::error::StoreError;
use crate::traits::DpopProofStore;

/// Records a batch of DPoP proofs' replay keys, each once, written once for both backends
/// (`$jobs` differs, as in `rotate_batch!`): one JSON text parameter, an array of `{replay_key,
/// expires_at}`, and one statement that returns the keys that were new; a key recorded before
/// (a replay) returns nothing. The queue puts each key in a batch once, so that which caller
/// gets `true` does not hang on how a database orders conflicts within a statement. (`WHERE
/// true` is SQLite's documented way to tell an `INSERT ... SELECT` from a join's `ON`.)
macro_rules! record_proofs {
    ($jobs:literal) => {
        concat!(
            "INSERT INTO dpop_proofs (replay_key, expires_at) SELECT j.replay_key, j.expires_at FROM ",
            $jobs,
            " WHERE true ON CONFLICT (replay_key) DO NOTHING RETURNING replay_key"
        )
    };
}

/// [`record_proofs!`] on SQLite.
pub(super) const RECORD_PROOFS_SQLITE: &str = record_proofs!(
    "(SELECT value ->> 'replay_key' AS replay_key, value ->> 'expires_at' AS expires_at FROM json_each($1)) AS j"
);

/// [`record_proofs!`] on PostgreSQL.
pub(super) const RECORD_PROOFS_POSTGRES: &str =
    record_proofs!("json_to_recordset($1::json) AS j(replay_key text, expires_at bigint)");

#[async_trait]
impl DpopProofStore for SqlStore {
    async fn record_dpop_proof(&self, replay_key: &str, expires_at: i64) -> Result<bool, StoreError> {
        // One per DPoP request: group-committed, like rotations.
        self.group_commit.record_proof(replay_key, expires_at).await.map_err(|e| self.note(e))
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

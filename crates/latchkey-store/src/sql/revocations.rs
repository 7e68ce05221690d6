//! [`RevocationStore`] for [`SqlStore`]. The feed is read from the places revocations live —
//! `sessions.revoked_at`, the sessions' deadlines, `revoked_access_tokens` and revoked
//! signing keys — so revoking stays a single statement and the feed can never disagree with
//! what is enforced.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::sessions::expires_at;
use super::{col, SqlStore};
use crate::error::StoreError;
use crate::model::{Revocation, RevocationKind};
use crate::traits::RevocationStore;

/// Sessions revoked since `$1`, sessions whose deadline passed between `$1` and `$3` (now)
/// unrevoked — the one liveness rule: a session is dead when revoked or expired — and
/// revoked access tokens. The `BETWEEN` pair lets each deadline's index find the few
/// sessions that expired in the window; the `CASE` then keeps the exact moment. Signing keys
/// revoked in an emergency come last: every token they signed.
const FEED: &str = concat!(
    "SELECT 'session' AS kind, id, revoked_at, CAST(NULL AS BIGINT) AS expires_at FROM sessions ",
    "WHERE revoked_at IS NOT NULL AND revoked_at >= $1 ",
    "UNION ALL ",
    "SELECT 'session' AS kind, id, ",
    expires_at!(),
    " AS revoked_at, CAST(NULL AS BIGINT) AS expires_at FROM sessions ",
    "WHERE revoked_at IS NULL ",
    "AND (idle_expires_at BETWEEN $1 AND $3 OR absolute_expires_at BETWEEN $1 AND $3) AND ",
    expires_at!(),
    " BETWEEN $1 AND $3 ",
    "UNION ALL ",
    "SELECT 'access_token' AS kind, jti AS id, revoked_at, expires_at FROM revoked_access_tokens ",
    "WHERE revoked_at >= $1 ",
    "UNION ALL ",
    "SELECT 'signing_key' AS kind, kid AS id, revoked_at, delete_at AS expires_at FROM signing_keys ",
    "WHERE revoked_at IS NOT NULL AND revoked_at >= $1 ",
    "ORDER BY revoked_at, id LIMIT $2"
);

fn revocation_from_row(row: &AnyRow) -> Result<Revocation, StoreError> {
    let kind: String = col(row, "kind")?;
    Ok(Revocation {
        kind: match kind.as_str() {
            "session" => RevocationKind::Session,
            "signing_key" => RevocationKind::SigningKey,
            _ => RevocationKind::AccessToken,
        },
        id: col(row, "id")?,
        revoked_at: col(row, "revoked_at")?,
        expires_at: col(row, "expires_at")?,
    })
}

#[async_trait]
impl RevocationStore for SqlStore {
    async fn revoke_access_token(
        &self,
        jti: &str,
        session_id: Option<&str>,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO revoked_access_tokens (jti, session_id, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(session_id)
        .bind(expires_at)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("revoked access token {jti}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS one FROM revoked_access_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "revoked access tokens".into()))?;
        Ok(row.is_some())
    }

    async fn revocations_since(
        &self,
        since: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Revocation>, StoreError> {
        sqlx::query(FEED)
            .bind(since)
            .bind(limit.max(0))
            .bind(now)
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "revocation feed".into()))?
            .iter()
            .map(revocation_from_row)
            .collect()
    }

    async fn delete_expired_token_revocations(&self, now: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM revoked_access_tokens WHERE jti IN \
             (SELECT jti FROM revoked_access_tokens WHERE expires_at < $1 LIMIT $2)",
        )
        .bind(now)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "revoked access tokens".into()))?;
        Ok(done.rows_affected())
    }
}

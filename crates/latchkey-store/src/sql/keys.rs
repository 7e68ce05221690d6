//! [`KeyStore`] for [`SqlStore`]: signing keys and their rotation. Each transition is a
//! compare-and-swap on `state` (docs/architecture.md, "Signing-key rotation"); the partial
//! unique indexes of migration 0015 allow one active and one pending key per purpose and
//! algorithm, so racing processes cannot create two.

use async_trait::async_trait;
use latchkey_core::key_rotation::KeyState;
use sqlx::any::AnyRow;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::model::SigningKeyRecord;
use crate::traits::KeyStore;

pub(super) const COLUMNS: &str = "kid, alg, purpose, state, sealed_private_key, public_jwk, created_at, \
                       activate_at, retire_at, delete_at, revoked_at";

pub(super) fn key_from_row(row: &AnyRow) -> Result<SigningKeyRecord, StoreError> {
    let purpose: String = col(row, "purpose")?;
    let state: String = col(row, "state")?;
    Ok(SigningKeyRecord {
        kid: col(row, "kid")?,
        alg: col(row, "alg")?,
        purpose: purpose.parse().map_err(|e| StoreError::corrupt("signing key", e))?,
        state: parse_state(&state)?,
        sealed_private_key: col(row, "sealed_private_key")?,
        public_jwk: col(row, "public_jwk")?,
        created_at: col(row, "created_at")?,
        activate_at: col(row, "activate_at")?,
        retire_at: col(row, "retire_at")?,
        delete_at: col(row, "delete_at")?,
        revoked_at: col(row, "revoked_at")?,
    })
}

fn parse_state(state: &str) -> Result<KeyState, StoreError> {
    state.parse().map_err(|e| StoreError::corrupt("signing key", e))
}

impl SqlStore {
    /// `UPDATE signing_keys SET <set> WHERE kid = $1 AND <condition>`; whether a row changed.
    async fn swap_key_state(
        &self,
        kid: &str,
        set_and_condition: &str,
        dates: &[i64],
    ) -> Result<bool, StoreError> {
        let sql = format!("UPDATE signing_keys SET {set_and_condition}");
        let mut query = sqlx::query(&sql).bind(kid);
        for date in dates {
            query = query.bind(*date);
        }
        let done =
            query.execute(&self.writer).await.map_err(|e| self.fail(e, || format!("signing key {kid}")))?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait]
impl KeyStore for SqlStore {
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(&format!(
            "INSERT INTO signing_keys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT DO NOTHING"
        ))
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(key.purpose.as_str())
        .bind(key.state.as_str())
        .bind(&key.sealed_private_key)
        .bind(&key.public_jwk)
        .bind(key.created_at)
        .bind(key.activate_at)
        .bind(key.retire_at)
        .bind(key.delete_at)
        .bind(key.revoked_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("signing key {}", key.kid)))?;
        Ok(done.rows_affected() == 1)
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM signing_keys ORDER BY created_at DESC, kid DESC"))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "signing keys".into()))?
            .iter()
            .map(key_from_row)
            .collect()
    }

    async fn signing_key_state(&self, kid: &str) -> Result<Option<KeyState>, StoreError> {
        let row = sqlx::query("SELECT state FROM signing_keys WHERE kid = $1")
            .bind(kid)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || format!("signing key {kid}")))?;
        row.map(|row| parse_state(&col::<String>(&row, "state")?)).transpose()
    }

    async fn activate_signing_key(
        &self,
        kid: &str,
        replaces: Option<&str>,
        now: i64,
        retire_at: i64,
        delete_at: i64,
    ) -> Result<bool, StoreError> {
        let fail = |e| self.fail(e, || format!("signing key {kid}"));
        let mut tx = self.begin_write().await?;
        // The old signer steps down first: the unique index allows one active key.
        if let Some(old) = replaces {
            let done = sqlx::query(
                "UPDATE signing_keys SET state = 'retiring', retire_at = $2, delete_at = $3 \
                 WHERE kid = $1 AND state = 'active'",
            )
            .bind(old)
            .bind(retire_at)
            .bind(delete_at)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
        }
        let done = sqlx::query(
            "UPDATE signing_keys SET state = 'active', activate_at = $2 WHERE kid = $1 AND state = 'pending'",
        )
        .bind(kid)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match done {
            Ok(done) if done.rows_affected() == 1 => {
                tx.commit().await.map_err(fail)?;
                Ok(true)
            }
            Ok(_) => Ok(false),
            // Another process activated a key of this series in the meantime.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(fail(e)),
        }
    }

    async fn stop_signing_key(&self, kid: &str, retire_at: i64, delete_at: i64) -> Result<bool, StoreError> {
        self.swap_key_state(
            kid,
            "state = 'retiring', retire_at = $2, delete_at = $3 WHERE kid = $1 AND state = 'active'",
            &[retire_at, delete_at],
        )
        .await
    }

    async fn retire_signing_key(&self, kid: &str) -> Result<bool, StoreError> {
        self.swap_key_state(kid, "state = 'retired' WHERE kid = $1 AND state = 'retiring'", &[]).await
    }

    async fn delete_signing_key(&self, kid: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM signing_keys WHERE kid = $1 AND state IN ('retired', 'revoked') AND delete_at <= $2",
        )
        .bind(kid)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("signing key {kid}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_signing_key(
        &self,
        kid: &str,
        now: i64,
        delete_at: i64,
    ) -> Result<Option<KeyState>, StoreError> {
        let Some(before) = self.signing_key_state(kid).await? else { return Ok(None) };
        if before == KeyState::Revoked {
            return Ok(None);
        }
        let swapped = self
            .swap_key_state(
                kid,
                &format!(
                    "state = 'revoked', revoked_at = $2, delete_at = $3 WHERE kid = $1 AND state = '{}'",
                    before.as_str()
                ),
                &[now, delete_at],
            )
            .await?;
        // Lost a race with another transition: decide again on the state it has now.
        if swapped {
            Ok(Some(before))
        } else {
            Box::pin(self.revoke_signing_key(kid, now, delete_at)).await
        }
    }
}

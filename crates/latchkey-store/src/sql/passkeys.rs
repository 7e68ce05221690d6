//! [`PasskeyStore`] for [`SqlStore`]: `passkeys` and `webauthn_ceremonies` (migration
//! `0034_passkeys.sql`). Every write is one statement.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::passkeys::{Ceremony, CeremonyPurpose, PasskeyRecord, PasskeyStore};

const PASSKEY_COLUMNS: &str = "credential_id, user_id, name, credential, created_at, last_used_at";

fn passkey_from_row(row: &AnyRow) -> Result<PasskeyRecord, StoreError> {
    Ok(PasskeyRecord {
        credential_id: col(row, "credential_id")?,
        user_id: col(row, "user_id")?,
        name: col(row, "name")?,
        credential: col(row, "credential")?,
        created_at: col(row, "created_at")?,
        last_used_at: col(row, "last_used_at")?,
    })
}

#[async_trait]
impl PasskeyStore for SqlStore {
    async fn add_passkey(&self, passkey: &PasskeyRecord) -> Result<(), StoreError> {
        sqlx::query(&format!("INSERT INTO passkeys ({PASSKEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"))
            .bind(&passkey.credential_id)
            .bind(&passkey.user_id)
            .bind(&passkey.name)
            .bind(&passkey.credential)
            .bind(passkey.created_at)
            .bind(passkey.last_used_at)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "passkey".into()))?;
        Ok(())
    }

    async fn passkeys_of_user(&self, user_id: &str) -> Result<Vec<PasskeyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, credential_id"
        ))
        .bind(user_id)
        .fetch_all(&self.reader)
        .await
        .map_err(|e| self.fail(e, || "passkeys".into()))?;
        rows.iter().map(passkey_from_row).collect()
    }

    async fn passkey(&self, credential_id: &str) -> Result<Option<PasskeyRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1"))
            .bind(credential_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "passkey".into()))?;
        row.as_ref().map(passkey_from_row).transpose()
    }

    async fn record_passkey_use(
        &self,
        credential_id: &str,
        old_credential: &str,
        new_credential: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE passkeys SET credential = $3, last_used_at = $4 \
             WHERE credential_id = $1 AND credential = $2",
        )
        .bind(credential_id)
        .bind(old_credential)
        .bind(new_credential)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "passkey".into()))?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_passkey(&self, user_id: &str, credential_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2")
            .bind(user_id)
            .bind(credential_id)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "passkey".into()))?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_webauthn_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (handle_hash, purpose, user_id, state, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&ceremony.handle_hash)
        .bind(ceremony.purpose.as_str())
        .bind(&ceremony.user_id)
        .bind(&ceremony.state)
        .bind(ceremony.expires_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "webauthn ceremony".into()))?;
        Ok(())
    }

    async fn take_webauthn_ceremony(
        &self,
        handle_hash: &str,
        purpose: CeremonyPurpose,
        now: i64,
    ) -> Result<Option<Ceremony>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE handle_hash = $1 AND purpose = $2 AND expires_at > $3 \
             RETURNING user_id, state, expires_at",
        )
        .bind(handle_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "webauthn ceremony".into()))?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Ceremony {
            handle_hash: handle_hash.to_owned(),
            purpose,
            user_id: col(&row, "user_id")?,
            state: col(&row, "state")?,
            expires_at: col(&row, "expires_at")?,
        }))
    }

    async fn delete_expired_webauthn_ceremonies(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE handle_hash IN (\
             SELECT handle_hash FROM webauthn_ceremonies WHERE expires_at <= $1 LIMIT $2)",
        )
        .bind(cutoff)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "webauthn ceremonies".into()))?;
        Ok(done.rows_affected())
    }
}

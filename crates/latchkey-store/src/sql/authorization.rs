//! [`AuthorizationStore`] for [`SqlStore`]: authorization codes (redeemed by one
//! compare-and-swap statement), browser sessions and remembered consents.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::{col, flag, SqlStore};
use crate::error::StoreError;
use crate::model::{AuthorizationCode, BrowserSession, NewAuthorizationCode};
use crate::traits::AuthorizationStore;

macro_rules! code_columns {
    () => {
        "hash, client_id, user_id, redirect_uri, redirect_uri_given, scope, nonce, code_challenge, \
         auth_time, browser_session_id, created_at, expires_at, used_at, session_id"
    };
}

macro_rules! browser_session_columns {
    () => {
        "id, user_id, auth_time, created_at, expires_at, ended_at"
    };
}

fn code_from_row(row: &AnyRow) -> Result<AuthorizationCode, StoreError> {
    Ok(AuthorizationCode {
        code: NewAuthorizationCode {
            hash: col(row, "hash")?,
            client_id: col(row, "client_id")?,
            user_id: col(row, "user_id")?,
            redirect_uri: col(row, "redirect_uri")?,
            redirect_uri_given: col::<i64>(row, "redirect_uri_given")? != 0,
            scope: col(row, "scope")?,
            nonce: col(row, "nonce")?,
            code_challenge: col(row, "code_challenge")?,
            auth_time: col(row, "auth_time")?,
            browser_session_id: col(row, "browser_session_id")?,
            created_at: col(row, "created_at")?,
            expires_at: col(row, "expires_at")?,
        },
        used_at: col(row, "used_at")?,
        session_id: col(row, "session_id")?,
    })
}

fn browser_session_from_row(row: &AnyRow) -> Result<BrowserSession, StoreError> {
    Ok(BrowserSession {
        id: col(row, "id")?,
        user_id: col(row, "user_id")?,
        auth_time: col(row, "auth_time")?,
        created_at: col(row, "created_at")?,
        expires_at: col(row, "expires_at")?,
        ended_at: col(row, "ended_at")?,
    })
}

#[async_trait]
impl AuthorizationStore for SqlStore {
    async fn create_authorization_code(&self, c: &NewAuthorizationCode) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO authorization_codes (",
            code_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL)"
        ))
        .bind(&c.hash)
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(&c.redirect_uri)
        .bind(flag(c.redirect_uri_given))
        .bind(&c.scope)
        .bind(&c.nonce)
        .bind(&c.code_challenge)
        .bind(c.auth_time)
        .bind(&c.browser_session_id)
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "authorization code".into()))?;
        Ok(())
    }

    async fn redeem_authorization_code(
        &self,
        hash: &str,
        client_id: &str,
        now: i64,
        session_id: &str,
    ) -> Result<Option<AuthorizationCode>, StoreError> {
        sqlx::query(concat!(
            "UPDATE authorization_codes SET used_at = $3, session_id = $4 ",
            "WHERE hash = $1 AND client_id = $2 AND used_at IS NULL AND expires_at > $3 ",
            "RETURNING ",
            code_columns!()
        ))
        .bind(hash)
        .bind(client_id)
        .bind(now)
        .bind(session_id)
        .fetch_optional(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "authorization code".into()))?
        .as_ref()
        .map(code_from_row)
        .transpose()
    }

    async fn authorization_code(&self, hash: &str) -> Result<Option<AuthorizationCode>, StoreError> {
        // From the writer: a replay right after a redemption must see it.
        sqlx::query(concat!("SELECT ", code_columns!(), " FROM authorization_codes WHERE hash = $1"))
            .bind(hash)
            .fetch_optional(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "authorization code".into()))?
            .as_ref()
            .map(code_from_row)
            .transpose()
    }

    async fn delete_expired_authorization_codes(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM authorization_codes WHERE hash IN (\
             SELECT hash FROM authorization_codes WHERE expires_at <= $1 LIMIT $2)",
        )
        .bind(cutoff)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "authorization codes".into()))?;
        Ok(done.rows_affected())
    }

    async fn create_browser_session(&self, s: &BrowserSession, secret_hash: &str) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO browser_sessions (",
            browser_session_columns!(),
            ", secret_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(s.auth_time)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.ended_at)
        .bind(secret_hash)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "browser session".into()))?;
        Ok(())
    }

    async fn browser_session_by_secret(
        &self,
        secret_hash: &str,
        now: i64,
    ) -> Result<Option<BrowserSession>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            browser_session_columns!(),
            " FROM browser_sessions WHERE secret_hash = $1 AND ended_at IS NULL AND expires_at > $2"
        ))
        .bind(secret_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.fail(e, || "browser session".into()))?
        .as_ref()
        .map(browser_session_from_row)
        .transpose()
    }

    async fn browser_session(&self, id: &str) -> Result<Option<BrowserSession>, StoreError> {
        sqlx::query(concat!("SELECT ", browser_session_columns!(), " FROM browser_sessions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "browser session".into()))?
            .as_ref()
            .map(browser_session_from_row)
            .transpose()
    }

    async fn end_browser_session(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE browser_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&self.writer)
                .await
                .map_err(|e| self.fail(e, || "browser session".into()))?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_browser_session_sessions(
        &self,
        browser_session_id: &str,
        now: i64,
        reason: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 \
             WHERE browser_session_id = $1 AND revoked_at IS NULL",
        )
        .bind(browser_session_id)
        .bind(now)
        .bind(reason)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "sessions".into()))?;
        Ok(done.rows_affected())
    }

    async fn grant_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, client_id, scope) DO NOTHING",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(scope)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "consent".into()))?;
        Ok(())
    }

    async fn has_consent(&self, user_id: &str, client_id: &str, scope: &str) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT 1 AS one FROM consents WHERE user_id = $1 AND client_id = $2 AND scope = $3")
                .bind(user_id)
                .bind(client_id)
                .bind(scope)
                .fetch_optional(&self.reader)
                .await
                .map_err(|e| self.fail(e, || "consent".into()))?;
        Ok(row.is_some())
    }
}

//! [`AuthorizationCodeStore`] for [`SqlStore`]: codes redeemed by one compare-and-swap
//! statement.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::{col, flag, method_from_row, to_json, SqlStore};
use crate::error::StoreError;
use crate::model::{AuthorizationCode, NewAuthorizationCode};
use crate::traits::AuthorizationCodeStore;

macro_rules! code_columns {
    () => {
        "hash, client_id, user_id, redirect_uri, redirect_uri_given, scope, nonce, code_challenge, \
         auth_time, browser_session_id, created_at, expires_at, used_at, session_id, dpop_jkt, amr, idp"
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
            dpop_jkt: col(row, "dpop_jkt")?,
            method: method_from_row(row)?,
        },
        used_at: col(row, "used_at")?,
        session_id: col(row, "session_id")?,
    })
}

#[async_trait]
impl AuthorizationCodeStore for SqlStore {
    async fn create_authorization_code(&self, c: &NewAuthorizationCode) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO authorization_codes (",
            code_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, $13, $14, $15)"
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
        .bind(&c.dpop_jkt)
        .bind(to_json(&c.method.amr))
        .bind(&c.method.idp)
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
}

//! [`AccountTokenStore`] for [`SqlStore`]: single-use links (docs/architecture.md, "Account
//! recovery"). Redeeming one is a compare-and-swap shared with the unit of work
//! ([`consume`]), so the link is used in the same commit as the password it changes.

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, SqlStore};
use crate::account_traits::{AccountToken, AccountTokenStore, EmailChange};
use crate::error::StoreError;
use crate::model::User;

const COLUMNS: &str = "user_id, purpose, token_hash, email, password_mark, created_at, expires_at";

pub(super) fn token_from_row(row: &AnyRow) -> Result<AccountToken, StoreError> {
    Ok(AccountToken {
        user_id: col(row, "user_id")?,
        purpose: col(row, "purpose")?,
        token_hash: col(row, "token_hash")?,
        email: col(row, "email")?,
        password_mark: col(row, "password_mark")?,
        created_at: col(row, "created_at")?,
        expires_at: col(row, "expires_at")?,
    })
}

/// The single-use compare-and-swap: marks the live link used and returns it.
pub(super) fn consume<'q>(
    token_hash: &'q str,
    purpose: &'q str,
    now: i64,
) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(
        "UPDATE account_tokens SET used_at = $3 \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
         RETURNING user_id, purpose, token_hash, email, password_mark, created_at, expires_at",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(now)
}

impl SqlStore {
    /// [`consume`] in the transaction `tx`: the used link, or `None` when it was not live.
    async fn consume_in(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<AccountToken>, StoreError> {
        consume(token_hash, purpose, now)
            .fetch_optional(&mut **tx)
            .await
            .map_err(|e| self.fail(e, || "account link".into()))?
            .as_ref()
            .map(token_from_row)
            .transpose()
    }
}

#[async_trait]
impl AccountTokenStore for SqlStore {
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        // The oldest account with that address, by the same lookup federation uses.
        Ok(super::users::with_email(self, email).await?.into_iter().next())
    }

    async fn issue_account_token(&self, t: &AccountToken) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO account_tokens \
             (user_id, purpose, token_hash, email, password_mark, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) \
             ON CONFLICT (user_id, purpose) DO UPDATE SET token_hash = excluded.token_hash, \
             email = excluded.email, password_mark = excluded.password_mark, \
             created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL",
        )
        .bind(&t.user_id)
        .bind(&t.purpose)
        .bind(&t.token_hash)
        .bind(&t.email)
        .bind(&t.password_mark)
        .bind(t.created_at)
        .bind(t.expires_at)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "account link".into()))?;
        Ok(())
    }

    async fn verify_email(&self, token_hash: &str, now: i64) -> Result<Option<AccountToken>, StoreError> {
        let mut tx = self.begin_write().await?;
        let link = self.consume_in(&mut tx, token_hash, "email_verification", now).await?;
        if let Some(link) = &link {
            sqlx::query(
                "UPDATE users SET email_verified = 1, verification_required = 0, updated_at = $3 \
                 WHERE id = $1 AND lower(email) = lower($2)",
            )
            .bind(&link.user_id)
            .bind(&link.email)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.fail(e, || "user".into()))?;
        }
        tx.commit().await.map_err(|e| self.fail(e, || "database".into()))?;
        Ok(link)
    }

    async fn change_email(&self, token_hash: &str, now: i64) -> Result<Option<EmailChange>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(link) = self.consume_in(&mut tx, token_hash, "email_change", now).await? else {
            return Ok(None);
        };
        let previous_email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(&link.user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.fail(e, || "user".into()))?
            .flatten();
        let done = sqlx::query(
            "UPDATE users SET email = $2, email_verified = 1, verification_required = 0, updated_at = $3, \
             version = version + 1 WHERE id = $1 AND NOT EXISTS \
             (SELECT 1 FROM users other WHERE lower(other.email) = lower($2) AND other.id <> $1)",
        )
        .bind(&link.user_id)
        .bind(&link.email)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.fail(e, || "user".into()))?;
        tx.commit().await.map_err(|e| self.fail(e, || "database".into()))?;
        Ok(Some(EmailChange { link, previous_email, changed: done.rows_affected() > 0 }))
    }

    async fn live_account_token(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<AccountToken>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM account_tokens \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        ))
        .bind(token_hash)
        .bind(purpose)
        .bind(now)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.fail(e, || "account link".into()))?
        .as_ref()
        .map(token_from_row)
        .transpose()
    }
}

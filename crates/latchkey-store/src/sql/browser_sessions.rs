//! [`BrowserSessionStore`] for [`SqlStore`]: the single-sign-on sessions of the hosted pages.

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, method_from_row, to_json, SqlStore};
use crate::error::StoreError;
use crate::model::{BrowserSession, SignInMethod};
use crate::traits::BrowserSessionStore;

macro_rules! browser_session_columns {
    () => {
        "id, user_id, auth_time, created_at, expires_at, ended_at, amr, idp"
    };
}

fn browser_session_from_row(row: &AnyRow) -> Result<BrowserSession, StoreError> {
    Ok(BrowserSession {
        id: col(row, "id")?,
        user_id: col(row, "user_id")?,
        auth_time: col(row, "auth_time")?,
        created_at: col(row, "created_at")?,
        expires_at: col(row, "expires_at")?,
        ended_at: col(row, "ended_at")?,
        method: method_from_row(row)?,
    })
}

/// Ends a browser session unless it already ended (shared with the unit of work).
pub(super) fn end(id: &str, now: i64) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query("UPDATE browser_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
        .bind(id)
        .bind(now)
}

/// Ends every live browser session of a user (a password reset signs them out everywhere).
pub(super) fn end_of_user(user_id: &str, now: i64) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query("UPDATE browser_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL")
        .bind(user_id)
        .bind(now)
}

#[async_trait]
impl BrowserSessionStore for SqlStore {
    async fn create_browser_session(&self, s: &BrowserSession, secret_hash: &str) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO browser_sessions (",
            browser_session_columns!(),
            ", secret_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(s.auth_time)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.ended_at)
        .bind(to_json(&s.method.amr))
        .bind(&s.method.idp)
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
        let done = end(id, now)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "browser session".into()))?;
        Ok(done.rows_affected() > 0)
    }

    async fn step_up_browser_session(
        &self,
        id: &str,
        method: &SignInMethod,
        auth_time: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE browser_sessions SET amr = $2, idp = $3, auth_time = $4 \
             WHERE id = $1 AND ended_at IS NULL AND expires_at > $4",
        )
        .bind(id)
        .bind(to_json(&method.amr))
        .bind(&method.idp)
        .bind(auth_time)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "browser session".into()))?;
        Ok(done.rows_affected() > 0)
    }
}

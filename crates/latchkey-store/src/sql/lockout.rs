//! [`LockoutStore`] for [`SqlStore`]: the opt-in permanent lockout's consecutive failures per
//! user, one atomic statement per failure so that every process adds to the same count.

use async_trait::async_trait;
use sqlx::any::AnyRow;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::model::AccountLockout;
use crate::traits::LockoutStore;

fn lockout_from_row(row: &AnyRow) -> Result<AccountLockout, StoreError> {
    Ok(AccountLockout { failures: col(row, "failures")?, locked_at: col(row, "locked_at")? })
}

#[async_trait]
impl LockoutStore for SqlStore {
    async fn record_lockout_failure(
        &self,
        user_id: &str,
        now: i64,
        lock_after: i64,
    ) -> Result<AccountLockout, StoreError> {
        // $1 = user, $2 = now, $3 = the failure that locks. The count and the lock change in
        // one statement, so racing failures from several processes are each counted once.
        let row = sqlx::query(
            "INSERT INTO account_lockout (user_id, failures, locked_at) \
             VALUES ($1, 1, CASE WHEN $3 <= 1 THEN $2 ELSE NULL END) \
             ON CONFLICT (user_id) DO UPDATE SET failures = account_lockout.failures + 1, \
             locked_at = COALESCE(account_lockout.locked_at, \
                 CASE WHEN account_lockout.failures + 1 >= $3 THEN $2 ELSE NULL END) \
             RETURNING failures, locked_at",
        )
        .bind(user_id)
        .bind(now)
        .bind(lock_after)
        .fetch_one(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("lockout of user {user_id}")))?;
        lockout_from_row(&row)
    }

    async fn account_lockout(&self, user_id: &str) -> Result<Option<AccountLockout>, StoreError> {
        sqlx::query("SELECT failures, locked_at FROM account_lockout WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || format!("lockout of user {user_id}")))?
            .as_ref()
            .map(lockout_from_row)
            .transpose()
    }

    async fn clear_lockout_failures(&self, user_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM account_lockout WHERE user_id = $1 AND locked_at IS NULL")
            .bind(user_id)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("lockout of user {user_id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn unlock_account(&self, user_id: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("DELETE FROM account_lockout WHERE user_id = $1 RETURNING locked_at")
            .bind(user_id)
            .fetch_optional(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("lockout of user {user_id}")))?;
        Ok(row.as_ref().map(|row| col::<Option<i64>>(row, "locked_at")).transpose()?.flatten())
    }
}

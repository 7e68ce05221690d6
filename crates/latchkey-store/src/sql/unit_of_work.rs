//! [`Transactional`] for [`SqlStore`]: a unit of work is one transaction on the writer, whose
//! statements are the store's own (the query builders of `sessions`, `users`,
//! `browser_sessions` and `audit`), so each write is written once.

use async_trait::async_trait;
use sqlx::{Any, AnyPool, Transaction};

use super::{account_tokens, audit, browser_sessions, federation, sessions, users, SqlStore};
use crate::account_traits::AccountToken;
use crate::error::{Backend, StoreError};
use crate::federation::FederatedIdentity;
use crate::model::{AuditEvent, NewUser, UserProfile};
use crate::unit_of_work::{Transactional, UnitOfWork};

/// An open transaction; dropping it rolls back.
struct SqlUnitOfWork {
    tx: Transaction<'static, Any>,
    /// For error mapping and outage bookkeeping.
    store: SqlStore,
}

/// A write transaction; on SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so it
/// never fails half-way on a lock upgrade.
pub(super) async fn begin_write(
    writer: &AnyPool,
    backend: Backend,
) -> Result<Transaction<'static, Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => writer.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => writer.begin().await,
    }
}

impl SqlStore {
    /// [`begin_write`] on this store's writer.
    pub(super) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        begin_write(&self.writer, self.backend).await.map_err(|e| self.fail(e, || "database".into()))
    }
}

#[async_trait]
impl Transactional for SqlStore {
    async fn begin(&self) -> Result<Box<dyn UnitOfWork>, StoreError> {
        let tx = self.begin_write().await?;
        Ok(Box::new(SqlUnitOfWork { tx, store: self.clone() }))
    }
}

#[async_trait]
impl UnitOfWork for SqlUnitOfWork {
    async fn create_user(&mut self, user: &NewUser, now: i64) -> Result<(), StoreError> {
        users::insert(user, now)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("user {}", user.username)))?;
        Ok(())
    }

    async fn set_user_profile(
        &mut self,
        user_id: &str,
        email: Option<&str>,
        email_verified: bool,
        profile: &UserProfile,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = users::set_profile(user_id, email, email_verified, profile, now)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("user {user_id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn link_federated_identity(&mut self, identity: &FederatedIdentity) -> Result<(), StoreError> {
        federation::insert_identity(identity)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("identity at {}", identity.provider)))?;
        Ok(())
    }

    async fn set_password_hash(&mut self, user_id: &str, hash: &str, now: i64) -> Result<bool, StoreError> {
        let done = users::set_password(user_id, hash, now)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("user {user_id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_user(&mut self, id: &str) -> Result<bool, StoreError> {
        let done = users::delete(id)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("user {id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_user_disabled(
        &mut self,
        user_id: &str,
        disabled: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = users::set_disabled(user_id, disabled, now)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("user {user_id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_session(&mut self, id: &str, now: i64, reason: &str) -> Result<bool, StoreError> {
        let done = sessions::revoke(id, now, reason)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("session {id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_user_sessions(
        &mut self,
        user_id: &str,
        now: i64,
        reason: &str,
        except_session: Option<&str>,
    ) -> Result<u64, StoreError> {
        let done = sessions::revoke_of_user(user_id, now, reason, except_session)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || format!("sessions of user {user_id}")))?;
        Ok(done.rows_affected())
    }

    async fn revoke_browser_session_sessions(
        &mut self,
        browser_session_id: &str,
        now: i64,
        reason: &str,
    ) -> Result<u64, StoreError> {
        let done = sessions::revoke_of_browser_session(browser_session_id, now, reason)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || "sessions".into()))?;
        Ok(done.rows_affected())
    }

    async fn end_browser_session(&mut self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done = browser_sessions::end(id, now)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || "browser session".into()))?;
        Ok(done.rows_affected() > 0)
    }

    async fn end_user_browser_sessions(&mut self, user_id: &str, now: i64) -> Result<u64, StoreError> {
        let done = browser_sessions::end_of_user(user_id, now)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || "browser sessions".into()))?;
        Ok(done.rows_affected())
    }

    async fn consume_account_token(
        &mut self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<AccountToken>, StoreError> {
        account_tokens::consume(token_hash, purpose, now)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || "account link".into()))?
            .as_ref()
            .map(account_tokens::token_from_row)
            .transpose()
    }

    async fn record_audit_event(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        audit::insert_audit_event(event)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.store.fail(e, || "audit event".into()))?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let SqlUnitOfWork { tx, store } = *self;
        tx.commit().await.map_err(|e| store.fail(e, || "database".into()))
    }
}

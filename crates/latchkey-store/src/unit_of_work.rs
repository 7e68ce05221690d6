//! Writes that belong together commit together: a unit of work over one database
//! transaction (what fosite's `storage.Transactional` gives).
//!
//! A password change must end the other sessions in the same commit: if the second statement
//! failed after the first had committed, the new password would stand while whoever knew the
//! old one stayed signed in. The same holds for disabling a user, for a logout that ends the
//! sessions its browser session started, and for a replayed code or refresh token that ends
//! the session its first use started and records why.
//!
//! Only writes are offered: a unit of work holds the writer (on SQLite the only one) until it
//! commits, so it must not wait for anything else meanwhile — hash passwords, read, and call
//! other services before [`Transactional::begin`]. Dropping a unit of work without
//! [`UnitOfWork::commit`] rolls every write back. Single-statement operations (the rotation
//! and code-redemption compare-and-swaps) need no unit of work and stay on the store.

use async_trait::async_trait;

use crate::account_traits::AccountToken;
use crate::error::StoreError;
use crate::federation::FederatedIdentity;
use crate::model::{AuditEvent, NewUser, UserProfile};

/// Starts units of work.
#[async_trait]
pub trait Transactional: Send + Sync {
    /// Begins a transaction (on SQLite `BEGIN IMMEDIATE`, so it waits for the write lock up
    /// front instead of failing with `SQLITE_BUSY` halfway).
    async fn begin(&self) -> Result<Box<dyn UnitOfWork>, StoreError>;
}

/// The writes of one transaction. Each method is the store method of the same name, with the
/// same SQL; none is visible to others until [`UnitOfWork::commit`].
#[async_trait]
pub trait UnitOfWork: Send {
    /// See [`crate::UserStore::create_user`]: [`StoreError::Conflict`] when the username or
    /// id is taken.
    async fn create_user(&mut self, user: &NewUser, now: i64) -> Result<(), StoreError>;
    /// Replaces a user's e-mail address and profile (a federated login's update).
    async fn set_user_profile(
        &mut self,
        user_id: &str,
        email: Option<&str>,
        email_verified: bool,
        profile: &UserProfile,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Links an upstream identity to a user: [`StoreError::Conflict`] when that identity is
    /// already linked (to anyone), which is how two concurrent first logins make one user.
    async fn link_federated_identity(&mut self, identity: &FederatedIdentity) -> Result<(), StoreError>;
    /// See [`crate::UserStore::set_password_hash`].
    async fn set_password_hash(&mut self, user_id: &str, hash: &str, now: i64) -> Result<bool, StoreError>;
    /// See [`crate::UserStore::set_user_disabled`].
    async fn set_user_disabled(
        &mut self,
        user_id: &str,
        disabled: bool,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// See [`crate::SessionStore::revoke_session`].
    async fn revoke_session(&mut self, id: &str, now: i64, reason: &str) -> Result<bool, StoreError>;
    /// See [`crate::SessionStore::revoke_user_sessions`].
    async fn revoke_user_sessions(
        &mut self,
        user_id: &str,
        now: i64,
        reason: &str,
        except_session: Option<&str>,
    ) -> Result<u64, StoreError>;
    /// See [`crate::SessionStore::revoke_browser_session_sessions`].
    async fn revoke_browser_session_sessions(
        &mut self,
        browser_session_id: &str,
        now: i64,
        reason: &str,
    ) -> Result<u64, StoreError>;
    /// See [`crate::BrowserSessionStore::end_browser_session`].
    async fn end_browser_session(&mut self, id: &str, now: i64) -> Result<bool, StoreError>;
    /// Ends every browser (single-sign-on) session of the user; returns how many.
    async fn end_user_browser_sessions(&mut self, user_id: &str, now: i64) -> Result<u64, StoreError>;
    /// Uses a single-use link: where `token_hash` and `purpose` match, the link is unused and
    /// `expires_at > now`, marks it used and returns it (a compare-and-swap: of N concurrent
    /// callers one gets it). See [`crate::AccountTokenStore`].
    async fn consume_account_token(
        &mut self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<AccountToken>, StoreError>;
    /// See [`crate::UserStore::delete_user`].
    async fn delete_user(&mut self, id: &str) -> Result<bool, StoreError>;
    /// See [`crate::AuditStore::record_audit_event`].
    async fn record_audit_event(&mut self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Makes every write of this unit visible at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

//! Narrow storage capabilities, combined into [`Store`], the one object the server holds
//! (`Arc<dyn Store>`). All are object safe.

use async_trait::async_trait;

use crate::error::{Backend, StoreError};
use crate::federation::FederationStore;
use crate::linked_identities::LinkedIdentityStore;
use crate::model::{
    AuditEvent, AuthorizationCode, BrowserSession, Client, NewAuthorizationCode, NewClient, NewSession,
    NewUser, Revocation, Session, SessionWithUser, SigningKeyRecord, ThrottleCount, User,
};
use crate::native_exchange::NativeExchangeStore;
use crate::unit_of_work::Transactional;

#[async_trait]
pub trait UserStore: Send + Sync {
    /// [`StoreError::Conflict`] when the username (or id) is taken.
    async fn create_user(&self, user: &NewUser, now: i64) -> Result<User, StoreError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// Ordered by username.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// False when there is no such user.
    async fn set_password_hash(&self, user_id: &str, hash: &str, now: i64) -> Result<bool, StoreError>;
    /// Compare-and-swap used to upgrade a legacy hash at login: only replaces when the stored
    /// hash is still `old_hash`, so it cannot undo a password change that raced with the login.
    async fn replace_password_hash(
        &self,
        user_id: &str,
        old_hash: &str,
        new_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// False when there is no such user.
    async fn set_user_disabled(&self, user_id: &str, disabled: bool, now: i64) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// [`StoreError::Conflict`] when the id is taken.
    async fn create_client(&self, client: &NewClient, now: i64) -> Result<Client, StoreError>;
    async fn client_by_id(&self, id: &str) -> Result<Option<Client>, StoreError>;
    /// Ordered by id.
    async fn list_clients(&self) -> Result<Vec<Client>, StoreError>;
    /// Deletes the client and (by `ON DELETE CASCADE`) its sessions; false when absent.
    async fn remove_client(&self, id: &str) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Generation starts at 0 and `last_used_at` = `created_at`.
    async fn create_session(&self, session: &NewSession) -> Result<Session, StoreError>;
    /// The session whatever its state (revoked and expired ones too: the caller needs them to
    /// tell reuse from expiry), with its user.
    async fn session(&self, id: &str) -> Result<Option<SessionWithUser>, StoreError>;
    /// The rotation compare-and-swap (`docs/architecture.md`, "Refresh tokens"), in ONE
    /// statement: where `id` matches, `generation = expected_generation`, `revoked_at IS NULL`,
    /// `idle_expires_at > now` and `absolute_expires_at > now`, set `generation += 1`,
    /// `rotated_at = now`, `last_used_at = now`,
    /// `idle_expires_at = min(new_idle_expires_at, absolute_expires_at)`.
    /// Returns the updated row with its user, or None when the CAS did not match. Exactly one
    /// of N concurrent callers with the same `expected_generation` wins, on both backends and
    /// across processes. One round trip on PostgreSQL.
    async fn rotate_session(
        &self,
        id: &str,
        expected_generation: i64,
        now: i64,
        new_idle_expires_at: i64,
    ) -> Result<Option<SessionWithUser>, StoreError>;
    /// Sets `revoked_at`/`revoke_reason` if not already revoked; true when this call revoked it.
    async fn revoke_session(&self, id: &str, now: i64, reason: &str) -> Result<bool, StoreError>;
    /// Revokes every unrevoked session of the user except `except_session`; returns how many.
    async fn revoke_user_sessions(
        &self,
        user_id: &str,
        now: i64,
        reason: &str,
        except_session: Option<&str>,
    ) -> Result<u64, StoreError>;
    /// Revokes every unrevoked session started from the browser session; returns how many.
    async fn revoke_browser_session_sessions(
        &self,
        browser_session_id: &str,
        now: i64,
        reason: &str,
    ) -> Result<u64, StoreError>;
    /// Live sessions (not revoked, idle and absolute expiry > now), newest first; all users'
    /// when `user_id` is None.
    async fn list_live_sessions(&self, user_id: Option<&str>, now: i64) -> Result<Vec<Session>, StoreError>;
    /// Janitor: deletes up to `limit` sessions that were already dead at `cutoff` (an expiry
    /// `<= cutoff`, or `revoked_at <= cutoff`); returns how many. One short statement; call it
    /// in a loop until it returns less than `limit`. Pass `cutoff = now - grace` to keep dead
    /// sessions around long enough to recognise (and audit) a late reuse.
    async fn delete_dead_sessions(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// [`StoreError::Conflict`] when the kid is taken.
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<(), StoreError>;
    /// Keys not retired, newest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// Inserts the first key of its algorithm, unless another process already did: `false`
    /// then, and the caller re-reads [`KeyStore::signing_keys`]. This is what lets several
    /// processes start at once on an empty database and publish one set of keys.
    async fn insert_first_signing_key(&self, key: &SigningKeyRecord) -> Result<bool, StoreError>;
}

/// What the database remembers about its deployment (the master-key check value, the
/// issuer), so every process that opens it agrees on them.
#[async_trait]
pub trait InstanceStore: Send + Sync {
    /// The stored value of a setting.
    async fn instance_setting(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// Compare-and-set: stores `value` unless the setting exists, and returns the value
    /// stored afterwards (ours, or the one another process stored first).
    async fn init_instance_setting(&self, name: &str, value: &str) -> Result<String, StoreError>;
    /// Replaces a setting, for a deliberate change (e.g. a new issuer).
    async fn replace_instance_setting(&self, name: &str, value: &str) -> Result<(), StoreError>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit_event(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Newest first, at most `limit`; only the session's when `session_id` is given.
    async fn audit_events(&self, session_id: Option<&str>, limit: i64)
        -> Result<Vec<AuditEvent>, StoreError>;
}

/// Revoked access tokens (RFC 7009 §2.1) and the feed resource servers poll.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Denies one access token until `expires_at`; true when this call revoked it.
    async fn revoke_access_token(
        &self,
        jti: &str,
        session_id: Option<&str>,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError>;
    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError>;
    /// Sessions and access tokens revoked at or after `since`, and sessions whose deadline
    /// passed between `since` and `now` (an expired session is as dead as a revoked one; its
    /// entry's `revoked_at` is the deadline), oldest first, at most `limit`.
    async fn revocations_since(
        &self,
        since: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Revocation>, StoreError>;
    /// Janitor: forgets up to `limit` token revocations whose token expired before `now`.
    async fn delete_expired_token_revocations(&self, now: i64, limit: i64) -> Result<u64, StoreError>;
}

/// Authorization codes (RFC 6749 §4.1.2), each redeemed at most once.
#[async_trait]
pub trait AuthorizationCodeStore: Send + Sync {
    async fn create_authorization_code(&self, code: &NewAuthorizationCode) -> Result<(), StoreError>;
    /// The single-use compare-and-swap, in ONE statement: where `hash` and `client_id` match,
    /// the code is unused and `expires_at > now`, set `used_at = now` and
    /// `session_id = session_id`, and return the code. Exactly one of N concurrent callers
    /// gets `Some`, on both backends and across processes.
    async fn redeem_authorization_code(
        &self,
        hash: &str,
        client_id: &str,
        now: i64,
        session_id: &str,
    ) -> Result<Option<AuthorizationCode>, StoreError>;
    /// The code whatever its state (to tell a replay from an unknown code).
    async fn authorization_code(&self, hash: &str) -> Result<Option<AuthorizationCode>, StoreError>;
    /// Janitor: deletes up to `limit` codes that expired before `cutoff`; returns how many.
    async fn delete_expired_authorization_codes(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError>;
}

/// Browser (single-sign-on) sessions at the hosted login pages.
#[async_trait]
pub trait BrowserSessionStore: Send + Sync {
    async fn create_browser_session(
        &self,
        session: &BrowserSession,
        secret_hash: &str,
    ) -> Result<(), StoreError>;
    /// The live (not ended, `expires_at > now`) browser session whose secret hashes to
    /// `secret_hash`.
    async fn browser_session_by_secret(
        &self,
        secret_hash: &str,
        now: i64,
    ) -> Result<Option<BrowserSession>, StoreError>;
    /// The browser session whatever its state.
    async fn browser_session(&self, id: &str) -> Result<Option<BrowserSession>, StoreError>;
    /// Ends a browser session; true when this call ended it.
    async fn end_browser_session(&self, id: &str, now: i64) -> Result<bool, StoreError>;
}

/// Remembered consents: which scopes a user let a client have.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Remembers that the user consented to `scope` (a normalized scope string) for the client.
    async fn grant_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    async fn has_consent(&self, user_id: &str, client_id: &str, scope: &str) -> Result<bool, StoreError>;
}

/// Failed sign-in attempts per throttle key, shared by every process on the database (OWASP
/// ASVS 2.2.1). The server decides what a count means; the store only counts, exactly.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts one failure against each of `keys` in ONE statement
    /// (`INSERT … ON CONFLICT … DO UPDATE … RETURNING`): a key whose window ended
    /// (`expires_at <= now`) restarts at 1, and every failure moves its window's end to
    /// `now + window`. Returns every key's count after this failure. Exact when N callers
    /// race, on both backends and across processes.
    async fn record_throttle_failures(
        &self,
        keys: &[&str],
        now: i64,
        window: i64,
    ) -> Result<Vec<ThrottleCount>, StoreError>;
    /// The counts of those of `keys` whose window is still open at `now`.
    async fn throttle_counts(&self, keys: &[&str], now: i64) -> Result<Vec<ThrottleCount>, StoreError>;
    /// Forgets a key's failures; true when there were any.
    async fn clear_throttle(&self, key: &str) -> Result<bool, StoreError>;
    /// Janitor: deletes up to `limit` keys whose window ended before `now`; returns how many.
    async fn delete_expired_throttles(&self, now: i64, limit: i64) -> Result<u64, StoreError>;
}

/// Everything the server needs, as one object-safe trait (the server holds `Arc<dyn Store>`).
#[async_trait]
pub trait Store:
    UserStore
    + ClientStore
    + SessionStore
    + KeyStore
    + InstanceStore
    + AuditStore
    + RevocationStore
    + AuthorizationCodeStore
    + BrowserSessionStore
    + ConsentStore
    + ThrottleStore
    + FederationStore
    + NativeExchangeStore
    + LinkedIdentityStore
    + Transactional
    + Send
    + Sync
{
    fn backend(&self) -> Backend;
    /// `SELECT 1`; [`StoreError::Unavailable`] when the database is down.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Applies the backend's pending migrations (idempotent, safe to run from several
    /// processes at once on PostgreSQL, which takes an advisory lock).
    async fn migrate(&self) -> Result<(), StoreError>;
}

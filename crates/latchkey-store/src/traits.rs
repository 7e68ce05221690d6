//! Narrow storage capabilities, combined into [`Store`], the one object the server holds
//! (`Arc<dyn Store>`). All are object safe.

use async_trait::async_trait;
use latchkey_core::key_rotation::KeyState;

use latchkey_core::refresh::Downtime;

use crate::account_traits::{AccountTokenStore, OutboxStore};
use crate::backchannel_logout::BackchannelLogoutStore;
use crate::client_traits::ClientStore;
use crate::error::{Backend, StoreError};
use crate::federation::FederationStore;
use crate::linked_identities::LinkedIdentityStore;
use crate::model::{
    AccountLockout, AuditEvent, AuditFilter, AuthorizationCode, BrowserSession, NewAuthorizationCode,
    NewSession, NewUser, PoolUsage, Revocation, Session, SessionWithUser, SignInMethod, SigningKeyRecord,
    ThrottleCount, User, UserUpdate,
};
use crate::native_exchange::NativeExchangeStore;
use crate::passkeys::PasskeyStore;
use crate::unit_of_work::Transactional;

#[async_trait]
pub trait UserStore: Send + Sync {
    /// [`StoreError::Conflict`] when the username (or id) is taken.
    async fn create_user(&self, user: &NewUser, now: i64) -> Result<User, StoreError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// Ordered by username.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// A page of users in the order of their usernames (keyset pagination): at most `limit`
    /// whose username sorts after `after`, only those with this `disabled` state when given.
    async fn users_page(
        &self,
        after: Option<&str>,
        disabled: Option<bool>,
        limit: i64,
    ) -> Result<Vec<User>, StoreError>;
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
    /// The admin update, a compare-and-swap on the user's `version` in ONE statement: sets
    /// email and roles and bumps the version where `id` and `expected_version` match. `None`
    /// when nothing matched (no such user, or another update came first): of N concurrent
    /// callers with the same version exactly one gets the row.
    async fn update_user(&self, update: &UserUpdate, now: i64) -> Result<Option<User>, StoreError>;
    /// Deletes the user and (by `ON DELETE CASCADE`) their sessions; false when absent.
    async fn delete_user(&self, id: &str) -> Result<bool, StoreError>;
    /// False when there is no such user.
    async fn set_user_disabled(&self, user_id: &str, disabled: bool, now: i64) -> Result<bool, StoreError>;
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
    /// across processes. One round trip on PostgreSQL. A session bound to a DPoP key
    /// (`dpop_jkt`) matches only when `dpop_jkt` is that key (RFC 9449 §5).
    async fn rotate_session(
        &self,
        id: &str,
        expected_generation: i64,
        now: i64,
        new_idle_expires_at: i64,
        dpop_jkt: Option<&str>,
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

/// Signing keys and their rotation (docs/architecture.md, "Signing-key rotation"). Every
/// transition is a compare-and-swap on the key's state: of several processes performing the
/// same one, exactly one gets `true`.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Inserts a key unless its purpose and algorithm already have a key in its state (at
    /// most one active and one pending each): `false` then, and the caller re-reads.
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<bool, StoreError>;
    /// Every stored key, newest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// One key's state; `None` when there is no such key (never was, or deleted).
    async fn signing_key_state(&self, kid: &str) -> Result<Option<KeyState>, StoreError>;
    /// Pending `kid` signs from `now`; `replaces` (active) becomes retiring with the given
    /// dates. Both or neither, in one transaction.
    async fn activate_signing_key(
        &self,
        kid: &str,
        replaces: Option<&str>,
        now: i64,
        retire_at: i64,
        delete_at: i64,
    ) -> Result<bool, StoreError>;
    /// Active → retiring, without a successor (its algorithm is no longer configured).
    async fn stop_signing_key(&self, kid: &str, retire_at: i64, delete_at: i64) -> Result<bool, StoreError>;
    /// Retiring → retired: it leaves the JWKS.
    async fn retire_signing_key(&self, kid: &str) -> Result<bool, StoreError>;
    /// Deletes a retired or revoked key whose `delete_at` has come.
    async fn delete_signing_key(&self, kid: &str, now: i64) -> Result<bool, StoreError>;
    /// Emergency: any other state → revoked at `now`, the row kept until `delete_at` (the
    /// revocation feed lists it until then). Returns the state it had; `None` when there is
    /// no such key or it was revoked already.
    async fn revoke_signing_key(
        &self,
        kid: &str,
        now: i64,
        delete_at: i64,
    ) -> Result<Option<KeyState>, StoreError>;
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
    /// The events `filter` selects, newest first (by their row id), at most `limit`, each with
    /// its id: the cursor of the next page is the last id.
    async fn find_audit_events(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<(i64, AuditEvent)>, StoreError>;
    /// Janitor: deletes up to `limit` events older than `cutoff`; returns how many.
    async fn delete_audit_events_before(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError>;
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
    /// A second factor completed the live session's sign-in (a step-up): its method and
    /// `auth_time` become `method` and `auth_time`; true when the session was live.
    async fn step_up_browser_session(
        &self,
        id: &str,
        method: &SignInMethod,
        auth_time: i64,
    ) -> Result<bool, StoreError>;
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
    /// Forgets the failures of every key that starts with `prefix` (an account's keys from
    /// each IP, for an admin unlock); returns how many keys. Scans the table: not for a
    /// request path.
    async fn clear_throttle_prefix(&self, prefix: &str) -> Result<u64, StoreError>;
    /// Janitor: deletes up to `limit` keys whose window ended before `now`; returns how many.
    async fn delete_expired_throttles(&self, now: i64, limit: i64) -> Result<u64, StoreError>;
}

/// The opt-in permanent lockout: consecutive credential failures per user and the time the
/// account was locked, shared by every process on the database (OWASP ASVS 2.2.1).
#[async_trait]
pub trait LockoutStore: Send + Sync {
    /// Counts one credential failure of `user_id` in ONE statement (`INSERT … ON CONFLICT …
    /// DO UPDATE … RETURNING`); the failure that brings the count to `lock_after` locks the
    /// account at `now`, and a lock keeps its first time. Returns the state after this
    /// failure: exactly one of N racing callers sees `failures == lock_after`.
    async fn record_lockout_failure(
        &self,
        user_id: &str,
        now: i64,
        lock_after: i64,
    ) -> Result<AccountLockout, StoreError>;
    /// The user's consecutive failures and lock, if any.
    async fn account_lockout(&self, user_id: &str) -> Result<Option<AccountLockout>, StoreError>;
    /// After a success: forgets the failures of an account that is not locked (a lock stays
    /// even if a success raced with the locking failure). True when there were any.
    async fn clear_lockout_failures(&self, user_id: &str) -> Result<bool, StoreError>;
    /// The admin unlock: forgets the failures and the lock. Returns when the account had been
    /// locked, or `None` when it was not locked.
    async fn unlock_account(&self, user_id: &str) -> Result<Option<i64>, StoreError>;
}

/// The processes' heartbeat and the downtimes between them: the refresh reuse window counts
/// only time during which some process was up.
#[async_trait]
pub trait UptimeStore: Send + Sync {
    /// The latest heartbeat of any process, if one was ever recorded.
    async fn last_heartbeat(&self) -> Result<Option<i64>, StoreError>;
    /// Records a heartbeat at `now` (a later one already recorded stays).
    async fn record_heartbeat(&self, now: i64) -> Result<(), StoreError>;
    /// Records that no process was up from `from` to `until`; processes that record the same
    /// `from` at once keep one row, with the latest `until`.
    async fn record_downtime(&self, from: i64, until: i64) -> Result<(), StoreError>;
    /// The downtimes that ended after `since`, oldest first.
    async fn downtimes_since(&self, since: i64) -> Result<Vec<Downtime>, StoreError>;
    /// Janitor: forgets the downtimes that ended before `before`; returns how many.
    async fn delete_downtimes_before(&self, before: i64) -> Result<u64, StoreError>;
}

/// DPoP proofs already used (RFC 9449 §11.1), shared by every process.
#[async_trait]
pub trait DpopProofStore: Send + Sync {
    /// Records a proof as used until `expires_at`: one `INSERT ... ON CONFLICT DO NOTHING`.
    /// True when this call recorded it (first use), false when it was already there (replay).
    async fn record_dpop_proof(&self, replay_key: &str, expires_at: i64) -> Result<bool, StoreError>;
    /// Deletes up to `limit` proofs remembered until `now` or earlier; how many were deleted.
    async fn delete_expired_dpop_proofs(&self, now: i64, limit: i64) -> Result<u64, StoreError>;
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
    + LockoutStore
    + UptimeStore
    + DpopProofStore
    + FederationStore
    + NativeExchangeStore
    + PasskeyStore
    + BackchannelLogoutStore
    + LinkedIdentityStore
    + OutboxStore
    + AccountTokenStore
    + crate::admin_pages::AdminPageStore
    + crate::second_factors::SecondFactorStore
    + Transactional
    + Send
    + Sync
{
    fn backend(&self) -> Backend;
    /// How busy the connection pools are, for the metrics.
    fn pool_usage(&self) -> Vec<PoolUsage>;
    /// `SELECT 1`; [`StoreError::Unavailable`] when the database is down.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Applies the backend's pending migrations (idempotent, safe to run from several
    /// processes at once on PostgreSQL, which takes an advisory lock).
    async fn migrate(&self) -> Result<(), StoreError>;
}

//! Storage of users' second factors (docs/architecture.md, "Multi-factor authentication"):
//! TOTP authenticators, the time steps already used, and recovery codes. Secrets reach the
//! store sealed (TOTP) or hashed (recovery codes); the store never sees them in clear.

use async_trait::async_trait;

use crate::error::StoreError;

/// A user's TOTP authenticator. `sealed_secret` is opaque to the store (sealed under the
/// master key by the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpFactor {
    pub user_id: String,
    pub sealed_secret: Vec<u8>,
    pub created_at: i64,
    /// When the first code confirmed it; `None` while the enrolment waits for that code.
    pub confirmed_at: Option<i64>,
}

#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    /// Starts (or restarts) a TOTP enrolment with a new sealed secret, in ONE upsert that
    /// never replaces a confirmed authenticator: false when the user already has one.
    async fn begin_totp_enrolment(
        &self,
        user_id: &str,
        sealed_secret: &[u8],
        now: i64,
    ) -> Result<bool, StoreError>;
    /// The user's authenticator, confirmed or waiting for its first code.
    async fn totp_factor(&self, user_id: &str) -> Result<Option<TotpFactor>, StoreError>;
    /// Confirms the waiting enrolment whose secret is `sealed_secret` (so that a restarted
    /// enrolment's old code confirms nothing); true when this call confirmed it.
    async fn confirm_totp(&self, user_id: &str, sealed_secret: &[u8], now: i64) -> Result<bool, StoreError>;
    /// Removes the user's authenticator and recovery codes together; true when there was one.
    async fn remove_totp(&self, user_id: &str) -> Result<bool, StoreError>;
    /// Records that the user's code of time step `step` was used: ONE
    /// `INSERT ... ON CONFLICT DO NOTHING`, so of every process trying the same code, one
    /// gets true (RFC 6238 §5.2: a code is accepted once).
    async fn use_totp_step(&self, user_id: &str, step: i64, now: i64) -> Result<bool, StoreError>;
    /// Deletes up to `limit` used steps recorded before `before` (the janitor).
    async fn delete_used_totp_steps(&self, before: i64, limit: i64) -> Result<u64, StoreError>;
    /// Replaces the user's recovery codes by `code_hashes`, in one transaction.
    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
        now: i64,
    ) -> Result<(), StoreError>;
    /// Uses the unused recovery code that hashes to `code_hash` (a compare-and-swap: of N
    /// concurrent callers one gets true).
    async fn use_recovery_code(&self, user_id: &str, code_hash: &str, now: i64) -> Result<bool, StoreError>;
    /// How many unused recovery codes the user has.
    async fn recovery_codes_left(&self, user_id: &str) -> Result<i64, StoreError>;
    /// Whether the user has a live session (at `now`) with a client whose MFA policy is
    /// `required`: such a user may not remove their last factor.
    async fn has_session_with_mfa_required_client(&self, user_id: &str, now: i64)
        -> Result<bool, StoreError>;
}

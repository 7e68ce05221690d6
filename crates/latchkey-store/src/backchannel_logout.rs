//! The outbox of back-channel logout deliveries (OpenID Connect Back-Channel Logout 1.0 §2.5;
//! `docs/architecture.md`, "Back-channel logout"). Rows are written by the database itself,
//! by a trigger on `sessions` in the transaction that revokes a session, so every way a
//! session ends enqueues one delivery and no caller can forget to. A worker in each server
//! process claims due rows by compare-and-swap, so several processes never send one twice.

use async_trait::async_trait;

use crate::error::StoreError;

/// One pending logout token: for which client, user and browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackchannelLogout {
    /// The ended refresh session (the row's key).
    pub session_id: String,
    pub client_id: String,
    /// Where the client receives logout tokens.
    pub uri: String,
    /// The `sub` of the token.
    pub user_id: String,
    /// The `sid` of the token: the browser session ID tokens carried.
    pub browser_session_id: Option<String>,
    /// The client's `backchannel_logout_session_required` (Back-Channel Logout 1.0 §2.2): its
    /// logout tokens must carry a `sid`.
    pub session_required: bool,
    /// Attempts made before this one.
    pub attempts: i64,
}

#[async_trait]
pub trait BackchannelLogoutStore: Send + Sync {
    /// Claims up to `limit` deliveries due at `now` for `lease` seconds, each by its own
    /// compare-and-swap on `claimed_until` (one winner among processes), counting the attempt.
    async fn claim_backchannel_logouts(
        &self,
        now: i64,
        lease: i64,
        limit: i64,
    ) -> Result<Vec<BackchannelLogout>, StoreError>;
    /// The delivery succeeded, or was given up: the row goes.
    async fn finish_backchannel_logout(&self, session_id: &str) -> Result<(), StoreError>;
    /// The attempt failed: released for another at `next_attempt_at`.
    async fn retry_backchannel_logout(
        &self,
        session_id: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError>;
}

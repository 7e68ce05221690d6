//! The throttle behind the user-authentication service, as a trait so that a shared,
//! cross-process throttle (database-backed) can replace the in-memory one without touching
//! any caller. The in-memory [`LoginThrottle`] of `crate::throttle` is the implementation
//! today: per process, per account and per client IP.

use async_trait::async_trait;

use crate::error::ApiError;
use crate::throttle::{Key, LoginThrottle};

/// Slows password guessing down. Implementations decide how long a key waits after failures;
/// a blocked attempt must be refused without verifying its password.
#[async_trait]
pub trait Throttle: Send + Sync {
    /// Whether any of `keys` must still wait at `now`.
    async fn is_blocked(&self, keys: &[Key], now: i64) -> Result<bool, ApiError>;
    /// Counts a failed attempt against every key.
    async fn record_failure(&self, keys: &[Key], now: i64) -> Result<(), ApiError>;
    /// A success clears its account's failures (not its IP's: one good password must not
    /// buy an IP more guesses at other accounts).
    async fn record_success(&self, account: &Key) -> Result<(), ApiError>;
}

#[async_trait]
impl Throttle for LoginThrottle {
    async fn is_blocked(&self, keys: &[Key], now: i64) -> Result<bool, ApiError> {
        Ok(self.blocked(keys, now))
    }

    async fn record_failure(&self, keys: &[Key], now: i64) -> Result<(), ApiError> {
        LoginThrottle::record_failure(self, keys, now);
        Ok(())
    }

    async fn record_success(&self, account: &Key) -> Result<(), ApiError> {
        LoginThrottle::record_success(self, account);
        Ok(())
    }
}

//! The throttle behind the user-authentication service, as a trait so that callers do not
//! depend on where the counts live: [`crate::throttle::StoreThrottle`] keeps them in the
//! database every process shares.

use async_trait::async_trait;

use crate::error::ApiError;
use crate::throttle::{Key, Verdict};

/// Slows password guessing down. Implementations decide how long a key waits after failures.
#[async_trait]
pub trait Throttle: Send + Sync {
    /// Whether any of `keys` must still wait at `now`, and what that means.
    async fn check(&self, keys: &[Key], now: i64) -> Result<Verdict, ApiError>;
    /// Counts a failed attempt against every key.
    async fn record_failure(&self, keys: &[Key], now: i64) -> Result<(), ApiError>;
    /// A success clears its account's failures (not its IP's nor its client's: one good
    /// password must not buy an IP or a client more guesses at other accounts).
    async fn record_success(&self, keys: &[Key]) -> Result<(), ApiError>;
}

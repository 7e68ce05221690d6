//! The token exchange (RFC 8693) through the same door as passwords: a native app proves who
//! the user is with a provider's token instead of a password, so guessing or replaying tokens
//! is throttled like guessing passwords. No account is known until the token is validated, so
//! the attempt counts against the caller's IP (refused as rate limited, 429) and the client
//! (refused like a bad token); a refused token counts as a failure, a validated one clears the
//! IP's count.

use std::net::IpAddr;

use super::Refused;
use crate::error::ApiError;
use crate::state::AppState;
use crate::throttle::{Key, Verdict};

/// One exchange attempt.
pub struct ExchangeAttempt<'a> {
    pub ip: Option<IpAddr>,
    pub client_id: &'a str,
}

impl ExchangeAttempt<'_> {
    fn keys(&self) -> Vec<Key> {
        self.ip.map(Key::ip).into_iter().chain([Key::client(self.client_id)]).collect()
    }
}

/// Whether the attempt may be checked at all; `Ok(Err(_))` is a refusal.
pub async fn admit(state: &AppState, attempt: &ExchangeAttempt<'_>) -> Result<Result<(), Refused>, ApiError> {
    Ok(match state.login_throttle.check(&attempt.keys(), state.clock.now()).await? {
        Verdict::RateLimited { retry_after } => Err(Refused::RateLimited { retry_after }),
        Verdict::Wait => Err(Refused::Throttled),
        Verdict::Open => Ok(()),
    })
}

/// Counts the outcome: a refused subject token is a failure.
pub async fn record(
    state: &AppState,
    attempt: &ExchangeAttempt<'_>,
    validated: bool,
) -> Result<(), ApiError> {
    let keys = attempt.keys();
    if validated {
        state.login_throttle.record_success(&keys).await?;
    } else {
        state.login_throttle.record_failure(&keys, state.clock.now()).await?;
    }
    Ok(())
}

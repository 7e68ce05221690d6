//! The opt-in permanent lockout (`lockout_after_failures`, off by default): after that many
//! consecutive credential failures for one account, counted in the database every process
//! shares ([`latchkey_store::LockoutStore`]), the account stays locked until an admin runs
//! `latchkey users unlock` (OWASP ASVS 2.2.1 leaves lockout to the operator; Keycloak's
//! "permanent lockout" works the same way).
//!
//! A locked account is refused exactly like a wrong password — same status, body and password
//! verify — so a guesser cannot tell that it guessed right. Unlike the throttle's waits, a
//! known-device cookie does not get past a lock: the operator chose a lock anyone can trigger
//! so that a human looks at the account before any password works again, and the cookie only
//! proves that this browser signed in once, not who holds it now (a stolen laptop's cookie
//! would otherwise keep guessing). See docs/architecture.md, "Guessing and lockout".

use latchkey_store::{AccountLockout, User};

use super::{audit, Attempt};
use crate::error::ApiError;
use crate::state::AppState;

/// The failure count that locks, or `None` when the lockout is off.
fn limit(state: &AppState) -> Option<i64> {
    Some(i64::from(state.config.lockout_after_failures)).filter(|limit| *limit > 0)
}

/// The account's failures and lock; nothing (and no query) when the lockout is off.
pub(super) async fn current(state: &AppState, user: &User) -> Result<Option<AccountLockout>, ApiError> {
    if limit(state).is_none() {
        return Ok(None);
    }
    Ok(state.store.account_lockout(&user.id).await?)
}

/// Whether the account is locked.
pub(super) fn is_locked(lockout: Option<AccountLockout>) -> bool {
    lockout.is_some_and(|lockout| lockout.locked_at.is_some())
}

/// Counts a credential failure; the one that reaches the limit locks and is audited.
pub(super) async fn record_failure(
    state: &AppState,
    user: &User,
    attempt: &Attempt<'_>,
    now: i64,
) -> Result<(), ApiError> {
    let Some(limit) = limit(state) else { return Ok(()) };
    let after = state.store.record_lockout_failure(&user.id, now, limit).await?;
    if after.failures == limit {
        tracing::warn!(user_id = %user.id, failures = limit, "account locked until an admin unlocks it");
        audit(state, user, attempt, "account_locked", now).await?;
    }
    Ok(())
}

/// A success ends the run of consecutive failures (an unlocked account's only).
pub(super) async fn record_success(
    state: &AppState,
    user: &User,
    lockout: Option<AccountLockout>,
) -> Result<(), ApiError> {
    if lockout.is_some_and(|lockout| lockout.failures > 0) {
        state.store.clear_lockout_failures(&user.id).await?;
    }
    Ok(())
}

//! The one door through which a user proves who they are with a password: the password grant
//! (RFC 6749 §4.3), the hosted login page and the password change all come through
//! [`authenticate`], and so will federation callbacks and token exchange.
//!
//! In order: the throttle (per account and per client IP; a blocked attempt spends no
//! Argon2), the user lookup, the password verify on the bounded pool (an unknown or disabled
//! user costs a dummy verify, so timing does not tell which usernames exist), the upgrade of
//! a legacy (bcrypt or weaker Argon2) hash to Argon2id, and an audit event. Every refusal is
//! the same [`Refused`] to the caller, which answers it with one message, whatever the cause
//! (RFC 6749 §5.2 `invalid_grant` at the token endpoint).

mod throttle;

use latchkey_core::token_request::Secret;
use latchkey_crypto::PasswordCheck;
use latchkey_store::{AuditEvent, User};

pub use self::throttle::Throttle;
use crate::error::ApiError;
use crate::state::AppState;
use crate::throttle::Key;

/// Where an attempt came in, for the audit trail and the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    PasswordGrant,
    HostedLogin,
    PasswordChange,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Self::PasswordGrant => "password_grant",
            Self::HostedLogin => "hosted_login",
            Self::PasswordChange => "password_change",
        }
    }
}

/// One attempt to authenticate with a username and password.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: Secret,
    /// The client IP, throttled on its own across accounts.
    pub ip: Option<&'a str>,
    /// The OAuth client the user is signing in to, if any.
    pub client_id: Option<&'a str>,
    pub channel: Channel,
}

/// The attempt was refused. Callers answer every refusal the same way, so the response never
/// tells a guesser which it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The account or the IP must wait; the password was not checked.
    Throttled,
    /// Unknown user, disabled user or wrong password.
    BadCredentials,
}

/// Checks the attempt; `Ok(Err(_))` is a refusal, `Err(_)` a server failure.
pub async fn authenticate(state: &AppState, attempt: Attempt<'_>) -> Result<Result<User, Refused>, ApiError> {
    let now = state.clock.now();
    let account = Key::account(attempt.username);
    let mut keys = vec![account];
    keys.extend(attempt.ip.map(Key::ip));
    let channel = attempt.channel.as_str();
    if state.login_throttle.is_blocked(&keys, now).await? {
        tracing::info!(client_id = ?attempt.client_id, channel, "authentication refused: throttled");
        return Ok(Err(Refused::Throttled));
    }
    let user = state.store.user_by_username(attempt.username).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        state.passwords.dummy_verify(attempt.password.expose().to_owned()).await?;
        state.login_throttle.record_failure(&keys, now).await?;
        return Ok(Err(Refused::BadCredentials));
    };
    let check =
        state.passwords.verify(attempt.password.expose().to_owned(), user.password_hash.clone()).await?;
    if check == PasswordCheck::Invalid {
        state.login_throttle.record_failure(&keys, now).await?;
        audit(state, &user, &attempt, "authentication_failed", now).await?;
        return Ok(Err(Refused::BadCredentials));
    }
    state.login_throttle.record_success(&keys[0]).await?;
    if check == PasswordCheck::ValidNeedsRehash {
        upgrade_hash(state, &user, &attempt.password).await;
    }
    audit(state, &user, &attempt, "authenticated", now).await?;
    Ok(Ok(user))
}

/// Records the outcome for a known user (unknown usernames are not recorded: the row would
/// name nobody, and would let a flood of guesses fill the table).
async fn audit(
    state: &AppState,
    user: &User,
    attempt: &Attempt<'_>,
    kind: &str,
    now: i64,
) -> Result<(), ApiError> {
    let event = AuditEvent {
        at: now,
        kind: kind.to_owned(),
        user_id: Some(user.id.clone()),
        client_id: attempt.client_id.map(str::to_owned),
        session_id: None,
        detail: Some(format!("channel={}", attempt.channel.as_str())),
    };
    state.store.record_audit_event(&event).await?;
    Ok(())
}

/// Replaces a legacy hash with Argon2id; a failure here must not fail the login. The store's
/// compare-and-swap cannot undo a password change that raced with this login.
async fn upgrade_hash(state: &AppState, user: &User, password: &Secret) {
    let now = state.clock.now();
    let result = match state.passwords.hash(password.expose().to_owned()).await {
        Ok(new_hash) => state
            .store
            .replace_password_hash(&user.id, &user.password_hash, &new_hash, now)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => tracing::info!(user_id = %user.id, "upgraded the password hash to Argon2id"),
        Err(e) => tracing::warn!(user_id = %user.id, error = ?e, "could not upgrade the password hash"),
    }
}

//! The one door through which a user proves who they are with a password: the password grant
//! (RFC 6749 §4.3), the hosted login page and the password change all come through
//! [`authenticate`], and so will federation callbacks; the token exchange of native apps
//! comes through [`exchange`], passkeys through [`passkey`] (the same throttle, lockout and
//! audit rules).
//!
//! In order: the throttle ([`crate::throttle`]: per account, per account and IP, per IP and
//! per client, counted in the shared database), the user lookup, the password verify on the
//! bounded pool (an unknown or disabled user costs a dummy verify, so timing does not tell
//! which usernames exist; so does a self-registered account whose e-mail is not verified
//! yet), the upgrade of a legacy (bcrypt or weaker Argon2) hash to
//! Argon2id, and an audit event.
//!
//! An attempt whose account or client must wait is still verified — the same work as any
//! other — and refused like a wrong password; only a wrong password (or an unknown user)
//! counts as a failure, so correct logins never slow anyone down. Only an IP that must wait
//! is refused at once, as rate limited: the only refusal that looks different, and it tells
//! the caller about its own address only. A known device (see [`Attempt::known_device`]) is
//! exempt from the account and client waits, so that other people's guessing cannot keep a
//! user out (OWASP ASVS 2.2.1: no lockout anyone can trigger). An operator may still opt in
//! to a permanent lockout with an admin unlock ([`lockout`]): a locked account is refused
//! like a wrong password, after the same verify, known device or not.

pub mod exchange;
mod lockout;
pub mod passkey;
mod throttle;

use std::net::IpAddr;

use latchkey_core::token_request::Secret;
use latchkey_crypto::PasswordCheck;
use latchkey_store::{AuditEvent, User};

pub use self::throttle::Throttle;
use crate::error::ApiError;
use crate::federation::sign_in::NO_PASSWORD;
use crate::state::AppState;
use crate::throttle::{Key, Scope, Verdict};

/// Where an attempt came in, for the audit trail and the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    PasswordGrant,
    HostedLogin,
    PasswordChange,
    /// Proving the account before its e-mail address is changed.
    EmailChange,
    /// Proving an existing account before an upstream identity is linked to it.
    FederationLink,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Self::PasswordGrant => "password_grant",
            Self::HostedLogin => "hosted_login",
            Self::PasswordChange => "password_change",
            Self::EmailChange => "email_change",
            Self::FederationLink => "federation_link",
        }
    }
}

/// One attempt to authenticate with a username and password.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: Secret,
    /// The client IP ([`crate::client_ip`]), throttled on its own across accounts.
    pub ip: Option<IpAddr>,
    /// The OAuth client the user is signing in to, if any.
    pub client_id: Option<&'a str>,
    /// This browser signed in to this account before ([`crate::known_device`]): the account's
    /// and the client's waits do not apply to it, only its IP's.
    pub known_device: bool,
    pub channel: Channel,
}

/// The attempt was refused. Callers answer every refusal the same way, so the response never
/// tells a guesser which it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The client IP must wait this many more seconds; the password was not checked. The
    /// caller answers 429 with `Retry-After`.
    RateLimited { retry_after: i64 },
    /// The account or the client must wait (whatever the password).
    Throttled,
    /// Unknown user, disabled user or wrong password.
    BadCredentials,
}

/// The keys an attempt is counted against ([`crate::throttle`]).
fn keys(attempt: &Attempt<'_>) -> Vec<Key> {
    let mut keys = vec![Key::account(attempt.username)];
    if let Some(ip) = attempt.ip {
        keys.push(Key::account_ip(attempt.username, ip));
        keys.push(Key::ip(ip));
    }
    keys.extend(attempt.client_id.map(Key::client));
    keys
}

/// Checks the attempt; `Ok(Err(_))` is a refusal, `Err(_)` a server failure. Counts the
/// outcome in the metrics.
pub async fn authenticate(state: &AppState, attempt: Attempt<'_>) -> Result<Result<User, Refused>, ApiError> {
    let outcome = check(state, attempt).await?;
    state.metrics.record_login(match &outcome {
        Ok(_) => "success",
        Err(Refused::BadCredentials) => "bad_credentials",
        Err(Refused::Throttled) => "throttled",
        Err(Refused::RateLimited { .. }) => "rate_limited",
    });
    Ok(outcome)
}

async fn check(state: &AppState, attempt: Attempt<'_>) -> Result<Result<User, Refused>, ApiError> {
    let now = state.clock.now();
    let keys = keys(&attempt);
    let channel = attempt.channel.as_str();
    let checked: Vec<Key> = if attempt.known_device {
        keys.iter().filter(|key| key.scope == Scope::Ip).cloned().collect()
    } else {
        keys.clone()
    };
    let waiting = match state.login_throttle.check(&checked, now).await? {
        Verdict::RateLimited { retry_after } => {
            tracing::info!(client_id = ?attempt.client_id, channel, "authentication refused: IP rate limited");
            return Ok(Err(Refused::RateLimited { retry_after }));
        }
        Verdict::Wait => true,
        Verdict::Open => false,
    };
    let refusal = if waiting { Refused::Throttled } else { Refused::BadCredentials };
    let user = state.store.user_by_username(attempt.username).await?;
    // A federated user has no password (docs/architecture.md, "Federation"), and a
    // self-registered account whose e-mail is not verified yet signs in nowhere (no session
    // before verification: "Sign-up and e-mail verification"): both are answered like an
    // unknown user, after the same work.
    let Some(user) =
        user.filter(|u| !u.disabled && u.password_hash != NO_PASSWORD && !u.verification_required)
    else {
        state.passwords.dummy_verify(attempt.password.expose().to_owned()).await?;
        state.login_throttle.record_failure(&keys, now).await?;
        return Ok(Err(refusal));
    };
    let lockout = lockout::current(state, &user).await?;
    let check =
        state.passwords.verify(attempt.password.expose().to_owned(), user.password_hash.clone()).await?;
    if check == PasswordCheck::Invalid {
        state.login_throttle.record_failure(&keys, now).await?;
        lockout::record_failure(state, &user, &attempt, now).await?;
        audit(state, &user, &attempt, "authentication_failed", now).await?;
        return Ok(Err(refusal));
    }
    if lockout::is_locked(lockout) {
        // The same writes as a wrong password, so the answer and its timing match one.
        state.login_throttle.record_failure(&keys, now).await?;
        audit(state, &user, &attempt, "authentication_refused_locked", now).await?;
        return Ok(Err(refusal));
    }
    if waiting {
        tracing::info!(client_id = ?attempt.client_id, channel, "authentication refused: throttled");
        return Ok(Err(Refused::Throttled));
    }
    state.login_throttle.record_success(&keys).await?;
    lockout::record_success(state, &user, lockout).await?;
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
    let channel = format!("channel={}", attempt.channel.as_str());
    record_audit(state, &user.id, attempt.client_id, kind, &channel, now).await
}

/// Writes one authentication audit event of `user_id`.
pub(crate) async fn record_audit(
    state: &AppState,
    user_id: &str,
    client_id: Option<&str>,
    kind: &str,
    detail: &str,
    now: i64,
) -> Result<(), ApiError> {
    let event = AuditEvent {
        at: now,
        kind: kind.to_owned(),
        user_id: Some(user_id.to_owned()),
        client_id: client_id.map(str::to_owned),
        session_id: None,
        detail: Some(detail.to_owned()),
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

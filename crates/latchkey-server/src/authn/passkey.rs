//! The user-authentication door for passkeys (docs/architecture.md, "Passkeys"): the same
//! rules as a password at [`super::authenticate`] — the IP throttle, a disabled, unverified
//! or locked account refused, every outcome audited and counted — for a user the credential
//! named. There is nothing to guess in a signature, so only the IP is throttled (a flood of
//! bad assertions costs the IP like wrong passwords do), and a failure never counts against
//! the account: nobody can lock a user out with a passkey they do not have.

use std::net::IpAddr;

use latchkey_store::User;

use super::{lockout, record_audit, Refused};
use crate::error::ApiError;
use crate::state::AppState;
use crate::throttle::{Key, Verdict};

/// Where a passkey attempt came in.
#[derive(Debug, Clone, Copy)]
pub struct PasskeyAttempt<'a> {
    pub ip: Option<IpAddr>,
    /// The OAuth client the user is signing in to, if any.
    pub client_id: Option<&'a str>,
}

const CHANNEL: &str = "channel=passkey";

impl PasskeyAttempt<'_> {
    fn keys(&self) -> Vec<Key> {
        self.ip.map(Key::ip).into_iter().collect()
    }

    /// Whether the IP may try now; `Err` is the wait, answered with 429.
    pub async fn admitted(&self, state: &AppState) -> Result<Result<(), Refused>, ApiError> {
        Ok(match state.login_throttle.check(&self.keys(), state.clock.now()).await? {
            Verdict::RateLimited { retry_after } => {
                state.metrics.record_login("rate_limited");
                Err(Refused::RateLimited { retry_after })
            }
            Verdict::Wait | Verdict::Open => Ok(()),
        })
    }

    /// The user the credential belongs to, if they may sign in: enabled, verified, not
    /// locked. A refusal is audited and counted like any bad credential.
    pub async fn eligible_user(&self, state: &AppState, user_id: &str) -> Result<Option<User>, ApiError> {
        let user = state.store.user_by_id(user_id).await?.filter(|u| !u.disabled && !u.verification_required);
        let Some(user) = user else {
            self.failed(state, None).await?;
            return Ok(None);
        };
        if lockout::is_locked(lockout::current(state, &user).await?) {
            self.failed(state, Some((&user, "authentication_refused_locked"))).await?;
            return Ok(None);
        }
        Ok(Some(user))
    }

    /// A refused assertion: counted against the IP; audited as `kind` when it names a user.
    pub async fn failed(&self, state: &AppState, named: Option<(&User, &str)>) -> Result<(), ApiError> {
        let now = state.clock.now();
        state.login_throttle.record_failure(&self.keys(), now).await?;
        state.metrics.record_login("bad_credentials");
        if let Some((user, kind)) = named {
            record_audit(state, &user.id, self.client_id, kind, CHANNEL, now).await?;
        }
        Ok(())
    }

    /// A verified assertion of `user`.
    pub async fn succeeded(&self, state: &AppState, user: &User) -> Result<(), ApiError> {
        state.metrics.record_login("success");
        record_audit(state, &user.id, self.client_id, "authenticated", CHANNEL, state.clock.now()).await
    }
}

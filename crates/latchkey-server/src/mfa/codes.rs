//! Checking a second-factor code someone typed: a TOTP code, or else a recovery code,
//! through the account-security throttle (`crate::authn::Throttle`, key
//! [`Key::second_factor`]) so that six digits cannot be guessed. A passkey presented as the
//! second factor goes through the same key ([`throttled`]).

use std::future::Future;

use latchkey_core::mfa::AMR_OTP;
use latchkey_store::User;

use super::{recovery_codes, totp};
use crate::error::ApiError;
use crate::state::AppState;
use crate::throttle::{Key, Verdict};

/// The outcome of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Accepted: the RFC 8176 `amr` value it adds.
    Accepted(&'static str),
    /// Wrong, replayed, or the user must wait after too many wrong codes (told apart by
    /// nothing, like a wrong password).
    Refused,
}

/// Runs `check` of a second factor of `user` through the user's throttle key: while the key
/// waits, `check` is not even run and the answer is `None`, right factor or wrong; a refusal
/// (`None`) counts a failure, an acceptance clears them.
pub async fn throttled<T>(
    state: &AppState,
    user: &User,
    check: impl Future<Output = Result<Option<T>, ApiError>>,
) -> Result<Option<T>, ApiError> {
    let now = state.clock.now();
    let keys = [Key::second_factor(&user.id)];
    let outcome =
        if state.login_throttle.check(&keys, now).await? == Verdict::Open { check.await? } else { None };
    match outcome {
        Some(accepted) => {
            state.login_throttle.record_success(&keys).await?;
            Ok(Some(accepted))
        }
        None => {
            state.login_throttle.record_failure(&keys, now).await?;
            Ok(None)
        }
    }
}

/// Checks `code` for `user` ([`throttled`]).
pub async fn check(state: &AppState, user: &User, code: &str) -> Result<CodeCheck, ApiError> {
    let code = code.trim();
    let accepted = throttled(state, user, async {
        let accepted = !code.is_empty()
            && code.len() <= 32
            && (totp::accept(state, &user.id, code, false).await?
                || recovery_codes::accept(state, user, code).await?);
        Ok(accepted.then_some(AMR_OTP))
    });
    Ok(accepted.await?.map_or(CodeCheck::Refused, CodeCheck::Accepted))
}

//! Checking a second-factor code someone typed: a TOTP code, or else a recovery code,
//! through the account-security throttle (`crate::authn::Throttle`, key
//! [`Key::second_factor`]) so that six digits cannot be guessed.

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

/// Checks `code` for `user`. While the user's key waits, every code is refused, right or
/// wrong; a wrong code counts a failure, a right one clears them.
pub async fn check(state: &AppState, user: &User, code: &str) -> Result<CodeCheck, ApiError> {
    let now = state.clock.now();
    let keys = [Key::second_factor(&user.id)];
    if state.login_throttle.check(&keys, now).await? != Verdict::Open {
        state.login_throttle.record_failure(&keys, now).await?;
        return Ok(CodeCheck::Refused);
    }
    let code = code.trim();
    let accepted = !code.is_empty()
        && code.len() <= 32
        && (totp::accept(state, &user.id, code, false).await?
            || recovery_codes::accept(state, user, code).await?);
    if accepted {
        state.login_throttle.record_success(&keys).await?;
        Ok(CodeCheck::Accepted(AMR_OTP))
    } else {
        state.login_throttle.record_failure(&keys, now).await?;
        Ok(CodeCheck::Refused)
    }
}
